/** Times as people read them: local date-time with a relative hint ("in 4 min", "2 h ago"), and short durations. */

/** A local date and time, e.g. "22 Nov 2026, 14:05:09", in the user's locale. */
export function formatLocal(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** How far `ms` is from `now`, e.g. "in 3 min", "12 s ago", "just now". */
export function relativeTo(ms: number, now: number): string {
  const delta = ms - now;
  const abs = Math.abs(delta);
  if (abs < 1000) return 'just now';
  const text = formatSpan(abs);
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

/** A span of time in its largest sensible unit: "42 s", "3 min 5 s", "2 h 10 min", "3 d". */
export function formatSpan(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

/** A measured duration, e.g. "85 ms", "1.2 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** JWT times are seconds since the epoch; views carry milliseconds. Accepts either and returns milliseconds. */
export function epochToMs(value: number): number {
  return value < 1e11 ? value * 1000 : value;
}
