/**
 * Logins without a browser: the client credentials grant (RFC 6749 §4.4) for machine clients, and the JWT bearer
 * grant (RFC 7523) for workload identity and for SEP-990 enterprise-managed authorization (an ID-JAG obtained at the
 * user's identity provider by token exchange, RFC 8693).
 */
import * as oauth from 'oauth4webapi';
import type { AuthorizationServer } from 'oauth4webapi';
import type { TokenSetView } from '../../../preload/contract.ts';
import { selectScope } from '../authorize.ts';
import { resourceToSend } from '../compat.ts';
import { OAuthError } from '../errors.ts';
import { clientCredentialsGrant, jwtBearerGrant, requestIdJag, toOAuthError, type TokenEndpointContext } from '../grants.ts';
import type { FetchFn } from '../http.ts';
import type { ClientRegistrationRecord, TokenEndpointAuthMethod } from '../store.ts';
import type { FlowRecorder } from '../trace.ts';
import { assertSafeEndpoint } from '../url-safety.ts';
import { idJagLifetime, tokenSetView } from '../views.ts';
import { pickSecretMethod, tokenContext } from './client-identity.ts';
import { recordSecrets, settingsOf, type EngineContext } from './context.ts';
import { assertTokenTypeMatches } from '../dpop-decision.ts';
import { bindingFor, decideBinding, tokenBindingOf } from './dpop-binding.ts';
import { resolveServer, type ResolvedServer } from './resolve-server.ts';
import { buildRecord, saveNewTokenSet } from './token-sets.ts';
import { DEFAULT_ACCOUNT, type IdJagLoginInput, type LoginOptions, type ServerTarget } from './types.ts';

/** The client credentials grant for a server configured as a machine client. */
export async function clientCredentialsLogin(ctx: EngineContext, recorder: FlowRecorder, target: ServerTarget, resolved: ResolvedServer, fetchFn: FetchFn, options: LoginOptions): Promise<TokenSetView> {
  const s = settingsOf(target);
  if (!s.clientId) throw new OAuthError('client_id_required', 'Client credentials need a client id. Enter it in the server settings.');
  const method: TokenEndpointAuthMethod = s.tokenEndpointAuthMethod ?? (s.privateKeyPem ? 'private_key_jwt' : pickSecretMethod(resolved.as));
  const reg: ClientRegistrationRecord = { issuer: resolved.as.issuer, kind: 'client-credentials', clientId: s.clientId, tokenEndpointAuthMethod: method, redirectUris: [], createdAt: ctx.now() };
  const scope = selectScope({ override: options.scope ?? s.scope, challenge: options.challenge?.scope, resourceScopes: resolved.prm?.scopes_supported });
  const resource = resourceToSend(s, resolved.resource);
  const dpop = await bindingFor(ctx, decideBinding(ctx, recorder, target, resolved));
  const tctx = await tokenContext(resolved.as, reg, target, fetchFn, dpop.handle, options.signal);
  ctx.emitState(target.serverUrl, { state: 'requesting-token', issuer: resolved.as.issuer, grant: 'client_credentials' });
  const tokens = await recorder.step(
    'client-credentials',
    async () => {
      const t = await clientCredentialsGrant(tctx, scope, resource);
      recordSecrets(recorder, [t.access_token, t.refresh_token]);
      assertTokenTypeMatches(dpop.decision, t.token_type);
      return t;
    },
    (t) => `token_type ${t.token_type} (${method})`,
  );
  const record = buildRecord(ctx, target, resolved, reg, options.account ?? DEFAULT_ACCOUNT, tokens, scope, resource !== undefined, dpop.key, tokenBindingOf(dpop));
  await saveNewTokenSet(ctx, record);
  return tokenSetView(record);
}

/** Obtains the assertion of a JWT bearer login once discovery is done. */
type AssertionSource = (recorder: FlowRecorder, resolved: ResolvedServer, fetchFn: FetchFn) => Promise<string>;

/** A login with the JWT bearer grant (RFC 7523 §2.1), the assertion coming from `obtainAssertion`. */
export async function assertionLogin(ctx: EngineContext, target: ServerTarget, account: string | undefined, signal: AbortSignal | undefined, obtainAssertion: AssertionSource, grantLabel: string): Promise<TokenSetView> {
  const recorder = ctx.newRecorder('login', target);
  const fetchFn = ctx.traced(recorder);
  ctx.emitStatus(target.serverUrl, { state: 'signing-in', since: ctx.now() });
  try {
    const resolved = await resolveServer(ctx, recorder, target, fetchFn, undefined, signal);
    const assertion = await obtainAssertion(recorder, resolved, fetchFn);
    recorder.addSecret(assertion);
    const s = settingsOf(target);
    const method: TokenEndpointAuthMethod = s.tokenEndpointAuthMethod ?? (s.privateKeyPem ? 'private_key_jwt' : s.clientSecret ? 'client_secret_basic' : 'none');
    const reg: ClientRegistrationRecord = { issuer: resolved.as.issuer, kind: 'preregistered', clientId: s.clientId ?? '', tokenEndpointAuthMethod: method, redirectUris: [], createdAt: ctx.now() };
    if (!reg.clientId) throw new OAuthError('client_id_required', 'This grant needs a client id at the authorization server. Enter it in the server settings.');
    const scope = selectScope({ override: s.scope, resourceScopes: undefined });
    const resource = resourceToSend(s, resolved.resource);
    const dpop = await bindingFor(ctx, decideBinding(ctx, recorder, target, resolved));
    const tctx = await tokenContext(resolved.as, reg, target, fetchFn, dpop.handle, signal);
    ctx.emitState(target.serverUrl, { state: 'requesting-token', issuer: resolved.as.issuer, grant: grantLabel });
    const tokens = await recorder.step(
      grantLabel,
      async () => {
        const t = await jwtBearerGrant(tctx, assertion, scope, grantLabel === 'jwt-bearer' ? undefined : resource);
        recordSecrets(recorder, [t.access_token, t.refresh_token]);
        assertTokenTypeMatches(dpop.decision, t.token_type);
        return t;
      },
      (t) => `token_type ${t.token_type}`,
    );
    const record = { ...buildRecord(ctx, target, resolved, reg, account ?? DEFAULT_ACCOUNT, tokens, scope, false, dpop.key, tokenBindingOf(dpop)), ...(grantLabel === 'id-jag-bearer' ? idJagLifetime(assertion) : {}) };
    await saveNewTokenSet(ctx, record);
    recorder.finish('ok');
    ctx.emitStatus(target.serverUrl, { state: 'connected', since: ctx.now() });
    return tokenSetView(record);
  } catch (err) {
    const e = err instanceof OAuthError ? err : toOAuthError(err, grantLabel);
    recorder.finish('failed');
    ctx.emitStatus(target.serverUrl, { state: 'error', error: { code: e.code, message: recorder.redactText(e.message) } });
    throw e;
  }
}

/** SEP-990: exchanges the user's ID token at their IdP for an ID-JAG, then signs in with it. */
export function idJagLogin(ctx: EngineContext, target: ServerTarget, input: IdJagLoginInput): Promise<TokenSetView> {
  return assertionLogin(
    ctx,
    target,
    input.account,
    input.signal,
    async (recorder, resolved, fetchFn) => {
      recorder.addSecret(input.idToken);
      assertSafeEndpoint(input.idpTokenEndpoint, 'identity provider token endpoint');
      const idp: AuthorizationServer = { issuer: input.idpIssuer, token_endpoint: input.idpTokenEndpoint };
      const tctx: TokenEndpointContext = { as: idp, client: { client_id: input.idpClientId, token_endpoint_auth_method: 'none' }, clientAuth: oauth.None(), fetch: fetchFn, ...(input.signal ? { signal: input.signal } : {}) };
      const scope = settingsOf(target).scope;
      return recorder.step('token-exchange-id-jag', () => requestIdJag(tctx, { idToken: input.idToken, audience: resolved.as.issuer, resource: resolved.resource, ...(scope ? { scope } : {}) }), () => 'ID-JAG issued');
    },
    'id-jag-bearer',
  );
}
