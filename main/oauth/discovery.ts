/**
 * Discovery: protected resource metadata (RFC 9728) and authorization server metadata (RFC 8414 / OpenID Connect
 * Discovery 1.0), in the order the MCP authorization spec (2025-11-25, "Authorization Server Discovery") gives, plus
 * the 2025-03-26 fallback for servers that predate RFC 9728.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import { OAuthError, printableText } from './errors.ts';
import { getJsonDocument, type FetchFn, type JsonDocument } from './http.ts';
import { assertSafeEndpoint } from './url-safety.ts';

/** RFC 9728 §2 protected resource metadata, as far as the engine reads it. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers?: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly bearer_methods_supported?: readonly string[];
  readonly dpop_signing_alg_values_supported?: readonly string[];
  /** RFC 9728 §2: the resource accepts only DPoP-bound access tokens. */
  readonly dpop_bound_access_tokens_required?: boolean;
  readonly [key: string]: unknown;
}

/** The result of resource discovery: the document and the URL it came from. */
export interface ResourceDiscovery {
  readonly metadata: ProtectedResourceMetadata;
  readonly url: string;
}

/**
 * The candidate URLs for protected resource metadata, in order (RFC 9728 §3.1, MCP 2025-11-25): the
 * `resource_metadata` of the `WWW-Authenticate` challenge, else the path-inserted well-known URL, else the root one.
 */
export function protectedResourceMetadataUrls(serverUrl: string, headerUrl?: string): readonly string[] {
  const u = new URL(serverUrl);
  const urls: string[] = [];
  if (headerUrl) urls.push(new URL(headerUrl, serverUrl).href);
  const path = u.pathname.replace(/\/+$/, '');
  if (path) urls.push(`${u.origin}/.well-known/oauth-protected-resource${path}`);
  urls.push(`${u.origin}/.well-known/oauth-protected-resource`);
  return [...new Set(urls)];
}

/**
 * True when the metadata's `resource` identifies this MCP server: equal to it, or its origin, or a path prefix of it
 * on the same origin (RFC 9728 §3.3 and §7.3 — a resource on another origin would let a server borrow another's
 * tokens).
 */
export function resourceMatchesServer(resource: string, serverUrl: string): boolean {
  let r: URL;
  let s: URL;
  try {
    r = new URL(resource);
    s = new URL(serverUrl);
  } catch {
    return false;
  }
  if (r.origin !== s.origin) return false;
  const rp = r.pathname.replace(/\/+$/, '');
  const sp = s.pathname.replace(/\/+$/, '');
  if (rp === '' || rp === sp) return true;
  return sp.startsWith(`${rp}/`);
}

/**
 * A metadata request already sent (speculatively, e.g. alongside the probe). `take()` is called only when the ordered
 * selection reaches `url`, and at most once; a document that is never taken is never looked at.
 */
export interface PrefetchedDocument {
  readonly url: string;
  take(): Promise<JsonDocument>;
}

/**
 * RFC 9728 §3: fetches the protected resource metadata, stopping at the first URL that answers with a document.
 * Returns `undefined` when none does (a server that predates RFC 9728). A document whose `resource` does not
 * identify the server aborts with `resource_mismatch`. A `prefetched` request for one of the candidate URLs stands in
 * for that URL's request when (and only when) the order reaches it.
 */
export async function discoverProtectedResource(
  fetchFn: FetchFn,
  serverUrl: string,
  headerUrl?: string,
  signal?: AbortSignal,
  prefetched?: PrefetchedDocument,
): Promise<ResourceDiscovery | undefined> {
  let notMetadata: OAuthError | undefined;
  for (const url of protectedResourceMetadataUrls(serverUrl, headerUrl)) {
    assertSafeEndpoint(url, 'resource metadata URL');
    const doc = prefetched?.url === url ? await prefetched.take() : await getJsonDocument(fetchFn, url, signal);
    if (!doc.json) continue;
    const metadata = doc.json as ProtectedResourceMetadata;
    if (typeof metadata.resource !== 'string' || !metadata.resource) {
      // A JSON answer that is not resource metadata (a gateway's error object): the next variant may have it.
      notMetadata ??= new OAuthError('discovery_failed', `The resource metadata at ${url} has no "resource". The MCP server is misconfigured; contact its operator.`, { url });
      continue;
    }
    if (!resourceMatchesServer(metadata.resource, serverUrl)) {
      throw new OAuthError(
        'resource_mismatch',
        `The MCP server's metadata names a different resource (${safeOrigin(metadata.resource)}) than the server you asked for. Keyport stopped before signing in; check the server URL.`,
        { url },
      );
    }
    return { metadata, url };
  }
  if (notMetadata) throw notMetadata;
  return undefined;
}

/**
 * The authorization server metadata URLs for an issuer, in the MCP spec's order. With a path: OAuth path-insert,
 * OIDC path-insert, OIDC path-append (never the bare root). Without: OAuth, then OIDC, at the root.
 */
export function authorizationServerMetadataUrls(issuer: string): readonly string[] {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, '');
  if (!path) {
    return [`${u.origin}/.well-known/oauth-authorization-server`, `${u.origin}/.well-known/openid-configuration`];
  }
  return [
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
    `${u.origin}/.well-known/openid-configuration${path}`,
    `${u.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** True when two issuer identifiers are the same (exact, or equal once parsed as URLs, as RFC 8414 §3.3 compares). */
export function sameIssuer(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

/** How discovery found the authorization server: RFC 8414 metadata, the 2025-03-26 defaults, or the server's settings. */
export type AuthorizationServerSource = 'metadata' | 'legacy-metadata' | 'legacy-defaults' | 'manual';

/** Authorization server metadata plus where it came from. */
export interface AuthorizationServerDiscovery {
  readonly as: AuthorizationServer;
  readonly source: AuthorizationServerSource;
  readonly url?: string;
}

/**
 * RFC 8414 §3 / OpenID Discovery §4: fetches the metadata of `issuer`, trying each variant in order and stopping at
 * the first document. The document's `issuer` must equal `issuer` (§3.3), else `issuer_mismatch`.
 */
export async function discoverAuthorizationServer(
  fetchFn: FetchFn,
  issuer: string,
  signal?: AbortSignal,
  acceptedIssuer?: string,
): Promise<AuthorizationServerDiscovery> {
  assertSafeEndpoint(issuer, 'authorization server');
  for (const url of authorizationServerMetadataUrls(issuer)) {
    const doc = await getJsonDocument(fetchFn, url, signal);
    if (!doc.json) continue;
    const as = doc.json as unknown as AuthorizationServer;
    // A JSON answer without an issuer is not metadata (a gateway's error object): the next variant may have it.
    if (typeof as.issuer !== 'string') continue;
    // The user may accept one named issuer exactly (a per-server setting), for documents that disagree about it.
    if (!sameIssuer(as.issuer, issuer) && !(acceptedIssuer !== undefined && as.issuer === acceptedIssuer)) {
      throw new OAuthError(
        'issuer_mismatch',
        `The authorization server at ${safeOrigin(issuer)} identifies itself as a different issuer (${printableText(as.issuer)}). Keyport stopped for your safety. If you trust that issuer, enter it exactly under Edit → Advanced → Accepted issuer (CLI: keyport servers edit <server> --accept-issuer <issuer>).`,
        { url },
      );
    }
    return { as, source: 'metadata', url };
  }
  throw new OAuthError(
    'discovery_failed',
    `No authorization server metadata was found for ${issuer}. If this provider publishes none (GitHub), enter its authorization and token endpoints under Edit → Advanced (CLI: keyport servers edit <server> --authorization-endpoint URL --token-endpoint URL); otherwise check the server URL or contact its operator.`,
    { url: issuer },
  );
}

/**
 * The 2025-03-26 revision's rules for an MCP server without RFC 9728 metadata: its origin is the authorization
 * server; RFC 8414 metadata at the origin root if there is one (its `issuer` only has to share the MCP server's
 * origin), else the default endpoints `/authorize`, `/token`, `/register`.
 */
export async function discoverLegacyAuthorizationServer(
  fetchFn: FetchFn,
  serverUrl: string,
  signal?: AbortSignal,
): Promise<AuthorizationServerDiscovery> {
  const origin = new URL(serverUrl).origin;
  for (const url of [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`]) {
    const doc = await getJsonDocument(fetchFn, url, signal);
    if (!doc.json) continue;
    const as = doc.json as unknown as AuthorizationServer;
    if (typeof as.issuer !== 'string' || safeOrigin(as.issuer) !== origin) {
      throw new OAuthError('issuer_mismatch', `The authorization server metadata at ${origin} names an issuer on another origin. Keyport stopped for your safety; contact the server's operator.`, { url });
    }
    return { as, source: 'legacy-metadata', url };
  }
  return {
    source: 'legacy-defaults',
    as: {
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
      code_challenge_methods_supported: ['S256'],
    },
  };
}

/**
 * PKCE policy (OAuth 2.1 §7.5.2, MCP "Authorization Code Protection"): the AS must advertise S256, unless the
 * server's settings say it supports S256 without saying so (Entra ID's v2.0 document, GitHub). S256 is sent either
 * way; the setting only replaces the advertisement. Returns what the trace shows.
 */
export function assertPkceS256(as: AuthorizationServer, options: { readonly assumeS256?: boolean } = {}): string {
  if (as.code_challenge_methods_supported?.includes('S256')) return 'S256 advertised';
  if (options.assumeS256 === true) return 'S256 not advertised; assumed because the server settings say the authorization server supports it';
  throw new OAuthError(
    'pkce_unsupported',
    `The authorization server ${as.issuer} does not advertise PKCE with S256, which MCP requires, so Keyport did not sign in. If you know it supports S256 (Entra ID and GitHub do), turn on Edit → Advanced → "Supports PKCE S256" (CLI: keyport servers edit <server> --assume-pkce-s256); otherwise contact the server's operator.`,
  );
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
