/**
 * The sidebar's part of issue 14: how many servers need the user (a sign-in that ended or ends soon, a step-up), and
 * the marker on each such server's row. Never colour alone: a symbol and words.
 */
import type { AttentionView } from '../../../../preload/contract.ts';
import { useKeyport } from '../../store/index.ts';

/** "2 servers need you": shown only when some do; choosing it selects the first. */
export function AttentionSummary() {
  const attention = useKeyport((s) => s.attention);
  const focusServer = useKeyport((s) => s.focusServer);
  const servers = [...new Set(attention.map((a) => a.serverId))];
  if (servers.length === 0) return null;
  const first = attention[0]!;
  return (
    <p className="attention-summary" role="status" data-testid="attention-count">
      <span aria-hidden="true">▲ </span>
      {servers.length === 1 ? '1 server needs' : `${servers.length} servers need`} your attention.{' '}
      <button type="button" className="link-button" onClick={() => focusServer(first.serverId, first.kind)}>
        Show
      </button>
    </p>
  );
}

const short: Readonly<Record<AttentionView['kind'], string>> = { 'sign-in': 'Sign in again', 'step-up': 'More access needed', expiring: 'Ends soon' };

/** The marker on one server's row (none when the status badge already says the same). */
export function AttentionMarker({ serverId }: { readonly serverId: string }) {
  const item = useKeyport((s) => s.attention.find((a) => a.serverId === serverId && a.kind !== 'expiring') ?? s.attention.find((a) => a.serverId === serverId));
  const state = useKeyport((s) => s.servers.find((x) => x.id === serverId)?.status.state);
  if (!item) return null;
  if ((item.kind === 'step-up' && state === 'step-up-needed') || (item.kind === 'sign-in' && state === 'needs-sign-in')) return null;
  return (
    <span className={`attention-marker ${item.kind === 'expiring' ? 'warn' : 'bad'}`} data-testid="attention-marker">
      <span aria-hidden="true">▲ </span>
      {item.kind === 'expiring' && item.lifetime?.subject === 'client-secret' ? 'Secret expires soon' : short[item.kind]}
    </span>
  );
}
