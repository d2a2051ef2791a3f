/**
 * The MCP transport's `fetch` (DESIGN.md step 9): it presents the held access token (RFC 6750 Bearer, or RFC 9449
 * DPoP with a fresh proof), refreshes before expiry, and answers the server's challenges: a 401 refreshes or signs in
 * again once, a 403 `insufficient_scope` re-authorizes with the union of held and challenged scopes (RFC 6750 §3.1,
 * the MCP "Step-Up Authorization Flow"), with a retry limit.
 */
import * as oauth from 'oauth4webapi';
import { splitScope, unionScopes } from '../authorize.ts';
import { OAuthError, isOAuthError } from '../errors.ts';
import type { FetchFn } from '../http.ts';
import type { TokenSetRecord } from '../store.ts';
import { insecureOptionFor } from '../url-safety.ts';
import { readChallenge, type ChallengeInfo } from '../www-authenticate.ts';
import { settingsOf, type EngineContext } from './context.ts';
import { login } from './login.ts';
import { refreshRecord } from './refresh.ts';
import { expiringSoon, findRecord } from './token-sets.ts';
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
      } catch {
        // A failed proactive refresh is not fatal: send what is held (or nothing); a 401 takes the reactive path.
        record = await findRecord(ctx, target, account);
      }
    }
    let response = await sendWithToken(ctx, record, input, init);
    let steppedUp = false;
    if (response.status === 401) {
      const challenge = readChallenge(response.headers.get('www-authenticate'));
      await response.body?.cancel().catch(() => undefined);
      let next: TokenSetRecord | undefined;
      if (record?.refreshToken) {
        try {
          next = await refreshRecord(ctx, target, record, init.signal ?? undefined);
        } catch (err) {
          if (!isOAuthError(err) || (err.code !== 'invalid_grant' && err.code !== 'not_signed_in')) throw err;
        }
      } else if (record) {
        // Another request may already have replaced the token.
        const latest = await findRecord(ctx, target, account);
        if (latest && latest.accessToken !== record.accessToken) next = latest;
      }
      if (!next) {
        countAttempt(record?.resource ?? target.serverUrl);
        next = await reauthorize(challenge, undefined);
      }
      record = next;
      response = await sendWithToken(ctx, record, input, init);
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
