/**
 * Steps 4–8 of a login (DESIGN.md) for a user: the authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636)
 * through the user's browser and the loopback redirect (RFC 8252), then the code exchange. A client the authorization
 * server no longer knows is registered again once.
 */
import * as oauth from 'oauth4webapi';
import type { TokenEndpointResponse } from 'oauth4webapi';
import type { TokenSetView } from '../../../preload/contract.ts';
import { generatePkceAndState, prepareAuthorizationRequest, selectScope, wantsConsentPrompt } from '../authorize.ts';
import { DEFAULT_LOGIN_TIMEOUT_MS, describeCallbackRefusal, startCallbackServer, type CallbackServer } from '../callback-server.ts';
import { resourceToSend, withSentParameters } from '../compat.ts';
import { tokenResponseWarnings } from '../token-response.ts';
import { adviseLoginError, type LoginFacts } from '../provider-errors.ts';
import { assertPkceS256 } from '../discovery.ts';
import { OAuthError, isOAuthError } from '../errors.ts';
import { exchangeAuthorizationCode, toOAuthError } from '../grants.ts';
import type { FetchFn } from '../http.ts';
import type { FlowRecorder } from '../trace.ts';
import { assertSafeBrowserUrl } from '../url-safety.ts';
import { tokenSetView } from '../views.ts';
import { chooseClient, clientOf, tokenContext } from './client-identity.ts';
import { recordSecrets, settingsOf, type EngineContext } from './context.ts';
import { assertTokenTypeMatches, type DPoPDecision } from '../dpop-decision.ts';
import { bindingFor, decideBinding, tokenBindingOf } from './dpop-binding.ts';
import type { ResolvedServer } from './resolve-server.ts';
import { buildRecord, saveNewTokenSet } from './token-sets.ts';
import { placeTokenSet, promptForAnotherAccount } from './accounts.ts';
import { acceptPastedRedirects } from './pasted-redirect.ts';
import { DEFAULT_ACCOUNT, type LoginOptions, type ServerTarget } from './types.ts';

/**
 * One trace note for every response the loopback receiver refused while the login waited (forged, malformed, or
 * for another sign-in): counts per reason and the last one, never the requests themselves, so a flood cannot bloat
 * the trace.
 */
function noteRefusals(recorder: FlowRecorder, callback: CallbackServer): void {
  const refusals = callback.refusals();
  if (refusals.total === 0) return;
  const counts = Object.entries(refusals.byReason).map(([reason, n]) => `${reason} ×${n}`);
  const last = refusals.recent.at(-1);
  recorder.note('callback-refusals', `refused ${refusals.total} response${refusals.total === 1 ? '' : 's'} at the redirect URI (${counts.join(', ')})${last ? `; the last because ${describeCallbackRefusal(last.reason)}` : ''}`);
}

/** The scope a user login requests (the MCP scope selection strategy); the browser and the device grant share it. */
export function loginScope(target: ServerTarget, resolved: ResolvedServer, options: LoginOptions): string | undefined {
  return selectScope({
    override: options.scope ?? settingsOf(target).scope,
    challenge: options.challenge?.scope ?? resolved.challenge?.scope,
    resourceScopes: resolved.prm?.scopes_supported,
    asScopes: resolved.as.scopes_supported,
    exact: options.exactScope === true && options.scope !== undefined,
  });
}

/** Starts the loopback receiver for a login (its port pinned when the server's settings say so). */
export function startCallback(ctx: EngineContext, target: ServerTarget, options: LoginOptions): Promise<CallbackServer> {
  const settings = settingsOf(target);
  return startCallbackServer({
    ...(settings.callbackPort ? { port: settings.callbackPort } : {}),
    ...(settings.callbackHost ? { host: settings.callbackHost } : {}),
    ...(settings.callbackPath ? { path: settings.callbackPath } : {}),
    timeoutMs: options.timeoutMs ?? ctx.deps.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Runs the authorization code grant; `retried` is true on the one retry after a forgotten dynamic registration. */
export async function authorizationCodeLogin(
  ctx: EngineContext,
  recorder: FlowRecorder,
  target: ServerTarget,
  resolved: ResolvedServer,
  fetchFn: FetchFn,
  options: LoginOptions,
  callback: CallbackServer,
  retried: boolean,
): Promise<TokenSetView> {
  const settings = settingsOf(target);
  const { as } = resolved;
  try {
    if (resolved.asSource !== 'legacy-defaults') await recorder.step('pkce', async () => assertPkceS256(as, { assumeS256: settings.assumePkceS256 === true }), (detail) => detail);
  } catch (err) {
    callback.cancel();
    await callback.close();
    throw err;
  }
  const scope = loginScope(target, resolved, options);
  recorder.note('scope', scope ? `requesting "${scope}"` : 'no scope requested');
  // Bearer or DPoP is decided now (a resource whose DPoP requirement cannot be met stops here, before the browser);
  // the DPoP key is generated while the user signs in, off the critical path.
  let decision: DPoPDecision;
  try {
    decision = decideBinding(ctx, recorder, target, resolved);
  } catch (err) {
    callback.cancel();
    await callback.close();
    throw err;
  }
  const dpopPromise = bindingFor(ctx, decision);
  dpopPromise.catch(() => undefined);
  const pkce = generatePkceAndState();
  // A redirected address the user pastes back is checked by the same receiver (issue 13).
  const stopPaste = acceptPastedRedirects(ctx, target.serverUrl, options.account ?? DEFAULT_ACCOUNT, callback);
  // What a refusal's advice names (provider-errors.ts).
  const facts: LoginFacts = { scope, resourceSent: resourceToSend(settings, resolved.resource) !== undefined, redirectUri: callback.redirectUri };
  try {
    const { registration, fresh } = await chooseClient(ctx, recorder, target, as, fetchFn, callback.redirectUri, scope, retried, options.signal);
    facts.registration = { kind: registration.kind, clientId: registration.clientId, tokenEndpointAuthMethod: registration.tokenEndpointAuthMethod, fresh };
    const resource = resourceToSend(settings, resolved.resource);
    const request = await prepareAuthorizationRequest(as, { clientId: registration.clientId, redirectUri: callback.redirectUri, scope, resource, audience: settings.audience, extra: settings.authorizationParams }, pkce);
    const prompts = [...(options.addAccount || options.selectAccount ? [promptForAnotherAccount(as)] : []), ...(wantsConsentPrompt(scope, as, settings.authorizationParams) ? ['consent'] : [])];
    if (prompts.length > 0) request.url.searchParams.set('prompt', prompts.join(' '));
    recorder.addSecret(request.codeVerifier);
    callback.expect({ state: request.state, issuer: as.issuer, issRequired: as.authorization_response_iss_parameter_supported === true });
    const authorizationUrl = assertSafeBrowserUrl(request.url).href;
    ctx.emitState(target.serverUrl, { state: 'awaiting-user', issuer: as.issuer, authorizationUrl, redirectUri: callback.redirectUri });
    const params = await recorder.step(
      'authorization',
      async () => {
        const opened = ctx.now();
        // The login waits for the browser's arrival at the callback, not for the opener: a browser command may only
        // return when the browser exits. Only an opener that fails ends the login here.
        const openerFailed = Promise.resolve()
          .then(() => ctx.deps.openBrowser(authorizationUrl))
          .then(
            () => new Promise<never>(() => undefined),
            (err: unknown) => {
              throw new OAuthError('authorization_failed', 'Keyport could not open the sign-in page in your browser. Check the browser setting (or --browser-command) and try again.', { cause: err });
            },
          );
        const p = await Promise.race([callback.result, openerFailed]).finally(() => noteRefusals(recorder, callback));
        recorder.addSecret(p.get('code'));
        // The browser's arrival at the loopback receiver, as the timeline shows it (the code is masked).
        recorder.recordExchange({ method: 'GET', url: `${callback.redirectUri}?${p.toString()}`, status: p.get('error') ? 400 : 200, durationMs: Math.max(0, ctx.now() - opened), requestHeaders: {}, responseHeaders: { 'content-type': 'text/html; charset=utf-8' } });
        // Validated inside the step, so a refusal (access_denied, iss mismatch…) marks this step as the failed one.
        try {
          return oauth.validateAuthResponse(as, clientOf(registration), p, request.state);
        } catch (err) {
          throw toOAuthError(err, 'authorization');
        }
      },
      () => `user returned to ${callback.redirectUri}`,
    );
    ctx.emitState(target.serverUrl, { state: 'exchanging-code', issuer: as.issuer });
    const dpop = await dpopPromise;
    const tctx = await tokenContext(as, registration, target, fetchFn, dpop.handle, options.signal);
    let tokens: TokenEndpointResponse;
    try {
      tokens = await recorder.step(
        'token-exchange',
        async () => {
          const t = await exchangeAuthorizationCode(tctx, params, callback.redirectUri, request.codeVerifier, resource);
          recordSecrets(recorder, [t.access_token, t.refresh_token, t.id_token]);
          assertTokenTypeMatches(dpop.decision, t.token_type);
          return t;
        },
        (t) => `token_type ${t.token_type}${t.refresh_token ? ', with refresh token' : ''}${typeof t.expires_in === 'number' ? `, expires in ${t.expires_in} s` : ''}`,
      );
    } catch (err) {
      if (isOAuthError(err, 'invalid_client') && registration.kind === 'dynamic' && !retried) {
        await ctx.store.deleteRegistration(as.issuer);
        recorder.note('registration-discarded', `the authorization server rejected client ${registration.clientId}; registering again`);
        await callback.close();
        return authorizationCodeLogin(ctx, recorder, target, resolved, fetchFn, options, await startCallback(ctx, target, options), true);
      }
      if (isOAuthError(err, 'invalid_client') && registration.kind === 'dynamic') await ctx.store.deleteRegistration(as.issuer);
      throw err;
    }
    for (const warning of tokenResponseWarnings(tokens)) recorder.note('id-token-dropped', warning);
    const record = await placeTokenSet(ctx, recorder, target, buildRecord(ctx, target, resolved, registration, options.account ?? DEFAULT_ACCOUNT, tokens, scope, resource !== undefined, dpop.key, tokenBindingOf(dpop)), options);
    await saveNewTokenSet(ctx, withSentParameters(record, { resource, audience: settings.audience }));
    return tokenSetView(record);
  } catch (err) {
    throw adviseLoginError(err, facts);
  } finally {
    stopPaste();
    callback.cancel();
    void callback.close();
  }
}
