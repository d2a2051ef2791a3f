/**
 * Overview: status, what the server said about itself, where it is authorized (resource, issuer, how the client was
 * registered, client id, granted scopes), and Sign in / Sign out / Reconnect / Forget registration.
 */
import { useEffect, useRef } from 'react';
import type { ServerDetailsView } from '../../../../preload/contract.ts';
import { valueOf } from '../../lib/loadable.ts';
import { useKeyport } from '../../store/index.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { ScopeChips } from '../common/ScopeChips.tsx';
import { StatusBadge } from '../common/StatusBadge.tsx';
import { ServerInfoFacts } from './ServerInfoFacts.tsx';
import { ConsentList } from '../foresight/ConsentList.tsx';
import { AttentionBanner, LifetimeRows } from '../foresight/Lifetimes.tsx';

const registrationLabels: Readonly<Record<NonNullable<ServerDetailsView['registration']>, string>> = {
  preregistered: 'Pre-registered client',
  'metadata-document': 'Client ID metadata document',
  dynamic: 'Dynamic client registration (RFC 7591)',
  'client-credentials': 'Client credentials',
};

/** The Overview tab of one server. */
export function OverviewTab({ serverId }: { readonly serverId: string }) {
  const server = useKeyport((s) => s.servers.find((x) => x.id === serverId));
  const loadable = useKeyport((s) => s.details[serverId]);
  const load = useKeyport((s) => s.loadDetails);
  const signIn = useKeyport((s) => s.signIn);
  const signOut = useKeyport((s) => s.signOut);
  const connect = useKeyport((s) => s.connect);
  const forget = useKeyport((s) => s.forgetRegistration);
  const signingIn = useKeyport((s) => {
    const phase = s.signIns[serverId]?.phase;
    return phase === 'starting' || phase === 'waiting';
  });
  const signInErrorCode = useKeyport((s) => {
    const flow = s.signIns[serverId];
    return flow?.phase === 'failed' ? flow.error.code : undefined;
  });
  const state = server?.status.state;
  useEffect(() => {
    void load(serverId);
  }, [serverId, state, load]);
  // Issue 14: the tokens' lifetimes, the consent list of a server that needs a sign-in, a clicked notice's focus.
  const tokens = useKeyport((s) => s.tokens[serverId]);
  const loadTokens = useKeyport((s) => s.loadTokens);
  const focusRequest = useKeyport((s) => (s.focusRequest?.serverId === serverId ? s.focusRequest.seq : undefined));
  const signInButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (tokens === undefined && server && server.transport !== 'stdio' && server.auth.mode !== 'none') void loadTokens(serverId);
  }, [serverId, tokens, server, loadTokens]);
  useEffect(() => {
    if (focusRequest === undefined) return;
    signInButton.current?.scrollIntoView({ block: 'nearest' });
    signInButton.current?.focus();
  }, [focusRequest]);
  if (!server) return null;
  const details = valueOf(loadable);
  const tokenSet = valueOf(tokens);
  const needsSignIn = server.transport !== 'stdio' && server.auth.mode !== 'none' && (state === 'needs-sign-in' || (tokens?.state === 'ready' && tokens.value === null));

  return (
    <div className="overview">
      <div className="actions" role="group" aria-label="Connection">
        <button ref={signInButton} type="button" className="primary" disabled={signingIn} onClick={() => void signIn(serverId)}>
          Sign in
        </button>
        <button type="button" onClick={() => void signOut(serverId)}>
          Sign out
        </button>
        <button type="button" onClick={() => void connect(serverId)}>
          Reconnect
        </button>
        <button type="button" onClick={() => void forget(serverId)}>
          Forget registration
        </button>
      </div>
      {server.status.state === 'error' && server.status.error.code !== signInErrorCode && (
        <ErrorBox error={server.status.error} title="Connection problem" />
      )}
      {server.status.state === 'needs-sign-in' && server.status.reason && <p className="hint selectable">{server.status.reason}</p>}
      <AttentionBanner serverId={serverId} />
      {needsSignIn && !signingIn && <ConsentList serverId={serverId} />}
      {loadable?.state === 'failed' && <ErrorBox error={loadable.error} title="Could not load the server’s details" />}
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={server.status} />
        </dd>
        <dt>URL</dt>
        <dd className="selectable">{server.url}</dd>
        <dt>Resource</dt>
        <dd className="selectable">{details?.resource ?? '—'}</dd>
        <dt>Authorization server</dt>
        <dd className="selectable">{details?.authorizationServer ?? 'Not discovered yet (sign in to find out)'}</dd>
        <dt>Client registration</dt>
        <dd>{details?.registration ? registrationLabels[details.registration] : server.auth.mode === 'automatic' ? 'Automatic (not registered yet)' : server.auth.mode}</dd>
        <dt>Client ID</dt>
        <dd className="selectable">{details?.clientId ?? server.auth.clientId ?? '—'}</dd>
        <dt>Granted scopes</dt>
        <dd>
          <ScopeChips scopes={details?.grantedScopes ?? []} empty="None yet" />
        </dd>
        <LifetimeRows serverId={serverId} lifetimes={tokenSet?.lifetimes} />
      </dl>
      {details?.info ? <ServerInfoFacts info={details.info} /> : <p className="muted">Connect to see what the server offers.</p>}
    </div>
  );
}
