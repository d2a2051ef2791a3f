/** A clock hook for live countdowns: re-renders the caller every `intervalMs`. */
import { useEffect, useState } from 'react';

/** The current time in milliseconds, refreshed every `intervalMs` (default one second). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
