/**
 * The token sets the engine holds, keyed by (issuer, resource, account) and found again by server URL and account:
 * building a record from a token response, storing a new one (dropping older sets of the same server and account),
 * and looking one up by the fastest route the store offers.
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import { splitScope } from '../authorize.ts';
import { expiresAtOf } from '../token-response.ts';
import { newSetLifetimes } from '../lifetimes.ts';
import { tokenSetKeyString, type ClientRegistrationRecord, type DPoPKeyRecord, type TokenBinding, type TokenSetKey, type TokenSetRecord } from '../store.ts';
import { serverAccountKey, settingsOf, type EngineContext } from './context.ts';
import type { ResolvedServer } from './resolve-server.ts';
import { DEFAULT_ACCOUNT, type ServerTarget } from './types.ts';

/** Builds the record of a freshly issued token response. */
export function buildRecord(
  ctx: EngineContext,
  target: ServerTarget,
  resolved: ResolvedServer,
  reg: ClientRegistrationRecord,
  account: string,
  tokens: TokenEndpointResponse,
  requestedScope: string | undefined,
  sentResource: boolean,
  dpopKey: DPoPKeyRecord | undefined,
  binding: TokenBinding,
): TokenSetRecord {
  const at = ctx.now();
  return {
    issuer: resolved.as.issuer,
    resource: resolved.resource,
    account,
    serverUrl: target.serverUrl,
    clientId: reg.clientId,
    registration: settingsOf(target).mode === 'client-credentials' ? 'client-credentials' : reg.kind,
    accessToken: tokens.access_token,
    tokenType: tokens.token_type === 'dpop' ? 'DPoP' : 'Bearer',
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
    ...(expiresAtOf(tokens, at) !== undefined ? { expiresAt: expiresAtOf(tokens, at)! } : {}),
    scopes: splitScope(typeof tokens.scope === 'string' ? tokens.scope : requestedScope),
    obtainedAt: at,
    accessTokenObtainedAt: at,
    ...(dpopKey && tokens.token_type === 'dpop' ? { dpopKey } : {}),
    refreshHistory: [],
    authorizationServer: resolved.as,
    sentResource,
    binding,
    ...newSetLifetimes(tokens, at, reg),
  };
}

/** Stores a new token set and forgets the older sets of the same server and account (e.g. after an AS migration). */
export async function saveNewTokenSet(ctx: EngineContext, record: TokenSetRecord): Promise<void> {
  await ctx.store.putTokenSet(record);
  ctx.bindings.set(serverAccountKey(record.serverUrl, record.account), { issuer: record.issuer, resource: record.resource, account: record.account });
  const key = tokenSetKeyString(record);
  for (const other of await ctx.store.listTokenSets()) {
    if (other.serverUrl === record.serverUrl && other.account === record.account && tokenSetKeyString(other) !== key) await ctx.store.deleteTokenSet(other);
  }
}

/** The token set held for a server and account: by its remembered key, else the store's index, else a scan. */
export async function findRecord(ctx: EngineContext, target: ServerTarget, account = DEFAULT_ACCOUNT): Promise<TokenSetRecord | undefined> {
  const bindingKey = serverAccountKey(target.serverUrl, account);
  const bound = ctx.bindings.get(bindingKey);
  if (bound) {
    const record = await ctx.store.getTokenSet(bound);
    if (record && record.serverUrl === target.serverUrl) return record;
    ctx.bindings.delete(bindingKey);
  }
  // The store's index (the keychain keeps one) avoids listing every token set; a stale entry falls through.
  const indexed = await ctx.store.findTokenSetKey?.(target.serverUrl, account);
  if (indexed) {
    const record = await ctx.store.getTokenSet(indexed);
    if (record && record.serverUrl === target.serverUrl && record.account === account) {
      ctx.bindings.set(bindingKey, indexed);
      ctx.held.remember(record);
      return record;
    }
  }
  const all = await ctx.store.listTokenSets();
  const found = all.filter((r) => r.serverUrl === target.serverUrl && r.account === account).sort((a, b) => b.obtainedAt - a.obtainedAt)[0];
  if (found) {
    const key: TokenSetKey = { issuer: found.issuer, resource: found.resource, account: found.account };
    ctx.bindings.set(bindingKey, key);
    ctx.held.remember(found);
    // Repair the index in the background: this start already paid for the listing, the next one need not.
    void ctx.store.indexTokenSet?.(target.serverUrl, account, key).catch(() => undefined);
  }
  return found;
}

/** The share of an access token's lifetime kept as refresh margin when the lifetime is short. */
const MARGIN_SHARE_OF_LIFETIME = 0.5;

/**
 * How long before expiry the access token is refreshed: the configured margin, but never more than half of the
 * token's lifetime, so a 6-second token is refreshed once near its end rather than on every request.
 */
export function refreshMarginFor(ctx: EngineContext, record: TokenSetRecord): number {
  if (record.expiresAt === undefined) return 0;
  const lastRefresh = [...record.refreshHistory].reverse().find((r) => r.outcome === 'ok')?.at;
  const issuedAt = record.accessTokenObtainedAt ?? lastRefresh ?? record.obtainedAt;
  const lifetime = record.expiresAt - issuedAt;
  return lifetime > 0 ? Math.min(ctx.refreshMarginMs, lifetime * MARGIN_SHARE_OF_LIFETIME) : ctx.refreshMarginMs;
}

/** True when the access token expires within its refresh margin. */
export function expiringSoon(ctx: EngineContext, record: TokenSetRecord): boolean {
  return record.expiresAt !== undefined && record.expiresAt - refreshMarginFor(ctx, record) <= ctx.now();
}

/** True when the access token's known lifetime is over. */
export function expired(ctx: EngineContext, record: TokenSetRecord): boolean {
  return record.expiresAt !== undefined && record.expiresAt <= ctx.now();
}
