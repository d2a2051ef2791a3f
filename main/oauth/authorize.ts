/**
 * The authorization request (RFC 6749 §4.1.1) with PKCE S256 (RFC 7636 §4.2), a random `state`, `resource` (RFC 8707
 * §2) and the scope the MCP spec prescribes ("Scope Selection Strategy", 2025-11-25).
 */
import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { AuthorizationServer } from 'oauth4webapi';
import { authorizationParamNameProblem } from './compat.ts';
import { OAuthError } from './errors.ts';
import { assertSafeBrowserUrl } from './url-safety.ts';

/**
 * The scope to request: an explicit override, else the challenge's `scope`, else the resource's `scopes_supported`,
 * else none (no invented defaults). `offline_access` is added when the AS lists it and a scope is being requested
 * (SEP-2207), never otherwise.
 */
export function selectScope(input: {
  readonly override?: string | undefined;
  readonly challenge?: string | undefined;
  readonly resourceScopes?: readonly string[] | undefined;
  readonly asScopes?: readonly string[] | undefined;
  /** The override is what the user consented to scope by scope: sent exactly (none at all when empty). */
  readonly exact?: boolean | undefined;
}): string | undefined {
  if (input.exact) return splitScope(input.override).length > 0 ? [...new Set(splitScope(input.override))].join(' ') : undefined;
  let scopes: string[] = [];
  if (input.override?.trim()) scopes = splitScope(input.override);
  else if (input.challenge?.trim()) scopes = splitScope(input.challenge);
  else if (input.resourceScopes?.length) scopes = [...input.resourceScopes];
  if (scopes.length === 0) return undefined;
  if (input.asScopes?.includes('offline_access') && !scopes.includes('offline_access')) scopes.push('offline_access');
  return [...new Set(scopes)].join(' ');
}

/**
 * OpenID Connect Core §11: a provider issues a refresh token for `offline_access` only with `prompt=consent` (unless
 * it has other grounds), so an OpenID provider asked for `offline_access` gets `prompt=consent`, unless the server's
 * settings set `prompt` themselves (some tenants break on a forced consent: the user's setting wins).
 */
export function wantsConsentPrompt(scope: string | undefined, as: AuthorizationServer, extra: Readonly<Record<string, string>> | undefined): boolean {
  if (!splitScope(scope).includes('offline_access')) return false;
  if (extra && Object.keys(extra).some((name) => name.toLowerCase() === 'prompt')) return false;
  return isOpenIdProvider(as);
}

/** True for an authorization server that is an OpenID provider (its metadata speaks OpenID Connect Discovery 1.0). */
export function isOpenIdProvider(as: AuthorizationServer): boolean {
  return (
    as.scopes_supported?.includes('openid') === true ||
    typeof as.userinfo_endpoint === 'string' ||
    Array.isArray(as.id_token_signing_alg_values_supported)
  );
}

/** Splits a space-delimited scope string (RFC 6749 §3.3). */
export function splitScope(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter(Boolean);
}

/** The union of held and challenged scopes, for a step-up (MCP "Step-Up Authorization Flow"). */
export function unionScopes(...lists: readonly (readonly string[] | string | undefined)[]): string {
  const out = new Set<string>();
  for (const l of lists) for (const s of typeof l === 'string' || l === undefined ? splitScope(l) : l) out.add(s);
  return [...out].join(' ');
}

/** What a prepared authorization request carries; the verifier never leaves the engine. */
export interface PreparedAuthorization {
  readonly url: URL;
  readonly state: string;
  readonly codeVerifier: string;
}

/** The per-request PKCE pair and `state` (RFC 7636 §4.1–4.2); generated ahead of time, used once. */
export interface PkceAndState {
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly state: string;
}

/**
 * Generates a fresh verifier, its S256 challenge (RFC 7636 §4.2: BASE64URL(SHA256(ASCII(verifier))), hashed with
 * node:crypto, which needs no round trip through WebCrypto's job queue) and a random `state`.
 */
export function generatePkceAndState(): PkceAndState {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  return { codeVerifier, codeChallenge: createHash('sha256').update(codeVerifier, 'ascii').digest('base64url'), state: oauth.generateRandomState() };
}

/** Builds the authorization URL (and checks it is safe to open) for the given client and redirect URI. */
export async function prepareAuthorizationRequest(
  as: AuthorizationServer,
  params: {
    readonly clientId: string;
    readonly redirectUri: string;
    readonly scope?: string | undefined;
    readonly resource?: string | undefined;
    /** An `audience` parameter (a per-server setting; Auth0 issues JWTs for an API only with it). */
    readonly audience?: string | undefined;
    /** Extra parameters from the server's settings; a reserved name is never sent (compat.ts refuses it earlier). */
    readonly extra?: Readonly<Record<string, string>> | undefined;
  },
  pkce?: PkceAndState,
): Promise<PreparedAuthorization> {
  if (!as.authorization_endpoint) {
    throw new OAuthError('discovery_failed', `The authorization server ${as.issuer} has no authorization endpoint. Contact its operator.`);
  }
  const url = assertSafeBrowserUrl(as.authorization_endpoint);
  const { codeVerifier, codeChallenge, state } = pkce ?? generatePkceAndState();
  for (const [name, value] of Object.entries(params.extra ?? {})) {
    if (authorizationParamNameProblem(name) === undefined) url.searchParams.set(name, value);
  }
  if (params.audience) url.searchParams.set('audience', params.audience);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('code_challenge', codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  if (params.scope) url.searchParams.set('scope', params.scope);
  if (params.resource) url.searchParams.set('resource', params.resource);
  return { url, state, codeVerifier };
}
