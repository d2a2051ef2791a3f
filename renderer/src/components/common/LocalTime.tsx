/** A moment shown in local time with a live relative hint ("in 4 min", "2 s ago"). */
import { formatLocal, relativeTo } from '../../lib/time.ts';
import { useNow } from '../../lib/use-now.ts';

/** Renders `<time>`; the relative hint updates every second. */
export function LocalTime({ at }: { readonly at: number }) {
  const now = useNow();
  return (
    <time dateTime={new Date(at).toISOString()} title={new Date(at).toISOString()}>
      {formatLocal(at)} <span className="muted">({relativeTo(at, now)})</span>
    </time>
  );
}
