/** A token's expiry with a live countdown and a bar of the lifetime left. */
import { formatLocal, formatSpan } from '../../lib/time.ts';
import { useNow } from '../../lib/use-now.ts';

/** Props of {@link ExpiryMeter}. */
export interface ExpiryMeterProps {
  readonly kind: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The countdown and bar; turns to a warning in the last fifth and says "expired" after. */
export function ExpiryMeter({ kind, issuedAt, expiresAt }: ExpiryMeterProps) {
  const now = useNow();
  const total = Math.max(1, expiresAt - issuedAt);
  const left = expiresAt - now;
  const expired = left <= 0;
  const low = !expired && left < total / 5;
  return (
    <div className="expiry">
      <time dateTime={new Date(expiresAt).toISOString()}>{formatLocal(expiresAt)}</time>{' '}
      <span className={expired ? 'bad' : low ? 'warn' : 'good'} data-testid={`expiry-countdown-${kind}`}>
        {expired ? `expired ${formatSpan(-left)} ago` : `expires in ${formatSpan(left)}`}
      </span>
      <meter
        className="expiry-bar"
        min={0}
        max={total}
        low={total / 5}
        optimum={total}
        value={Math.max(0, Math.min(total, left))}
        aria-label={`Lifetime left of the ${kind} token`}
      />
    </div>
  );
}
