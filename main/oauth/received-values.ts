/**
 * Values an authorization server sends are checked when they arrive, before anything stores or shows them: tokens and
 * client ids are visible ASCII (RFC 6749 Appendix A.1, A.12–A.17), scopes are NQCHAR (A.4), lifetimes are finite and
 * in range, and a registration answers for the redirect URI Keyport asked for (RFC 7591 §3.2.1). A value that fails
 * is refused with a typed error; nothing is stored, and nothing later fails on it ("Invalid time value", a control
 * character reaching a terminal, a megabyte "token" in the keychain).
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import { OAuthError } from './errors.ts';

/** The largest token accepted (a JWT with many claims is a few kilobytes; this leaves room and bounds memory). */
export const MAX_TOKEN_LENGTH = 64 * 1024;
/** The largest scope string accepted. */
export const MAX_SCOPE_LENGTH = 8 * 1024;
/** The longest lifetime taken at face value (10 years); a longer `expires_in` is clamped to it. */
export const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/** RFC 6749 Appendix A: VSCHAR = %x20-7E. */
const VSCHAR = /^[\x20-\x7e]+$/;
/** RFC 6749 Appendix A.4: scope-token = 1*NQCHAR (%x21 / %x23-5B / %x5D-7E), separated by spaces. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
/** RFC 6749 §7.1 / §11.1: a token type name. */
const TOKEN_TYPE = /^[A-Za-z0-9._~+/-]{1,64}$/;
/** Client ids: VSCHAR without spaces or markup and quoting characters, which no real client id needs. */
const CLIENT_ID = /^[\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5b\x5d-\x5f\x61-\x7e]+$/;

function refuse(what: string, who = 'The authorization server'): never {
  throw new OAuthError('invalid_response', `${who} sent ${what}. Nothing was stored. Contact the server's operator.`);
}

/** A token-like value (RFC 6749 Appendix A: 1*VSCHAR): text, bounded, visible ASCII only. */
export function checkToken(value: unknown, name: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) refuse(`an empty or non-text ${name}`);
  if (value.length > MAX_TOKEN_LENGTH) refuse(`a ${name} longer than ${MAX_TOKEN_LENGTH / 1024} KB`);
  if (!VSCHAR.test(value) || value.trim() !== value) refuse(`a ${name} with characters no token may contain (control characters, spaces at the ends or non-ASCII)`);
}

/** A lifetime in seconds as a finite number in [0, MAX_LIFETIME_SECONDS], or undefined when absent or unreadable. */
export function normaliseLifetime(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  if (n < 0) return 0;
  return Math.min(Math.floor(n), MAX_LIFETIME_SECONDS);
}

/**
 * Checks a token endpoint response (RFC 6749 §5.1) and returns it with `expires_in` normalised: a negative lifetime
 * counts as already expired, an absurdly long one is clamped, and an unreadable one is dropped (lifetime unknown).
 */
export function checkTokenResponse(t: TokenEndpointResponse): TokenEndpointResponse {
  checkToken(t.access_token, 'access token');
  checkToken(t.refresh_token, 'refresh token');
  checkToken(t.id_token, 'ID token');
  if (typeof t.token_type !== 'string' || !TOKEN_TYPE.test(t.token_type)) refuse('a token type that is not a valid name');
  if (t.scope !== undefined && (typeof t.scope !== 'string' || t.scope.length > MAX_SCOPE_LENGTH || (t.scope !== '' && !SCOPE.test(t.scope)))) {
    refuse('a scope with characters no scope may contain');
  }
  const lifetime = normaliseLifetime(t.expires_in);
  const { expires_in: _dropped, ...rest } = t;
  return (lifetime === undefined ? rest : { ...rest, expires_in: lifetime }) as TokenEndpointResponse;
}

/** RFC 6749 Appendix A.1, stricter: a client id Keyport puts in URLs, pages and terminals. */
export function checkClientId(clientId: unknown): string {
  if (typeof clientId !== 'string' || clientId.length === 0) refuse('a registration without a client id');
  if (clientId.length > 1024 || !CLIENT_ID.test(clientId)) refuse('a client id with characters a client id may not contain (control characters, spaces, markup or non-ASCII)');
  return clientId;
}

/** RFC 7591 §3.2.1: the registration must be for exactly the redirect URIs Keyport asked for (when it lists them). */
export function checkRegisteredRedirectUris(returned: unknown, asked: readonly string[]): void {
  if (returned === undefined) return;
  const list = Array.isArray(returned) ? returned : [];
  const same = list.length === asked.length && list.every((u) => typeof u === 'string' && asked.includes(u));
  if (!same) refuse('a registration for other redirect URIs than Keyport asked for');
}
