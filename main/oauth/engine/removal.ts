/**
 * Revocation on removal (issue 14): when a server is removed, every token Keyport holds for it — every account — is
 * revoked at its authorization server (RFC 7009), the dynamic registration the tokens came from is deleted there
 * (RFC 7592 §2.3) when Keyport holds its registration access token and no other configured server uses it, and then
 * everything is forgotten locally whatever the authorization server said: the user asked for the secrets to go. The
 * report says, token by token, what could not be revoked.
 */
import type { RemovalReportView } from '../../../preload/contract.ts';
import { isOAuthError } from '../errors.ts';
import { revokeToken } from '../grants.ts';
import { deleteRegistration } from '../registration.ts';
import type { TokenSetRecord } from '../store.ts';
import { assertSafeEndpoint } from '../url-safety.ts';
import { registrationFor, tokenContext } from './client-identity.ts';
import { recordSecrets, serverAccountKey, type EngineContext } from './context.ts';
import type { ServerTarget } from './types.ts';

/** What happened to one token of a set. */
export type TokenRevocation = RemovalReportView['tokens'][number];

/** The error code of a failure for the report: the AS's own OAuth error when it gave one (never a message). */
function codeOf(err: unknown): string {
  if (isOAuthError(err)) return err.oauthError && /^[\w.-]{1,64}$/.test(err.oauthError) ? err.oauthError : err.code;
  return typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'unexpected';
}

/**
 * Revokes the refresh token, then the access token, of one set (each separately: an AS may refuse one type and still
 * revoke the other), recording a `revocation` flow. Forgets nothing.
 */
export async function revokeRecordTokens(ctx: EngineContext, target: ServerTarget, record: TokenSetRecord): Promise<readonly TokenRevocation[]> {
  const held: readonly ['refresh' | 'access', string | undefined][] = [
    ['refresh', record.refreshToken],
    ['access', record.accessToken],
  ];
  const present = held.filter((h): h is ['refresh' | 'access', string] => h[1] !== undefined);
  const base = { account: record.account, issuer: record.issuer };
  const as = record.authorizationServer;
  if (!as.revocation_endpoint) return present.map(([kind]) => ({ ...base, kind, outcome: 'not-offered' as const }));
  const recorder = ctx.newRecorder('revocation', target);
  recordSecrets(recorder, [record.accessToken, record.refreshToken, record.idToken]);
  const fetchFn = ctx.traced(recorder);
  const out: TokenRevocation[] = [];
  try {
    assertSafeEndpoint(as.revocation_endpoint, 'revocation endpoint');
    const reg = await registrationFor(ctx, record, target);
    recordSecrets(recorder, [reg.clientSecret]);
    const tctx = await tokenContext(as, reg, target, fetchFn, undefined);
    for (const [kind, token] of present) {
      try {
        await recorder.step(`revoke-${kind}-token`, () => revokeToken(tctx, token, kind === 'refresh' ? 'refresh_token' : 'access_token'));
        out.push({ ...base, kind, outcome: 'revoked' });
      } catch (err) {
        out.push({ ...base, kind, outcome: 'failed', code: codeOf(err) });
      }
    }
  } catch (err) {
    // The client could not even be set up (no secret, unsafe endpoint): every token counts as not revoked.
    for (const [kind] of present) if (!out.some((o) => o.kind === kind)) out.push({ ...base, kind, outcome: 'failed', code: codeOf(err) });
  }
  recorder.finish(out.some((o) => o.outcome === 'revoked') ? 'ok' : 'failed');
  return out;
}

/** Options of {@link forgetServer}. */
export interface ForgetServerOptions {
  /** The URLs of the other configured servers: a registration one of them holds tokens from is kept. */
  readonly otherServerUrls: readonly string[];
}

/** Revokes and forgets every token set of a server, and deletes the registrations only it used. */
export async function forgetServer(ctx: EngineContext, target: ServerTarget, options: ForgetServerOptions): Promise<RemovalReportView> {
  const all = await ctx.store.listTokenSets();
  const mine = all.filter((r) => r.serverUrl === target.serverUrl);
  const tokens: TokenRevocation[] = [];
  for (const record of mine) tokens.push(...(await revokeRecordTokens(ctx, target, record)));

  const others = new Set(options.otherServerUrls);
  const registrations: RemovalReportView['registrations'][number][] = [];
  for (const issuer of new Set(mine.filter((r) => r.registration === 'dynamic').map((r) => r.issuer))) {
    const reg = await ctx.store.getRegistration(issuer);
    if (!reg || reg.kind !== 'dynamic') continue;
    if (all.some((r) => r.issuer === issuer && r.serverUrl !== target.serverUrl && others.has(r.serverUrl))) {
      registrations.push({ issuer, outcome: 'shared' });
      continue;
    }
    if (reg.registrationAccessToken && reg.registrationClientUri) {
      try {
        await deleteRegistration(ctx.plainFetch, reg);
        registrations.push({ issuer, outcome: 'deleted' });
      } catch (err) {
        registrations.push({ issuer, outcome: 'failed', code: codeOf(err) });
      }
    } else {
      registrations.push({ issuer, outcome: 'forgotten' });
    }
    await ctx.store.deleteRegistration(issuer);
  }

  for (const record of mine) {
    await ctx.store.deleteTokenSet(record);
    ctx.bindings.delete(serverAccountKey(record.serverUrl, record.account));
  }
  return { tokens, registrations };
}
