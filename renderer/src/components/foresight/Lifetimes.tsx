/**
 * Expiry warnings in the window (issue 14): the lifetimes Keyport knows for a server's tokens — when the sign-in ends,
 * when the client secret expires, when the ID-JAG ran out — as rows of a facts list, and the warning banner of a
 * server that needs the user (a sign-in that ended or ends soon, a step-up) with the way to act on it.
 */
import type { LifetimeView } from '../../../../preload/contract.ts';
import { formatLocal, relativeTo } from '../../lib/time.ts';
import { useNow } from '../../lib/use-now.ts';
import { useKeyport } from '../../store/index.ts';

const labels: Readonly<Record<LifetimeView['subject'], string>> = {
  grant: 'Sign-in ends',
  'client-secret': 'Client secret expires',
  'id-jag': 'ID-JAG expires',
};

const sources: Readonly<Record<LifetimeView['source'], string>> = {
  'access-token': 'when the access token expires: there is no refresh token',
  refresh_token_expires_in: 'the refresh token’s lifetime, as the authorization server said',
  'refresh-token-jwt': 'the refresh token’s own expiry',
  client_secret_expires_at: 'as the registration said (RFC 7591)',
  'id-jag-exp': 'the identity assertion’s expiry',
};

/** The rows (`dt`/`dd` pairs) for a facts list; nothing when no lifetime is known. */
export function LifetimeRows({ serverId, lifetimes }: { readonly serverId: string; readonly lifetimes: readonly LifetimeView[] | undefined }) {
  const now = useNow();
  const attention = useKeyport((s) => s.attention);
  if (!lifetimes?.length) return null;
  const warned = attention.filter((a) => a.serverId === serverId && a.lifetime !== undefined);
  return (
    <>
      {lifetimes.map((l) => {
        const ended = l.expiresAt <= now;
        const warning = !ended && warned.some((a) => a.lifetime?.subject === l.subject && a.lifetime.expiresAt === l.expiresAt);
        return (
          <div key={`${l.subject}-${l.source}`} className="fact-row" data-testid={`lifetime-${l.subject}`}>
            <dt>{ended ? labels[l.subject].replace(/ends$/, 'ended').replace(/expires$/, 'expired') : labels[l.subject]}</dt>
            <dd>
              <span className={ended ? 'bad' : warning ? 'warn' : undefined}>
                {(ended || warning) && <span aria-hidden="true">▲ </span>}
                <time dateTime={new Date(l.expiresAt).toISOString()}>{formatLocal(l.expiresAt)}</time> ({relativeTo(l.expiresAt, now)})
              </span>{' '}
              <span className="muted">— {sources[l.source]}</span>
            </dd>
          </div>
        );
      })}
    </>
  );
}

/** The banner of a server that needs the user, with "Sign in again" (or "Review" for a step-up). */
export function AttentionBanner({ serverId }: { readonly serverId: string }) {
  const attention = useKeyport((s) => s.attention);
  const signIn = useKeyport((s) => s.signIn);
  const focusServer = useKeyport((s) => s.focusServer);
  const signingIn = useKeyport((s) => {
    const phase = s.signIns[serverId]?.phase;
    return phase === 'starting' || phase === 'waiting';
  });
  const items = attention.filter((a) => a.serverId === serverId);
  const item = items.find((i) => i.kind !== 'expiring') ?? items[0];
  if (!item || signingIn) return null;
  const title = item.kind === 'expiring' ? (item.lifetime?.subject === 'client-secret' ? 'The client secret expires soon' : 'Your sign-in ends soon') : item.kind === 'step-up' ? 'More access needed' : 'Sign in again';
  return (
    <div className={`banner ${item.kind === 'expiring' ? 'banner-warn' : 'banner-bad'}`} role="alert" data-testid="attention-banner">
      <p>
        <strong>
          <span aria-hidden="true">▲ </span>
          {title}.
        </strong>{' '}
        <span className="selectable">{item.message}</span>
      </p>
      {item.kind === 'step-up' ? (
        <button type="button" onClick={() => focusServer(serverId, 'step-up')}>
          Review…
        </button>
      ) : (
        <button type="button" className="primary" onClick={() => void signIn(serverId)}>
          Sign in again
        </button>
      )}
    </div>
  );
}
