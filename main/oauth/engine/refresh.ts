/**
 * Step 10 (DESIGN.md): the refresh token grant (RFC 6749 §6), single-flight per token family across the app and the
 * CLI so a rotating refresh token is never used twice. A refused refresh forgets the tokens only when they are still
 * the ones that were used.
 */
import type { RefreshRecord, TokenSetView } from '../../../preload/contract.ts';
import { splitScope } from '../authorize.ts';
import { OAuthError } from '../errors.ts';
import { refreshTokenGrant, toOAuthError } from '../grants.ts';
import { tokenSetKeyString, type TokenSetRecord } from '../store.ts';
import { tokenSetView } from '../views.ts';
import { registrationFor, tokenContext } from './client-identity.ts';
import { recordSecrets, type EngineContext } from './context.ts';
import { expiringSoon, findRecord } from './token-sets.ts';
import type { ServerTarget } from './types.ts';

/** How many refresh outcomes a token set remembers for the inspector. */
const REFRESH_HISTORY_LIMIT = 50;

/**
 * Refreshes under the family lock. After taking the lock the stored set is re-read: when another flow (or process)
 * already replaced the token that was used, that result is returned without a second refresh.
 */
export async function refreshRecord(ctx: EngineContext, target: ServerTarget, used: TokenSetRecord, signal?: AbortSignal): Promise<TokenSetRecord> {
  return ctx.lock.withLock(tokenSetKeyString(used), async () => {
    const current = await ctx.store.getTokenSet(used);
    if (!current) throw new OAuthError('not_signed_in', 'You are signed out of this server. Sign in again.');
    if (current.accessToken !== used.accessToken && !expiringSoon(ctx, current)) return current;
    if (!current.refreshToken) throw new OAuthError('invalid_grant', 'The access token expired and the server gave no refresh token. Sign in again.');
    const recorder = ctx.newRecorder('refresh', target);
    recordSecrets(recorder, [current.accessToken, current.refreshToken, current.idToken]);
    const fetchFn = ctx.traced(recorder);
    ctx.emitStatus(target.serverUrl, { state: 'refreshing' });
    const as = current.authorizationServer;
    try {
      const reg = await registrationFor(ctx, current, target);
      recordSecrets(recorder, [reg.clientSecret]);
      const handle = current.dpopKey ? await ctx.dpopHandles.get(current.dpopKey) : undefined;
      const tctx = await tokenContext(as, reg, target, fetchFn, handle, signal);
      const tokens = await recorder.step(
        'refresh',
        async () => {
          const t = await refreshTokenGrant(tctx, current.refreshToken!, current.sentResource ? current.resource : undefined);
          recordSecrets(recorder, [t.access_token, t.refresh_token, t.id_token]);
          return t;
        },
        (t) => (t.refresh_token && t.refresh_token !== current.refreshToken ? 'refresh token rotated' : 'refresh token kept'),
      );
      const rotated = !!tokens.refresh_token && tokens.refresh_token !== current.refreshToken;
      const at = ctx.now();
      const history: RefreshRecord[] = [...current.refreshHistory, { at, outcome: 'ok' as const, rotated }].slice(-REFRESH_HISTORY_LIMIT);
      const next: TokenSetRecord = {
        ...current,
        accessToken: tokens.access_token,
        tokenType: tokens.token_type === 'dpop' ? 'DPoP' : 'Bearer',
        refreshToken: tokens.refresh_token ?? current.refreshToken,
        ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
        expiresAt: typeof tokens.expires_in === 'number' ? at + tokens.expires_in * 1000 : undefined,
        scopes: typeof tokens.scope === 'string' ? splitScope(tokens.scope) : current.scopes,
        refreshHistory: history,
      } as TokenSetRecord;
      await ctx.store.putTokenSet(next);
      recorder.finish('ok');
      ctx.emitStatus(target.serverUrl, { state: 'connected', since: ctx.now() });
      return next;
    } catch (err) {
      const e = err instanceof OAuthError ? err : toOAuthError(err, 'token refresh');
      recorder.finish('failed');
      const latest = await ctx.store.getTokenSet(current);
      if (e.code === 'invalid_grant') {
        // Forget the tokens only if they are still the ones this refresh used.
        if (latest && latest.refreshToken === current.refreshToken) await ctx.store.deleteTokenSet(current);
        ctx.emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'Your sign-in expired.' });
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
