/**
 * Tokens (the inspector): what Keyport holds for this server — issuer, resource, client, scopes, each token decoded
 * with its lifetime, and the refresh history. Never a token value unless the user explicitly reveals one. Above them,
 * the server's accounts (issue 13): which identity is in use, switching, adding another.
 */
import { useEffect } from 'react';
import { valueOf } from '../../lib/loadable.ts';
import { useKeyport } from '../../store/index.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { LocalTime } from '../common/LocalTime.tsx';
import { ScopeChips } from '../common/ScopeChips.tsx';
import { AttentionBanner, LifetimeRows } from '../foresight/Lifetimes.tsx';
import { AccountSwitcher } from './AccountSwitcher.tsx';
import { RefreshHistory } from './RefreshHistory.tsx';
import { TokenCard } from './TokenCard.tsx';

/** The Tokens tab of one server. */
export function TokensTab({ serverId }: { readonly serverId: string }) {
  const loadable = useKeyport((s) => s.tokens[serverId]);
  const load = useKeyport((s) => s.loadTokens);
  const refresh = useKeyport((s) => s.refreshTokens);
  const refreshing = useKeyport((s) => s.refreshing[serverId] === true);
  const signIn = useKeyport((s) => s.signIn);
  useEffect(() => {
    void load(serverId);
  }, [serverId, load]);

  if (loadable?.state === 'failed') return <ErrorBox error={loadable.error} title="Could not read the tokens" />;
  const set = valueOf(loadable);
  if (set === undefined) return <p className="muted">Loading…</p>;
  if (set === null) {
    return (
      <div className="tokens-tab">
        <AccountSwitcher serverId={serverId} />
        <div className="empty-pane">
          <p>Keyport holds no tokens for this server.</p>
          <button type="button" className="primary" onClick={() => void signIn(serverId)}>
            Sign in
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="tokens-tab">
      <AccountSwitcher serverId={serverId} />
      <AttentionBanner serverId={serverId} />
      <div className="actions">
        <button type="button" className="primary" onClick={() => void refresh(serverId)} disabled={refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh now'}
        </button>
      </div>
      <dl className="facts" aria-label="Token set">
        <dt>Issuer</dt>
        <dd className="selectable">{set.issuer}</dd>
        <dt>Resource</dt>
        <dd className="selectable">{set.resource}</dd>
        <dt>Client ID</dt>
        <dd className="selectable">
          {set.clientId} <span className="muted">({set.registration})</span>
        </dd>
        <dt>Granted scopes</dt>
        <dd>
          <ScopeChips scopes={set.scopes} label="Granted scopes" />
        </dd>
        <dt>Obtained</dt>
        <dd>
          <LocalTime at={set.obtainedAt} />
        </dd>
        <LifetimeRows serverId={serverId} lifetimes={set.lifetimes} />
        {set.binding && (
          <>
            <dt>Presented as</dt>
            <dd data-testid="token-binding">{set.binding.reason}</dd>
          </>
        )}
        {!set.tokens.some((t) => t.kind === 'refresh') && (
          <>
            <dt>Refresh token</dt>
            <dd data-testid="no-refresh-token">
              None: you will have to sign in again when this token expires
              {set.tokens.find((t) => t.kind === 'access')?.expiresAt !== undefined && (
                <>
                  {' at '}
                  <LocalTime at={set.tokens.find((t) => t.kind === 'access')!.expiresAt!} />
                </>
              )}
              .
            </dd>
          </>
        )}
      </dl>
      {set.tokens.map((token) => (
        <TokenCard key={token.kind} serverId={serverId} token={token} resource={set.resource} obtainedAt={set.obtainedAt} />
      ))}
      <RefreshHistory history={set.refreshHistory} />
    </div>
  );
}
