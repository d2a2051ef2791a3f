/** A server's status as a badge: symbol + text + tone. */
import type { ServerStatus } from '../../../../preload/contract.ts';
import { statusLabel } from './status.ts';

/** Renders one status. */
export function StatusBadge({ status }: { readonly status: ServerStatus }) {
  const label = statusLabel(status);
  return (
    <span className={`badge badge-${label.tone}`} data-state={status.state}>
      <span aria-hidden="true">{label.symbol}</span> {label.text}
    </span>
  );
}
