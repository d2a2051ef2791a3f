/** A JWT header or claims set as a two-column table; time claims also show local time. Values are text. */
import { toJsonText } from '../../lib/safe-content.ts';
import { epochToMs, formatLocal } from '../../lib/time.ts';

const timeClaims = new Set(['iat', 'nbf', 'exp', 'auth_time', 'updated_at']);

function display(name: string, value: unknown): string {
  if (timeClaims.has(name) && typeof value === 'number') return `${value} (${formatLocal(epochToMs(value))})`;
  if (typeof value === 'string') return value;
  return toJsonText(value);
}

/** The table. */
export function ClaimsTable({ title, claims }: { readonly title: string; readonly claims: Readonly<Record<string, unknown>> }) {
  const entries = Object.entries(claims);
  return (
    <table className="claims" aria-label={title}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Claim</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">
              <code>{name}</code>
            </th>
            <td className="selectable">
              <span className="claim-value">{display(name, value)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
