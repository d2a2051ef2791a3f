/**
 * The lifetimes `keyport status` shows beside the access token's expiry (issue 14): when the sign-in ends (the user
 * will have to sign in again), when the client secret expires, when an ID-JAG ran out — each marked `warning` within
 * the same spans the app warns at (24 h / 7 d by default, `KEYPORT_WARN_BEFORE_GRANT_EXPIRY` and
 * `KEYPORT_WARN_BEFORE_SECRET_EXPIRY` change them) and `expired` once over.
 */
import type { LifetimeView } from '../../preload/contract.ts';
import { lifetimeState, type ExpiryWarningSpans, type LifetimeState } from '../oauth/index.ts';
import { isoTime, relativeTime } from './format.ts';

/** A lifetime with where it stands now. */
export type LifetimeNote = LifetimeView & { readonly state: LifetimeState };

/** Where each lifetime stands at `now`. */
export function lifetimeNotes(lifetimes: readonly LifetimeView[] | undefined, now: number, spans: ExpiryWarningSpans): readonly LifetimeNote[] {
  return (lifetimes ?? []).map((l) => ({ ...l, state: lifetimeState(l, now, spans) }));
}

const SUBJECTS: Readonly<Record<LifetimeView['subject'], readonly [string, string]>> = {
  grant: ['sign-in ends', 'sign-in ended'],
  'client-secret': ['client secret expires', 'client secret expired'],
  'id-jag': ['ID-JAG expires', 'ID-JAG expired'],
};

/** "; sign-in ends in 5h 2m (!)": the notes as one clause for a status line (empty without notes). */
export function describeLifetimes(notes: readonly LifetimeNote[], now: number): string {
  const parts = notes.map((n) => {
    if (n.subject === 'grant' && n.source === 'access-token' && n.state !== 'expired') {
      // No refresh token came with the sign-in (issue 10): say what that means for the user.
      return `no refresh token: you will have to sign in again when this token expires at ${isoTime(n.expiresAt)} (${relativeTime(n.expiresAt, now)})${n.state === 'warning' ? ' (!)' : ''}`;
    }
    const [soon, over] = SUBJECTS[n.subject];
    return `${n.state === 'expired' ? over : soon} ${relativeTime(n.expiresAt, now)}${n.state === 'warning' ? ' (!)' : ''}`;
  });
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}
