/**
 * What every provider emulation shares: the shape a test or the demo gets back (MCP URL, authorization server and
 * its log, "what a user enters in Keyport"), the compatibility settings described as plain data, the resource-side
 * token checks (opaque tokens looked up at the emulated AS, JWTs verified with its keys; Bearer only, as every real
 * provider's MCP server is), and the login through the automated user agent.
 */
import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { ACCOUNTS } from '../accounts.ts';
import type { AuthLogFilter, AuthRequestRecord } from '../auth-server.ts';
import { BEARER_ONLY_DESCRIPTION } from '../mcp-auth.ts';
import type { AuthOutcome, TokenVerifier } from '../mcp-auth.ts';
import { startMcpServer } from '../mcp-server.ts';
import type { McpServerOptions, McpTestServer } from '../mcp-server.ts';
import type { ScopeVocabulary } from '../resource-gate.ts';
import { completeLogin } from '../user-agent.ts';
import type { CompleteLoginOptions, LoginCredentials, LoginResult } from '../user-agent.ts';
import type { ClientAuthMethod, MiniAuthServer } from './mini-as.ts';

/** The emulated providers (issue 12's list; Slack and Salesforce are two flavours of redirect-URI restrictions). */
export const PROVIDER_IDS = [
  'entra',
  'google',
  'github',
  'linear',
  'atlassian',
  'auth0',
  'okta',
  'keycloak',
  'figma',
  'cloudflare',
  'notion',
  'slack',
  'salesforce',
] as const;

/** One of {@link PROVIDER_IDS}. */
export type ProviderId = (typeof PROVIDER_IDS)[number];

/**
 * The per-server compatibility settings a user may need (issue 12, "Per-server compatibility settings"), as plain
 * data. Names follow the config schema where it has the setting already (`scope`, `tokenEndpointAuthMethod`,
 * `callbackPort`); the rest name what the issue describes. An absent field means Keyport's default.
 */
export interface CompatibilitySettings {
  /** RFC 8707 `resource`: sent (`on`, the default), left out (`off`), or this value sent instead. */
  readonly resourceParameter?: 'on' | 'off' | { readonly value: string };
  /** An `audience` authorization parameter (Auth0). */
  readonly audience?: string;
  /** Extra authorization-request parameters (e.g. `access_type=offline`, `prompt=select_account`). */
  readonly extraAuthorizationParams?: Readonly<Record<string, string>>;
  /** Scopes to request instead of the discovered ones (space-separated). */
  readonly scope?: string;
  /** Loopback callback host (default 127.0.0.1). */
  readonly callbackHost?: '127.0.0.1' | 'localhost' | '[::1]';
  /** A fixed callback port (default ephemeral). */
  readonly callbackPort?: number;
  /** The callback path (default `/callback`). */
  readonly callbackPath?: string;
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /** The issuer to accept when the documents disagree (e.g. a trailing slash). */
  readonly acceptedIssuer?: string;
  /** For an authorization server that publishes no metadata. */
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
  /** Accept an authorization server whose metadata does not list `S256` (PKCE S256 is still sent). */
  readonly acceptS256WithoutAdvertisement?: boolean;
}

/** What a user enters in Keyport to use a provider's MCP server. */
export interface KeyportEntry {
  /** The MCP server URL to add. */
  readonly url: string;
  /** A pre-registered client, when the provider has no (usable) dynamic registration. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly settings: CompatibilitySettings;
  /** Human-readable lines (the demo prints them). */
  readonly instructions: readonly string[];
  /** What happens with Keyport's defaults and no settings, when that differs from a working sign-in. */
  readonly withDefaults?: string;
}

/** The authorization-server side every emulation exposes (the test bed's oidc-provider AS and the mini AS both fit). */
export interface ProviderAuthServer {
  readonly issuer: string;
  readonly port: number;
  /** Every request seen; no secrets (params by value only when harmless, see request-log.ts). */
  readonly log: readonly AuthRequestRecord[];
  count(filter?: AuthLogFilter): number;
  clearLog(): void;
  setTokenTtls(ttls: { readonly accessToken?: number; readonly refreshToken?: number }): void;
  close(): Promise<void>;
}

/** A running provider emulation. */
export interface ProviderEmulation {
  readonly id: ProviderId;
  /** E.g. "Microsoft Entra ID". */
  readonly name: string;
  /** The behaviours reproduced (also the file's doc comment). */
  readonly facts: readonly string[];
  readonly mcpUrl: string;
  readonly mcpServer: McpTestServer;
  readonly authServer: ProviderAuthServer;
  readonly entry: KeyportEntry;
  /** The account a journey signs in with by default (alice). */
  readonly account: LoginCredentials;
  /** Runs the provider's login pages for an authorization URL with the automated user agent (default: {@link account}). */
  login(authorizationUrl: string | URL, options?: ProviderLoginOptions): Promise<LoginResult>;
  close(): Promise<void>;
}

/** Options of {@link ProviderEmulation.login}. */
export interface ProviderLoginOptions extends CompleteLoginOptions {
  readonly credentials?: LoginCredentials;
}

/** Ports and lifetimes any emulation takes. */
export interface ProviderOptions {
  /** Port of the authorization server (default ephemeral). */
  readonly asPort?: number;
  /** Port of the MCP server (default ephemeral). */
  readonly mcpPort?: number;
  /** Access-token lifetime in seconds (default: the provider's own). */
  readonly accessTokenTtl?: number;
}

/** The default journey account. */
export const DEFAULT_ACCOUNT: LoginCredentials = { username: ACCOUNTS.alice.username, password: ACCOUNTS.alice.password };

/** {@link ProviderEmulation.login} for any emulation. */
export function providerLogin(authorizationUrl: string | URL, options: ProviderLoginOptions = {}): Promise<LoginResult> {
  const { credentials = DEFAULT_ACCOUNT, ...rest } = options;
  return completeLogin(authorizationUrl, credentials, rest);
}

/** What the resource side needs to check a presented token. */
export interface ResourceTokenRules {
  /**
   * Scheme rule: `case-insensitive` (RFC 7235: any case of `Bearer`), `exact` (only `Bearer` spelled so, as Linear),
   * or a list of accepted schemes compared case-insensitively (GitHub also takes `token`).
   */
  readonly scheme: 'case-insensitive' | 'exact' | readonly string[];
}

/**
 * Verifies opaque tokens by looking them up at the emulated AS (in-process introspection), for a resource that
 * accepts tokens whose audience is one of `audiences(resource)` (undefined: any audience).
 */
export function opaqueVerifier(as: MiniAuthServer, rules: ResourceTokenRules, audiences?: (resource: string) => readonly (string | undefined)[]): (resource: string) => TokenVerifier {
  return (resource) => async (req) => {
    const presented = presentedToken(req, rules);
    if (!presented.ok) return presented;
    const found = as.introspect(presented.raw);
    if (!found) return fail('invalid_token', 'the access token is unknown, expired or revoked');
    if (audiences && !audiences(resource).includes(found.audience)) return fail('invalid_token', 'the access token is not for this resource');
    return {
      ok: true,
      raw: presented.raw,
      token: { subject: found.sub, clientId: found.clientId, scopes: found.scopes, expiresAt: found.expiresAt, jkt: undefined, claims: { sub: found.sub } },
    };
  };
}

/** Verifies JWT access tokens with the AS's keys: `iss`, an accepted `aud`, `exp`; scopes from `scope` or `scp`. */
export function jwtVerifier(options: {
  readonly issuer: string;
  readonly keys: readonly JWK[];
  readonly audiences: (resource: string) => readonly string[];
  readonly rules: ResourceTokenRules;
  /** Reads the subject when it is not `sub` (default `sub`). */
  readonly subject?: (claims: JWTPayload) => string;
  /** Reads the scopes in the provider's vocabulary (default: `scope`, else `scp`, split on spaces). */
  readonly scopes?: (claims: JWTPayload) => readonly string[];
}): (resource: string) => TokenVerifier {
  const keys = createLocalJWKSet({ keys: [...options.keys] });
  return (resource) => async (req) => {
    const presented = presentedToken(req, options.rules);
    if (!presented.ok) return presented;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(presented.raw, keys, { issuer: options.issuer, audience: [...options.audiences(resource)], clockTolerance: 0, requiredClaims: ['exp'] }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      const claim = (error as { claim?: string }).claim;
      const description =
        code === 'ERR_JWT_EXPIRED'
          ? 'access token expired'
          : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
            ? `access token claim check failed: ${claim ?? 'unknown'}`
            : 'the access token is not a JWT this resource can verify';
      return fail('invalid_token', description);
    }
    const scopeText = typeof claims.scope === 'string' ? claims.scope : typeof claims.scp === 'string' ? claims.scp : '';
    return {
      ok: true,
      raw: presented.raw,
      token: {
        subject: options.subject ? options.subject(claims) : String(claims.sub ?? ''),
        clientId: String(claims.client_id ?? claims.azp ?? claims.cid ?? ''),
        scopes: options.scopes ? options.scopes(claims) : scopeText.split(' ').filter(Boolean),
        expiresAt: Number(claims.exp),
        jkt: undefined,
        claims,
      },
    };
  };
}

/** The token of a Bearer-only resource's request, or the 401 to answer. */
function presentedToken(req: IncomingMessage, rules: ResourceTokenRules): { readonly ok: true; readonly raw: string } | (AuthOutcome & { readonly ok: false }) {
  const header = req.headers.authorization;
  if (!header) return { ok: false, scheme: 'Bearer', error: undefined, description: undefined };
  // Any visible characters: real providers' opaque tokens are not always RFC 6750 b64token (workers-oauth-provider's
  // contain colons).
  const match = /^(\S+) +([\x21-\x7e]+)$/.exec(header.trim());
  if (!match) return fail('invalid_request', 'malformed Authorization header');
  const scheme = match[1] ?? '';
  const accepted =
    rules.scheme === 'exact'
      ? scheme === 'Bearer'
      : rules.scheme === 'case-insensitive'
        ? scheme.toLowerCase() === 'bearer'
        : rules.scheme.some((name) => name.toLowerCase() === scheme.toLowerCase());
  if (!accepted) return fail('invalid_token', rules.scheme === 'exact' && scheme.toLowerCase() === 'bearer' ? 'the scheme must be written "Bearer"' : BEARER_ONLY_DESCRIPTION);
  return { ok: true, raw: match[2] ?? '' };
}

function fail(error: 'invalid_token' | 'invalid_request', description: string): AuthOutcome & { readonly ok: false } {
  return { ok: false, scheme: 'Bearer', error, description };
}

/** Options of {@link startProviderMcp}. */
export interface ProviderMcpOptions {
  readonly port?: number | undefined;
  /** The AS the metadata names and the tools report. */
  readonly issuer: string;
  readonly verifier: (resource: string) => TokenVerifier;
  readonly scopes: ScopeVocabulary;
  readonly resourceName: string;
  /** `authorization_servers` of the metadata (default the issuer). */
  readonly authorizationServers?: readonly string[];
  readonly challengeScope?: string;
  readonly metadata?: McpServerOptions['metadata'];
  readonly customize?: McpServerOptions['customize'];
}

/** The provider's MCP server: the test bed's tools behind the provider's token rules, Bearer only (no DPoP). */
export function startProviderMcp(options: ProviderMcpOptions): Promise<McpTestServer> {
  return startMcpServer({
    ...(options.port !== undefined ? { port: options.port } : {}),
    issuer: options.issuer,
    verifier: options.verifier,
    dpop: 'bearer-only',
    scopes: options.scopes,
    resourceName: options.resourceName,
    challengeScope: options.challengeScope ?? `${options.scopes.names['mcp:read']} ${options.scopes.names['mcp:write']}`,
    ...(options.authorizationServers ? { authorizationServers: options.authorizationServers } : {}),
    ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
    ...(options.customize ? { customize: options.customize } : {}),
  });
}

/** What a provider module builds once its authorization server runs; {@link startEmulation} adds the rest. */
export type EmulationParts = Omit<ProviderEmulation, 'mcpUrl' | 'account' | 'login' | 'close'>;

/**
 * Starts an emulation: the authorization server, then the rest built on it (its MCP server, what to enter). Adds the
 * default account, the user-agent login and `close()`, and closes the authorization server if the rest fails.
 */
export async function startEmulation<S extends ProviderAuthServer>(startAs: () => Promise<S>, build: (as: S) => Promise<EmulationParts>): Promise<ProviderEmulation> {
  const as = await startAs();
  try {
    const parts = await build(as);
    return { ...parts, mcpUrl: parts.mcpServer.url, account: DEFAULT_ACCOUNT, login: providerLogin, close: () => closeAll(parts.mcpServer, as) };
  } catch (error) {
    await closeAll(as);
    throw error;
  }
}

/**
 * A pre-registered public native client in oidc-provider's metadata (the Keycloak/Okta emulations): no secret,
 * `http://127.0.0.1/callback` on any port (RFC 8252 §7.3).
 */
export function nativePublicClient(clientId: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: 'Keyport',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
}

/** Closes an emulation's servers, whatever failed to start. */
export async function closeAll(...closers: readonly ({ close(): Promise<void> } | undefined)[]): Promise<void> {
  await Promise.allSettled(closers.map((closer) => closer?.close()));
}
