/**
 * The MCP transport's `fetch` (DESIGN.md step 9): it presents the held access token (RFC 6750 Bearer, or RFC 9449
 * DPoP with a fresh proof), refreshes before expiry, and answers the server's challenges: a 401 refreshes or signs in
 * again once, a 403 `insufficient_scope` re-authorizes with the union of held and challenged scopes (RFC 6750 §3.1,
 * the MCP "Step-Up Authorization Flow"), with a retry limit.
 */
import * as oauth from 'oauth4webapi';
import { splitScope, unionScopes } from '../authorize.ts';
import { OAuthError, isOAuthError, printableText } from '../errors.ts';
import type { FetchFn } from '../http.ts';
import type { TokenSetRecord } from '../store.ts';
import { pickHeaders, type FlowRecorder } from '../trace.ts';
import { insecureOptionFor } from '../url-safety.ts';
import { readChallenge, type ChallengeInfo } from '../www-authenticate.ts';
import { recordSecrets, settingsOf, type EngineContext } from './context.ts';
import { login } from './login.ts';
import { refreshRecord } from './refresh.ts';
import { expired, expiringSoon, findRecord } from './token-sets.ts';
import { DEFAULT_ACCOUNT, type AuthorizedFetchOptions, type ServerTarget } from './types.ts';

/** Sends one request with the token set's access token (and a DPoP proof for a DPoP-bound token). */
async function sendWithToken(ctx: EngineContext, record: TokenSetRecord | undefined, input: string | URL | Request, init: RequestInit): Promise<Response> {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (!record) return ctx.baseFetch(url, init);
  const headers = new Headers(init.headers);
  headers.delete('authorization');
  const options = {
    [oauth.customFetch]: (u: string, i: RequestInit) => ctx.baseFetch(u, { ...i, redirect: init.redirect ?? 'follow' }),
    [oauth.allowInsecureRequests]: insecureOptionFor(url),
    ...(init.signal ? { signal: init.signal } : {}),
  };
  const method = (init.method ?? 'GET').toUpperCase();
  const body = init.body ?? null;
  if (record.dpopKey && record.tokenType === 'DPoP') {
    const handle = await ctx.dpopHandles.get(record.dpopKey);
    const send = (): Promise<Response> =>
      oauth.protectedResourceRequest(record.accessToken, method, url, new Headers(headers), body as oauth.ProtectedResourceRequestBody, { ...options, DPoP: handle } as oauth.ProtectedResourceRequestOptions);
    try {
      return await send();
    } catch (err) {
      if (err instanceof oauth.WWWAuthenticateChallengeError) {
        if (oauth.isDPoPNonceError(err)) {
          try {
            return await send();
          } catch (again) {
            if (again instanceof oauth.WWWAuthenticateChallengeError) return again.response;
            throw again;
          }
        }
        return err.response;
      }
      throw err;
    }
  }
  headers.set('authorization', `Bearer ${record.accessToken}`);
  return ctx.baseFetch(url, { ...init, headers });
}

/** True when a challenge names the Bearer scheme and not DPoP (RFC 9449 §7.1: a resource that takes DPoP says so). */
function isBearerOnly(challenge: ChallengeInfo): boolean {
  return challenge.schemes.includes('bearer') && !challenge.schemes.includes('dpop');
}

/** A server's own words for an error message (see `printableText`), or nothing. */
function serverText(text: string | undefined): string | undefined {
  return text ? printableText(text) : undefined;
}

/** The error of a second 401 for one request: the server refused a token it was just given, in its own words. */
function tokenRejected(target: ServerTarget, challenge: ChallengeInfo, how: string, record: TokenSetRecord | undefined): OAuthError {
  let host = 'The MCP server';
  try {
    host = new URL(target.serverUrl).host;
  } catch {
    // keep the generic name
  }
  const said = [serverText(challenge.error), serverText(challenge.errorDescription)].filter(Boolean).join(': ');
  return new OAuthError(
    'token_rejected',
    `${host} refused the access token Keyport had just ${how} it${said ? ` (it said: "${said}")` : ''}. ${audienceHint(target, record) ?? 'Signing in again will not help until the server or its authorization server is fixed; contact its operator.'}`,
    { status: 401, ...(challenge.error ? { oauthError: serverText(challenge.error)! } : {}) },
  );
}

/**
 * Some authorization servers (Auth0) ignore `resource` and issue a token for an API only when the authorization
 * request names it as `audience`; otherwise the token is opaque and every MCP server refuses it. When a refused token
 * is opaque and no audience is configured, that is the likely fix, and the advice says where to set it.
 */
function audienceHint(target: ServerTarget, record: TokenSetRecord | undefined): string | undefined {
  if (!record || settingsOf(target).audience !== undefined) return undefined;
  if (record.accessToken.split('.').length === 3) return undefined;
  return 'The token is opaque (not a JWT): if the authorization server issues tokens for an API only when asked for it by name (Auth0 does), set Edit → Advanced → Audience to the API identifier (CLI: keyport servers edit <server> --audience <identifier>) and sign in again.';
}

/**
 * Records one MCP request and its answer (status and headers only: the body is the MCP server's, and may be large)
 * as a step of the flow, and reads the answer's challenge. The response body is discarded unless `keep`.
 */
async function recordResourceExchange(recorder: FlowRecorder, step: string, input: string | URL | Request, init: RequestInit, response: Response, discard = true): Promise<ChallengeInfo> {
  const challenge = readChallenge(response.headers.get('www-authenticate'));
  if (discard) await response.body?.cancel().catch(() => undefined);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  await recorder.step(
    step,
    async () => {
      recorder.recordExchange({ method: (init.method ?? 'GET').toUpperCase(), url, status: response.status, durationMs: 0, requestHeaders: pickHeaders(new Headers(init.headers)), responseHeaders: pickHeaders(response.headers) });
    },
    () => (response.status === 401 ? `HTTP 401${challenge.error ? ` ${serverText(challenge.error)}` : ''} (${challenge.schemes.join(', ') || 'no challenge'})` : `HTTP ${response.status}`),
  );
  return challenge;
}

/** Builds the authorized fetch for one server and account. The held token set is looked up at once. */
export function authorizedFetch(ctx: EngineContext, target: ServerTarget, fetchOptions: AuthorizedFetchOptions = {}): FetchFn {
  const account = fetchOptions.account ?? DEFAULT_ACCOUNT;
  const interactive = fetchOptions.interactive !== false;
  const attempts = new Map<string, number>();
  const nonInteractiveMode = settingsOf(target).mode === 'client-credentials';

  const reauthorize = async (challenge: ChallengeInfo | undefined, scope?: string): Promise<TokenSetRecord | undefined> => {
    if (!interactive && !nonInteractiveMode) {
      ctx.emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'The server asked Keyport to sign in.' });
      throw new OAuthError('not_signed_in', 'This server needs you to sign in. Sign in and try again.');
    }
    await login(ctx, target, { account, ...(challenge ? { challenge } : {}), ...(scope ? { scope } : {}) });
    return findRecord(ctx, target, account);
  };
  // Authorization attempts per resource (the 401 login counts too); reset once a stepped-up request succeeds.
  const countAttempt = (resourceKey: string): number => {
    const n = (attempts.get(resourceKey) ?? 0) + 1;
    attempts.set(resourceKey, n);
    return n;
  };

  // The held token set is looked up now, not at the first request: the keychain read then runs (on the thread pool)
  // while the caller builds its client and transport. The first request uses its answer (found or not); a lookup
  // that failed is run again by that request, which reports the error.
  let lookup: Promise<{ readonly record: TokenSetRecord | undefined } | undefined> | undefined = ctx.held.get(target.serverUrl, account)
    ? undefined
    : findRecord(ctx, target, account).then(
        (record) => ({ record }),
        () => undefined,
      );

  return async (input, init = {}) => {
    let looked: { readonly record: TokenSetRecord | undefined } | undefined;
    if (lookup) {
      const pending = lookup;
      lookup = undefined;
      looked = await pending;
    }
    // The request path uses the token set this engine last read or wrote, so an MCP request does not read the
    // keychain; every decision that matters (refresh, a 401, sign-out) re-reads the store.
    let record = ctx.held.get(target.serverUrl, account) ?? (looked ? looked.record : await findRecord(ctx, target, account));
    if (record?.refreshToken && expiringSoon(ctx, record)) {
      try {
        record = await refreshRecord(ctx, target, record, init.signal ?? undefined);
      } catch (err) {
        // A failed proactive refresh is not fatal while the token still lives: send it; a 401 takes the reactive
        // path. An expired token with an unreachable authorization server would only earn a 401 and a second try.
        if (isOAuthError(err, 'authorization_server_unavailable') && expired(ctx, record)) throw err;
        record = await findRecord(ctx, target, account);
      }
    }
    let response = await sendWithToken(ctx, record, input, init);
    let steppedUp = false;
    if (response.status === 401) {
      // One request gets at most one refresh (or sign-in) and one retry; the exchanges go to a flow trace.
      const recorder = ctx.newRecorder('refresh', target);
      recordSecrets(recorder, [record?.accessToken, record?.refreshToken]);
      const challenge = await recordResourceExchange(recorder, 'resource-challenge', input, init, response);
      // A DPoP-bound token answered with a Bearer-only challenge: the resource does not take DPoP (RFC 9449 §7.1).
      const refusedDPoP = record?.tokenType === 'DPoP' && isBearerOnly(challenge);
      if (refusedDPoP && record) {
        ctx.dpopRefusedBy.add(record.resource);
        recorder.note('token-binding', 'the resource refused the DPoP-bound token with a Bearer challenge: switching to Bearer');
      }
      let next: TokenSetRecord | undefined;
      let how = 'refreshed';
      try {
        if (record?.refreshToken) {
          try {
            next = await refreshRecord(ctx, target, record, init.signal ?? undefined, { recorder, withoutProof: refusedDPoP });
          } catch (err) {
            if (!isOAuthError(err) || (err.code !== 'invalid_grant' && err.code !== 'not_signed_in')) throw err;
          }
        } else if (record && !refusedDPoP) {
          // Another request may already have replaced the token.
          const latest = await findRecord(ctx, target, account);
          if (latest && latest.accessToken !== record.accessToken) next = latest;
        }
        if (!next) {
          how = 'signed in for';
          countAttempt(record?.resource ?? target.serverUrl);
          next = await reauthorize(challenge, undefined);
        }
      } catch (err) {
        recorder.finish('failed');
        throw err;
      }
      record = next;
      recordSecrets(recorder, [record?.accessToken, record?.refreshToken]);
      response = await sendWithToken(ctx, record, input, init);
      if (response.status === 401) {
        const again = await recordResourceExchange(recorder, 'retry', input, init, response);
        const error = tokenRejected(target, again, how, record);
        recorder.note('token-rejected', error.message);
        recorder.finish('failed');
        throw error;
      }
      await recordResourceExchange(recorder, 'retry', input, init, response, false);
      recorder.finish('ok');
    }
    // Step-up: 403 insufficient_scope (RFC 6750 §3.1, MCP "Step-Up Authorization Flow").
    while (response.status === 403) {
      const challenge = readChallenge(response.headers.get('www-authenticate'));
      if (challenge.error !== 'insufficient_scope') break;
      await response.body?.cancel().catch(() => undefined);
      const resourceKey = record?.resource ?? target.serverUrl;
      const scopes = splitScope(unionScopes(record?.scopes, challenge.scope));
      if ((attempts.get(resourceKey) ?? 0) >= ctx.maxStepUp) {
        ctx.emitStatus(target.serverUrl, { state: 'step-up-needed', scopes });
        throw new OAuthError('insufficient_scope', `The server still refuses the request after ${ctx.maxStepUp} sign-ins asking for more permissions (${scopes.join(' ')}). Ask the server's operator for access.`, { scopes });
      }
      if (!interactive) {
        ctx.emitStatus(target.serverUrl, { state: 'step-up-needed', scopes });
        throw new OAuthError('insufficient_scope', `This action needs more permissions (${scopes.join(' ')}). Sign in again to grant them.`, { scopes });
      }
      countAttempt(resourceKey);
      steppedUp = true;
      record = await reauthorize(challenge, scopes.join(' '));
      response = await sendWithToken(ctx, record, input, init);
    }
    if (response.ok && steppedUp) attempts.delete(record?.resource ?? target.serverUrl);
    return response;
  };
}
