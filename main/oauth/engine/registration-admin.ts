/**
 * Managing the client Keyport registered dynamically at a server's authorization server: read, update and delete it
 * with its registration access token (RFC 7592), or forget it locally (the next login registers again).
 */
import { OAuthError } from '../errors.ts';
import { deleteRegistration, readRegistration, updateRegistration } from '../registration.ts';
import type { ClientRegistrationRecord, TokenSetRecord } from '../store.ts';
import { type EngineContext } from './context.ts';
import { resolveServer } from './resolve-server.ts';
import { findRecord } from './token-sets.ts';
import type { ServerTarget } from './types.ts';

/** The issuer of a server's authorization server: from the held tokens, else by discovery. */
async function issuerFor(ctx: EngineContext, target: ServerTarget): Promise<string> {
  const record = await findRecord(ctx, target);
  if (record) return record.issuer;
  const recorder = ctx.newRecorder('login', target);
  const resolved = await resolveServer(ctx, recorder, target, ctx.traced(recorder), undefined);
  return resolved.as.issuer;
}

async function managedRegistration(ctx: EngineContext, target: ServerTarget): Promise<ClientRegistrationRecord> {
  const reg = await ctx.store.getRegistration(await issuerFor(ctx, target));
  if (!reg) throw new OAuthError('not_signed_in', "Keyport holds no registration for this server's authorization server.");
  return reg;
}

/** The registration as the AS holds it (RFC 7592 §2.1), secrets stripped. */
export async function readManagedRegistration(ctx: EngineContext, target: ServerTarget): Promise<Record<string, unknown>> {
  return readRegistration(ctx.plainFetch, await managedRegistration(ctx, target));
}

/** Replaces the registration's metadata (RFC 7592 §2.2) and keeps the AS's answer. */
export async function updateManagedRegistration(ctx: EngineContext, target: ServerTarget, metadata: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reg = await managedRegistration(ctx, target);
  const next = await updateRegistration(ctx.plainFetch, reg, metadata, ctx.now());
  await ctx.store.putRegistration(next);
  return { client_id: next.clientId, token_endpoint_auth_method: next.tokenEndpointAuthMethod, redirect_uris: next.redirectUris, ...(next.scope ? { scope: next.scope } : {}) };
}

/** Deletes the registration at the AS (RFC 7592 §2.3), then forgets it. */
export async function deleteManagedRegistration(ctx: EngineContext, target: ServerTarget): Promise<void> {
  const reg = await managedRegistration(ctx, target);
  await deleteRegistration(ctx.plainFetch, reg);
  await ctx.store.deleteRegistration(reg.issuer);
}

/** Forgets the registration locally only. */
export async function forgetRegistration(ctx: EngineContext, target: ServerTarget): Promise<void> {
  await ctx.store.deleteRegistration(await issuerFor(ctx, target));
}

/**
 * The authorization server no longer knows the client Keyport registered there (a refresh answered `invalid_client`,
 * or a 4xx naming the client): the registration is forgotten, and the token set obtained with it too (its refresh
 * token is bound to that client), so the next sign-in registers again — once, never in a loop. Only a dynamic
 * registration that is still the stored one is dropped; a pre-registered client is the user's to fix.
 */
export async function forgetDeadRegistration(ctx: EngineContext, record: TokenSetRecord): Promise<boolean> {
  if (record.registration !== 'dynamic') return false;
  const stored = await ctx.store.getRegistration(record.issuer);
  if (stored && stored.clientId === record.clientId) await ctx.store.deleteRegistration(record.issuer);
  const latest = await ctx.store.getTokenSet(record);
  if (latest && latest.refreshToken === record.refreshToken) await ctx.store.deleteTokenSet(record);
  return true;
}
