/** When the tokens were refreshed, whether it worked, and whether the refresh token rotated. */
import type { RefreshRecord } from '../../../../preload/contract.ts';
import { LocalTime } from '../common/LocalTime.tsx';

/** The history table, newest first. */
export function RefreshHistory({ history }: { readonly history: readonly RefreshRecord[] }) {
  const rows = [...history].sort((a, b) => b.at - a.at);
  return (
    <section aria-label="Refresh history" data-testid="refresh-history">
      <h3>Refresh history</h3>
      {rows.length === 0 ? (
        <p className="muted">No refresh yet. Keyport refreshes shortly before the access token expires.</p>
      ) : (
        <table className="history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Result</th>
              <th scope="col">Refresh token</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={`${r.at}-${i}`} data-outcome={r.outcome}>
                <td>
                  <LocalTime at={r.at} />
                </td>
                <td className={r.outcome === 'ok' ? 'good' : 'bad'}>
                  {r.outcome === 'ok' ? '✓ refreshed' : `✕ failed${r.errorCode ? ` (${r.errorCode})` : ''}`}
                </td>
                <td>{r.rotated ? 'rotated (new one issued)' : 'kept'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
