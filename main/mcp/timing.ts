/**
 * Time in the connection layer: the reconnect backoff, waits that a disconnect can cut short, and deadlines on
 * promises that the SDK would otherwise let run for as long as the server likes.
 */
import type { ReconnectPolicy } from './config.ts';

/** The wait before reconnect attempt `n` (0-based): initial × factorⁿ, capped, ±20 % jitter so clients spread out. */
export function nextDelay(n: number, p: ReconnectPolicy): number {
  const base = Math.min(p.initialDelayMs * p.factor ** n, p.maxDelayMs);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Waits `ms`, or less when `signal` aborts (a disconnect must not wait out a 30 s backoff). Never rejects. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    t.unref?.();
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Rejects with `onTimeout()` when `p` has not settled after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    t.unref?.();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
