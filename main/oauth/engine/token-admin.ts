/**
 * What the user does with tokens they hold: sign out (revoke at the authorization server, RFC 7009, then forget),
 * ask whether the access token is still active (RFC 7662), and the signed-in / expired status the CLI and the window
 * show.
 */
import type * as oauth from 'oauth4webapi';
import { OAuthError } from '../errors.ts';
import { introspectToken, toOAuthError } from '../grants.ts';
import { assertSafeEndpoint } from '../url-safety.ts';
import { registrationFor, tokenContext } from './client-identity.ts';
import { recordSecrets, type EngineContext } from './context.ts';
import { revokeRecordTokens } from './removal.ts';
import { findRecord } from './token-sets.ts';
import type { AuthStatus, LogoutResult, ServerTarget } from './types.ts';

/** Revokes the held tokens where the AS offers revocation, then forgets them (they are forgotten even if revoking fails). */
export async function logout(ctx: EngineContext, target: ServerTarget, options: { readonly account?: string } = {}): Promise<LogoutResult> {
  const record = await findRecord(ctx, target, options.account);
  if (!record) return { revoked: false, revokedTokens: [] };
  const outcomes = await revokeRecordTokens(ctx, target, record);
  const revokedTokens = outcomes.filter((o) => o.outcome === 'revoked').map((o) => (o.kind === 'refresh' ? 'refresh_token' : 'access_token'));
  const revoked = record.refreshToken ? revokedTokens.includes('refresh_token') : revokedTokens.includes('access_token');
  await ctx.store.deleteTokenSet(record);
  ctx.emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'Signed out.' });
  return { revoked, revokedTokens };
}

/** Asks the authorization server whether the held access token is active (RFC 7662). */
export async function introspect(ctx: EngineContext, target: ServerTarget, options: { readonly account?: string } = {}): Promise<oauth.IntrospectionResponse> {
  const record = await findRecord(ctx, target, options.account);
  if (!record) throw new OAuthError('not_signed_in', 'You are not signed in to this server. Sign in first.');
  const as = record.authorizationServer;
  if (!as.introspection_endpoint) throw new OAuthError('unsupported', 'This authorization server does not offer token introspection.');
  assertSafeEndpoint(as.introspection_endpoint, 'introspection endpoint');
  const recorder = ctx.newRecorder('introspection', target);
  recordSecrets(recorder, [record.accessToken, record.refreshToken]);
  const fetchFn = ctx.traced(recorder);
  try {
    const reg = await registrationFor(ctx, record, target);
    recordSecrets(recorder, [reg.clientSecret]);
    const tctx = await tokenContext(as, reg, target, fetchFn, undefined);
    const result = await recorder.step('introspect', () => introspectToken(tctx, record.accessToken, 'access_token'), (r) => (r.active ? 'active' : 'inactive'));
    recorder.finish('ok');
    return result;
  } catch (err) {
    recorder.finish('failed');
    throw err instanceof OAuthError ? err : toOAuthError(err, 'introspection');
  }
}

/** Signed out, signed in (with expiry and scopes), or expired (and whether a refresh can fix it). */
export async function status(ctx: EngineContext, target: ServerTarget, options: { readonly account?: string } = {}): Promise<AuthStatus> {
  const record = await findRecord(ctx, target, options.account);
  if (!record) return { state: 'signed-out' };
  if (record.expiresAt !== undefined && record.expiresAt <= ctx.now()) return { state: 'expired', refreshable: !!record.refreshToken, issuer: record.issuer };
  return { state: 'signed-in', scopes: record.scopes, issuer: record.issuer, ...(record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}) };
}
