/**
 * Step 10 (DESIGN.md): the refresh token grant (RFC 6749 §6), single-flight per token family across the app and the
 * CLI so a rotating refresh token is never used twice. A refused refresh forgets the tokens only when they are still
 * the ones that were used.
 */
import type { RefreshRecord, TokenSetView } from '../../../preload/contract.ts';
import { splitScope } from '../authorize.ts';
import { refreshParametersOf, refreshResourceOf } from '../compat.ts';
import { expiresAtOf } from '../token-response.ts';
import { RESOURCE_REFUSED_DPOP, assertTokenTypeMatches } from '../dpop-decision.ts';
import { OAuthError, isOAuthError } from '../errors.ts';
import { refreshTokenGrant, toOAuthError } from '../grants.ts';
import { causeChain } from '../http.ts';
import { refreshedLifetime } from '../lifetimes.ts';
import { tokenSetKeyString, type TokenBinding, type TokenSetRecord } from '../store.ts';
import type { FlowRecorder } from '../trace.ts';
import { tokenSetView } from '../views.ts';
import { registrationFor, tokenContext } from './client-identity.ts';
import { forgetDeadRegistration } from './registration-admin.ts';
import { recordSecrets, type EngineContext } from './context.ts';
import { expiringSoon, findRecord } from './token-sets.ts';
import type { ServerTarget } from './types.ts';

/** How many refresh outcomes a token set remembers for the inspector. */
const REFRESH_HISTORY_LIMIT = 50;

/** Options of {@link refreshRecord}. */
export interface RefreshOptions {
  /** Record into this flow (the caller finishes it) instead of a flow of its own. */
  readonly recorder?: FlowRecorder;
  /** Refresh a DPoP-bound family without a proof, for a Bearer token (the resource refused DPoP). */
  readonly withoutProof?: boolean;
}

/**
 * A refresh that failed because the authorization server is unreachable or failing (network error, timeout, HTTP 5xx)
 * says so, naming the authorization server rather than the (healthy) MCP server: the tokens are kept and a later
 * request tries again.
 */
function unavailableAuthorizationServer(err: unknown, issuer: string): OAuthError | undefined {
  const status = httpStatusOf(err);
  const network = isOAuthError(err, 'network');
  if (!network && !(typeof status === 'number' && status >= 500)) return undefined;
  const what = network ? 'could not be reached' : `answered HTTP ${status as number}`;
  return new OAuthError('authorization_server_unavailable', `The authorization server ${originOf(issuer)} ${what} while Keyport refreshed your sign-in. Your tokens are kept and Keyport will try again; check your connection, or try later.`, { cause: err, ...(typeof status === 'number' ? { status } : {}) });
}

/** The HTTP status behind an error, looking through its causes (oauth4webapi keeps the response as a cause). */
function httpStatusOf(err: unknown): number | undefined {
  for (const e of causeChain(err)) {
    if (e instanceof Response) return e.status;
    const status = (e as { status?: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'of this server';
  }
}

/**
 * Refreshes under the family lock. After taking the lock the stored set is re-read: when another flow (or process)
 * already replaced the token that was used, that result is returned without a second refresh.
 */
export async function refreshRecord(ctx: EngineContext, target: ServerTarget, used: TokenSetRecord, signal?: AbortSignal, options: RefreshOptions = {}): Promise<TokenSetRecord> {
  return ctx.lock.withLock(tokenSetKeyString(used), async () => {
    const current = await ctx.store.getTokenSet(used);
    if (!current) throw new OAuthError('not_signed_in', 'You are signed out of this server. Sign in again.');
    if (current.accessToken !== used.accessToken && !expiringSoon(ctx, current) && !(options.withoutProof && current.dpopKey)) return current;
    if (!current.refreshToken) throw new OAuthError('invalid_grant', 'The access token expired and the server gave no refresh token. Sign in again.');
    const recorder = options.recorder ?? ctx.newRecorder('refresh', target);
    const finish = (outcome: 'ok' | 'failed'): void => {
      if (!options.recorder) recorder.finish(outcome);
    };
    recordSecrets(recorder, [current.accessToken, current.refreshToken, current.idToken]);
    const fetchFn = ctx.traced(recorder);
    ctx.emitStatus(target.serverUrl, { state: 'refreshing' });
    const as = current.authorizationServer;
    // A DPoP-bound family keeps its proof; one the resource refused is refreshed without, to get a Bearer token.
    const bound = current.dpopKey !== undefined && !options.withoutProof;
    try {
      const reg = await registrationFor(ctx, current, target);
      recordSecrets(recorder, [reg.clientSecret]);
      const handle = bound && current.dpopKey ? await ctx.dpopHandles.get(current.dpopKey) : undefined;
      const tctx = await tokenContext(as, reg, target, fetchFn, handle, signal);
      const tokens = await recorder.step(
        'refresh',
        async () => {
          const t = await refreshTokenGrant(tctx, current.refreshToken!, refreshResourceOf(current), refreshParametersOf(current));
          recordSecrets(recorder, [t.access_token, t.refresh_token, t.id_token]);
          assertTokenTypeMatches(bound ? { scheme: 'DPoP', alg: current.dpopKey!.alg, reason: '' } : { scheme: 'Bearer', reason: '' }, t.token_type);
          return t;
        },
        (t) => (t.refresh_token && t.refresh_token !== current.refreshToken ? 'refresh token rotated' : 'refresh token kept'),
      );
      const rotated = !!tokens.refresh_token && tokens.refresh_token !== current.refreshToken;
      const at = ctx.now();
      const history: RefreshRecord[] = [...current.refreshHistory, { at, outcome: 'ok' as const, rotated }].slice(-REFRESH_HISTORY_LIMIT);
      // A family refreshed without its proof becomes a Bearer family: the key goes, the reason says why.
      const binding: TokenBinding | undefined = !bound && current.dpopKey ? { scheme: 'Bearer', reason: RESOURCE_REFUSED_DPOP } : current.binding;
      const { dpopKey: _key, binding: _binding, ...kept } = current;
      const next: TokenSetRecord = {
        ...kept,
        ...(bound ? { dpopKey: current.dpopKey } : {}),
        ...(binding ? { binding } : {}),
        accessToken: tokens.access_token,
        tokenType: bound ? 'DPoP' : 'Bearer',
        refreshToken: tokens.refresh_token ?? current.refreshToken,
        ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
        expiresAt: expiresAtOf(tokens, at),
        accessTokenObtainedAt: at,
        ...refreshedLifetime(tokens, at, current),
        scopes: typeof tokens.scope === 'string' ? splitScope(tokens.scope) : current.scopes,
        refreshHistory: history,
      } as TokenSetRecord;
      await ctx.store.putTokenSet(next);
      finish('ok');
      ctx.emitStatus(target.serverUrl, { state: 'connected', since: ctx.now() });
      return next;
    } catch (err) {
      const e = unavailableAuthorizationServer(err, as.issuer) ?? (err instanceof OAuthError ? err : toOAuthError(err, 'token refresh'));
      finish('failed');
      const latest = await ctx.store.getTokenSet(current);
      if (e.code === 'invalid_grant') {
        // Forget the tokens only if they are still the ones this refresh used.
        if (latest && latest.refreshToken === current.refreshToken) await ctx.store.deleteTokenSet(current);
        ctx.emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'Your sign-in expired.' });
      } else if (e.code === 'invalid_client' && (await forgetDeadRegistration(ctx, current))) {
        // The AS forgot Keyport's registration: read as an expired sign-in, so the next login registers again once.
        ctx.emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'The authorization server no longer knows Keyport’s registration.' });
        throw new OAuthError('invalid_grant', 'The authorization server no longer knows the client Keyport registered there, so Keyport forgot that registration and these tokens. Sign in again: Keyport registers anew.', { cause: e, ...(e.oauthError ? { oauthError: e.oauthError } : {}) });
      } else if (latest && latest.refreshToken === current.refreshToken) {
        const failed: RefreshRecord = { at: ctx.now(), outcome: 'failed', rotated: false, errorCode: e.code };
        await ctx.store.putTokenSet({ ...latest, refreshHistory: [...latest.refreshHistory, failed].slice(-REFRESH_HISTORY_LIMIT) });
      }
      throw e;
    }
  });
}

/** Refreshes the held token set of a server and account now (the inspector's "Refresh" and `keyport` internals). */
export async function refresh(ctx: EngineContext, target: ServerTarget, options: { readonly account?: string; readonly signal?: AbortSignal } = {}): Promise<TokenSetView> {
  const record = await findRecord(ctx, target, options.account);
  if (!record) throw new OAuthError('not_signed_in', 'You are not signed in to this server. Sign in first.');
  return tokenSetView(await refreshRecord(ctx, target, record, options.signal));
}
