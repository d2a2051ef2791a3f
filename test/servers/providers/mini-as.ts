/**
 * A small hand-written OAuth 2.0 authorization server on node:http (127.0.0.1 only), the base of the provider
 * emulations that deviate from the specs in ways oidc-provider cannot be configured into: metadata in odd places or
 * none at all, string `expires_in`, form-encoded token responses, errors with HTTP 200, parameters refused or
 * ignored, redirect URIs matched a provider's way. Each emulation configures it with hooks; the core enforces what it
 * claims for every provider:
 *
 * - the client: known id, its redirect URI (the provider's matching rule), its authentication method at the token
 *   endpoint (a public client sends none; a confidential one must send its secret, by Basic or in the body);
 * - PKCE (RFC 7636): `S256` verified at the token endpoint when a challenge was sent (required where the provider
 *   requires it; `plain` only where allowed);
 * - codes: single use, 60 s, bound to client, redirect URI and verifier;
 * - scopes: per the provider's classifier (unknown scopes refused or dropped), capped by the account (consent page
 *   with the test bed's checkboxes: alice/bob/admin as in accounts.ts);
 * - refresh tokens: issued when the provider's rule says so, rotated per its policy (kept, single use, reuse revokes
 *   the family, or the previous one kept until the new one is used), with lifetimes;
 * - a request log with no secrets (request-log.ts), in the test bed's `AuthRequestRecord` shape.
 *
 * Login and consent pages are plain forms the automated user agent (user-agent.ts) drives; there is no browser
 * session, so every authorization asks for the password again.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { checkTestCredentials, findTestAccount } from '../accounts.ts';
import type { McpScope, TestAccount } from '../accounts.ts';
import type { AuthEndpoint, AuthLogFilter, AuthRequestRecord } from '../auth-server.ts';
import { PAGE_CSP, escapeHtml, htmlPage } from '../html.ts';
import { closeServer, listen, readBody } from '../net.ts';
import { clientAuthUsed, loggedParams } from '../request-log.ts';

/** How a client authenticates at the token endpoint. */
export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

/** A registered client (pre-registered by the emulation, or dynamically registered). */
export interface MiniClient {
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly redirectUris: readonly string[];
  readonly authMethod: ClientAuthMethod;
  readonly name?: string | undefined;
}

/** What a requested scope is to the provider. `foreign` scopes belong to another API and are granted without a checkbox. */
export type ScopeKind =
  | { readonly kind: 'identity' }
  | { readonly kind: 'mcp'; readonly grants: readonly McpScope[] }
  | { readonly kind: 'foreign' }
  | { readonly kind: 'unknown' };

/** An OAuth error to send (`status` for the token endpoint; authorization errors go back to the redirect URI). */
export interface OAuthProblem {
  readonly error: string;
  readonly description: string;
  readonly status?: number;
}

/** An HTTP answer a hook shapes (status, headers, body text). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the user authorized: the basis of every token of one grant (and its refreshes). */
export interface Grant {
  readonly sub: string;
  readonly clientId: string;
  /** Granted scopes, in the provider's vocabulary (identity scopes included). */
  readonly scopes: readonly string[];
  /** The harmless authorization-request parameters (resource, audience, prompt, access_type, …). */
  readonly request: Readonly<Record<string, string>>;
  readonly nonce: string | undefined;
  readonly authTime: number;
}

/** An access token the AS issued, as the resource side sees it after looking it up (introspection in-process). */
export interface IssuedAccessToken {
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly audience: string | undefined;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

/** What the access-token hook returns. */
export interface AccessTokenResult {
  readonly token: string;
  readonly audience?: string | undefined;
  /** Scopes the token carries, when narrower than the grant's (e.g. only one API's). */
  readonly scopes?: readonly string[];
}

/** Tools the access-token hook gets. */
export interface TokenContext {
  readonly issuer: string;
  readonly ttl: number;
  /** Signs claims as an RS256 JWT with this AS's key (`typ` default `JWT`). */
  sign(claims: Record<string, unknown>, typ?: string): Promise<string>;
  /** A random opaque token with the given prefix. */
  opaque(prefix?: string): string;
}

/** How refresh tokens behave on use. */
export type RefreshRotation =
  /** The same refresh token keeps working; the response carries none. */
  | 'none'
  /** A new one each time; the old one keeps working too (Entra). */
  | 'rotate-keep-old'
  /** A new one each time; the old one is dead (`invalid_grant`), the rest of the family lives (Notion, GitHub). */
  | 'single-use'
  /** A new one each time; reusing an old one revokes the whole family (Auth0-style reuse detection). */
  | 'reuse-revokes-family'
  /** A new one each time; the previous one stays valid until the new one is used (workers-oauth-provider). */
  | 'keep-previous-until-used';

/** URLs of a running mini AS, for the metadata hook. */
export interface MiniAsUrls {
  readonly origin: string;
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly registrationEndpoint: string | undefined;
  readonly revocationEndpoint: string | undefined;
  readonly jwksUri: string | undefined;
}

/** The configuration of one emulated provider's authorization server. */
export interface MiniAsConfig {
  /** Shown on the login and consent pages. */
  readonly label: string;
  readonly port?: number;
  /** The issuer identifier from the origin (`http://127.0.0.1:<port>`). */
  readonly issuer: (origin: string) => string;
  /** Endpoint paths on the origin. */
  readonly paths: {
    readonly authorize: string;
    readonly token: string;
    readonly registration?: string;
    readonly revocation?: string;
    readonly jwks?: string;
  };
  /** Metadata documents: where they are served and what they say (none: no metadata at all). */
  readonly metadata?: { readonly paths: readonly string[]; readonly document: (urls: MiniAsUrls) => Record<string, unknown> };
  readonly clients?: readonly MiniClient[];
  /** Dynamic registration policy (only with `paths.registration`): the method to give a client asking for `requested`, or a refusal. */
  readonly registration?: (requested: Readonly<Record<string, unknown>>, req: IncomingMessage) => ClientAuthMethod | HttpAnswer;
  readonly pkce: { readonly required: boolean; readonly methods: readonly ('S256' | 'plain')[] };
  /** Whether `requested` is an acceptable redirect URI for `client`. */
  readonly redirectAllowed: (client: MiniClient, requested: URL) => boolean;
  /** What a requested scope is. */
  readonly classifyScope: (scope: string) => ScopeKind;
  /** `reject`: an unknown scope fails the authorization with `invalid_scope`; `ignore`: it is dropped. */
  readonly unknownScopes: 'reject' | 'ignore';
  /** Send `iss` in the authorization response (RFC 9207). */
  readonly issParameter?: boolean;
  /** A provider-specific refusal of an authorization request (sent to the redirect URI). */
  readonly checkAuthorization?: (params: URLSearchParams, client: MiniClient, kinds: ReadonlyMap<string, ScopeKind>) => OAuthProblem | undefined;
  /** A provider-specific refusal of a token request (after client authentication). */
  readonly checkTokenRequest?: (params: URLSearchParams, client: MiniClient) => OAuthProblem | undefined;
  /** Mints the access token of a grant. */
  readonly accessToken: (grant: Grant, context: TokenContext) => Promise<AccessTokenResult>;
  readonly accessTokenTtl: number;
  readonly refresh: {
    /** Whether this grant gets a refresh token (checked at the code exchange). */
    readonly issue: (grant: Grant) => boolean;
    readonly rotation: RefreshRotation;
    /** Seconds; default 90 days. */
    readonly ttl?: number;
    /** Extra members for the token response, e.g. GitHub's `refresh_token_expires_in`. */
    readonly extra?: (ttl: number) => Record<string, unknown>;
  };
  /** Issue an ID token when `openid` is granted (with this `iss`, default the issuer). */
  readonly idToken?: { readonly issuer?: (issuer: string) => string };
  /** Shapes a successful token response (default: JSON). */
  readonly tokenResponse?: (body: Record<string, unknown>, req: IncomingMessage) => HttpAnswer;
  /** Shapes a token-endpoint error (default: JSON with the problem's status, 400). */
  readonly tokenError?: (problem: OAuthProblem, req: IncomingMessage) => HttpAnswer;
  /** The problem for a confidential client that sent no secret (default 401 `invalid_client`). */
  readonly missingSecret?: OAuthProblem;
  /** `token_type` of token responses (default `Bearer`). */
  readonly tokenType?: string;
}

/** A running mini authorization server. */
export interface MiniAuthServer {
  readonly issuer: string;
  readonly origin: string;
  readonly port: number;
  readonly urls: MiniAsUrls;
  /** Every request seen, oldest first (live view); no secrets. */
  readonly log: readonly AuthRequestRecord[];
  /** The public signing key set. */
  readonly jwks: { readonly keys: readonly JWK[] };
  count(filter?: AuthLogFilter): number;
  clearLog(): void;
  /** Registers (or replaces) a client. */
  addClient(client: MiniClient): void;
  /** Looks an access token up (undefined when unknown, expired or revoked): the resource side's introspection. */
  introspect(token: string): IssuedAccessToken | undefined;
  /** Changes lifetimes of tokens issued from now on (seconds). */
  setTokenTtls(ttls: { readonly accessToken?: number; readonly refreshToken?: number }): void;
  close(): Promise<void>;
}

interface PendingAuthorization {
  readonly client: MiniClient;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly challenge: string | undefined;
  readonly challengeMethod: string | undefined;
  readonly scopes: readonly string[];
  readonly kinds: ReadonlyMap<string, ScopeKind>;
  readonly request: Readonly<Record<string, string>>;
  readonly nonce: string | undefined;
  readonly expiresAt: number;
  account?: TestAccount;
}

interface CodeRecord {
  readonly grant: Grant;
  readonly redirectUri: string;
  readonly challenge: string | undefined;
  readonly challengeMethod: string | undefined;
  readonly expiresAt: number;
  used: boolean;
}

interface RefreshRecord {
  readonly grant: Grant;
  readonly family: string;
  readonly expiresAt: number;
  /** Used up (`single-use`, `reuse-revokes-family`). */
  dead: boolean;
}

/** `keep-previous-until-used`: the family's newest refresh token and the one before it (still valid until the newest is used). */
interface FamilyTokens {
  current: string;
  previous: string | undefined;
}

interface AccessRecord extends IssuedAccessToken {
  readonly family: string | undefined;
  revoked: boolean;
}

const CODE_TTL_MS = 60_000;
const PENDING_TTL_MS = 10 * 60_000;

/** Starts a mini authorization server configured for one provider. */
export async function startMiniAs(config: MiniAsConfig): Promise<MiniAuthServer> {
  const log: AuthRequestRecord[] = [];
  const clients = new Map<string, MiniClient>((config.clients ?? []).map((client) => [client.clientId, client]));
  const pending = new Map<string, PendingAuthorization>();
  const codes = new Map<string, CodeRecord>();
  const refreshTokens = new Map<string, RefreshRecord>();
  const accessTokens = new Map<string, AccessRecord>();
  const deadFamilies = new Set<string>();
  const familyTokens = new Map<string, FamilyTokens>();
  const codeFamilies = new WeakMap<CodeRecord, string>();
  const ttls = { accessToken: config.accessTokenTtl, refreshToken: config.refresh.ttl ?? 90 * 24 * 3600 };

  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `zoo-${randomBytes(4).toString('hex')}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error(`[${config.label}] request failed:`, error);
      if (!res.headersSent) send(res, { status: 500, headers: { 'Content-Type': 'application/json' }, body: '{"error":"server_error"}' });
      else res.destroy();
    });
  });
  await listen(server, config.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const issuer = config.issuer(origin);
  const at = (path: string | undefined) => (path === undefined ? undefined : `${origin}${path}`);
  const urls: MiniAsUrls = {
    origin,
    issuer,
    authorizationEndpoint: `${origin}${config.paths.authorize}`,
    tokenEndpoint: `${origin}${config.paths.token}`,
    registrationEndpoint: at(config.paths.registration),
    revocationEndpoint: at(config.paths.revocation),
    jwksUri: at(config.paths.jwks),
  };

  const context: TokenContext = {
    issuer,
    get ttl() {
      return ttls.accessToken;
    },
    sign: (claims, typ = 'JWT') => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ }).sign(privateKey),
    opaque: (prefix = '') => `${prefix}${randomBytes(24).toString('base64url')}`,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const record: { -readonly [K in keyof AuthRequestRecord]: AuthRequestRecord[K] } = {
      endpoint: endpointOf(url.pathname),
      route: undefined,
      method: req.method ?? 'GET',
      path: url.pathname,
      grantType: undefined,
      clientId: undefined,
      status: 0,
      error: undefined,
      time: Date.now(),
      ...loggedParams(url.searchParams),
    };
    log.push(record);
    res.once('close', () => {
      record.status = res.statusCode;
    });
    const note = (fields: Partial<typeof record>) => Object.assign(record, fields);

    if (config.metadata?.paths.includes(url.pathname) && req.method === 'GET') {
      return sendJson(res, 200, config.metadata.document(urls));
    }
    if (url.pathname === config.paths.jwks && req.method === 'GET') return sendJson(res, 200, { keys: [publicJwk] });
    if (url.pathname === config.paths.authorize && req.method === 'GET') return authorize(url, res, note);
    if (url.pathname.startsWith('/__login/') && req.method === 'POST') return login(url, req, res);
    if (url.pathname.startsWith('/__consent/') && req.method === 'POST') return consent(url, req, res, note);
    if (url.pathname === config.paths.token && req.method === 'POST') return token(req, res, note);
    if (url.pathname === config.paths.registration && req.method === 'POST') return register(req, res, note);
    if (url.pathname === config.paths.revocation && req.method === 'POST') return revoke(req, res, note);
    return sendJson(res, 404, { error: 'not_found' });
  }

  function endpointOf(path: string): AuthEndpoint {
    if (path === config.paths.authorize) return 'authorization';
    if (path === config.paths.token) return 'token';
    if (path === config.paths.registration) return 'registration';
    if (path === config.paths.revocation) return 'revocation';
    if (path === config.paths.jwks) return 'jwks';
    if (config.metadata?.paths.includes(path)) return 'discovery';
    if (path.startsWith('/__login/') || path.startsWith('/__consent/')) return 'interaction';
    return 'other';
  }

  // --- authorization endpoint -------------------------------------------------------------------------------------

  function authorize(url: URL, res: ServerResponse, note: (fields: Partial<AuthRequestRecord>) => void): void {
    const params = url.searchParams;
    const clientId = params.get('client_id') ?? '';
    note({ clientId: clientId || undefined });
    const client = clients.get(clientId);
    if (!client) return errorPage(res, 400, 'invalid_client', `${config.label} does not know this application (client_id).`);
    const redirectParam = params.get('redirect_uri') ?? client.redirectUris[0] ?? '';
    const redirect = URL.parse(redirectParam);
    if (!redirect || !config.redirectAllowed(client, redirect)) {
      return errorPage(res, 400, 'redirect_uri_mismatch', `The redirect URI is not registered for this application: ${redirectParam}`);
    }
    const state = params.get('state') ?? undefined;
    const back = (problem: OAuthProblem) => {
      note({ error: problem.error });
      redirectWith(res, redirect, { error: problem.error, error_description: problem.description, ...(state ? { state } : {}), ...issParam() });
    };
    if (params.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', description: 'only response_type=code is supported' });
    const challenge = params.get('code_challenge') ?? undefined;
    const method = challenge ? (params.get('code_challenge_method') ?? 'plain') : undefined;
    if (!challenge && config.pkce.required) return back({ error: 'invalid_request', description: 'code_challenge is required (PKCE)' });
    if (method && !(config.pkce.methods as readonly string[]).includes(method)) {
      return back({ error: 'invalid_request', description: `code_challenge_method ${method} is not supported` });
    }
    if (challenge && !/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge)) return back({ error: 'invalid_request', description: 'malformed code_challenge' });

    const requested = (params.get('scope') ?? '').split(/[ ,]+/).filter(Boolean);
    const kinds = new Map<string, ScopeKind>();
    for (const scope of requested) kinds.set(scope, config.classifyScope(scope));
    const unknown = [...kinds].filter(([, kind]) => kind.kind === 'unknown').map(([scope]) => scope);
    if (unknown.length && config.unknownScopes === 'reject') return back({ error: 'invalid_scope', description: `unsupported scope: ${unknown.join(' ')}` });
    const problem = config.checkAuthorization?.(params, client, kinds);
    if (problem) return back(problem);

    const id = randomBytes(16).toString('base64url');
    const scopes = [...kinds].filter(([, kind]) => kind.kind !== 'unknown').map(([scope]) => scope);
    pending.set(id, {
      client,
      redirectUri: redirect.href,
      state,
      challenge,
      challengeMethod: method,
      scopes,
      kinds,
      request: loggedParams(params).params,
      nonce: params.get('nonce') ?? undefined,
      expiresAt: Date.now() + PENDING_TTL_MS,
    });
    sendHtml(res, 200, loginPage(id, client, undefined));
  }

  function issParam(): Record<string, string> {
    return config.issParameter ? { iss: issuer } : {};
  }

  function takePending(url: URL): [string, PendingAuthorization] | undefined {
    const id = url.pathname.split('/')[2] ?? '';
    const found = pending.get(id);
    if (!found || found.expiresAt < Date.now()) return undefined;
    return [id, found];
  }

  async function login(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const found = takePending(url);
    if (!found) return errorPage(res, 400, 'expired', 'This sign-in request has expired or is unknown. Start again from the application.');
    const [id, request] = found;
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    const account = checkTestCredentials(form.get('username') ?? '', form.get('password') ?? '');
    if (!account) return sendHtml(res, 401, loginPage(id, request.client, 'Invalid username or password.'));
    request.account = account;
    sendHtml(res, 200, consentPage(id, request, account));
  }

  async function consent(url: URL, req: IncomingMessage, res: ServerResponse, note: (fields: Partial<AuthRequestRecord>) => void): Promise<void> {
    const found = takePending(url);
    if (!found || !found[1].account) return errorPage(res, 400, 'expired', 'This sign-in request has expired or is unknown. Start again from the application.');
    const [id, request] = found;
    pending.delete(id);
    const account = request.account!;
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    const redirect = new URL(request.redirectUri);
    const state: Record<string, string> = request.state ? { state: request.state } : {};
    if (form.get('decision') !== 'allow') {
      note({ error: 'access_denied' });
      return redirectWith(res, redirect, { error: 'access_denied', error_description: 'The user denied the request.', ...state, ...issParam() });
    }
    const ticked = new Set(form.has('scope_choice') ? form.getAll('scope') : request.scopes.filter((scope) => consentState(request.kinds.get(scope), account) === 'default'));
    const granted = request.scopes.filter((scope) => {
      const kind = request.kinds.get(scope);
      if (kind?.kind !== 'mcp') return true;
      return ticked.has(scope) && kind.grants.every((mcp) => account.grantableScopes.includes(mcp));
    });
    const grant: Grant = { sub: account.username, clientId: request.client.clientId, scopes: granted, request: request.request, nonce: request.nonce, authTime: Math.floor(Date.now() / 1000) };
    const code = randomBytes(24).toString('base64url');
    codes.set(code, { grant, redirectUri: request.redirectUri, challenge: request.challenge, challengeMethod: request.challengeMethod, expiresAt: Date.now() + CODE_TTL_MS, used: false });
    redirectWith(res, redirect, { code, ...state, ...issParam() });
  }

  // --- token endpoint ---------------------------------------------------------------------------------------------

  async function token(req: IncomingMessage, res: ServerResponse, note: (fields: Partial<AuthRequestRecord>) => void): Promise<void> {
    const params = new URLSearchParams(await readBody(req, 64 * 1024));
    note({ ...loggedParams(params), grantType: params.get('grant_type') ?? undefined, clientAuth: clientAuthUsed(req.headers, params) });
    const fail = (problem: OAuthProblem) => {
      note({ error: problem.error });
      send(res, config.tokenError ? config.tokenError(problem, req) : jsonAnswer(problem.status ?? 400, { error: problem.error, error_description: problem.description }));
    };
    const authenticated = authenticateClient(req, params);
    if ('error' in authenticated) return fail(authenticated);
    const client = authenticated;
    note({ clientId: client.clientId });
    const problem = config.checkTokenRequest?.(params, client);
    if (problem) return fail(problem);

    const grantType = params.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = codes.get(params.get('code') ?? '');
      if (!code || code.expiresAt < Date.now() || code.grant.clientId !== client.clientId) {
        return fail({ error: 'invalid_grant', description: 'the authorization code is invalid or expired' });
      }
      if (code.used) {
        revokeFamilyOfCode(code);
        return fail({ error: 'invalid_grant', description: 'the authorization code was already used' });
      }
      code.used = true;
      if ((params.get('redirect_uri') ?? code.redirectUri) !== code.redirectUri) return fail({ error: 'invalid_grant', description: 'redirect_uri does not match the authorization request' });
      const verifierProblem = checkVerifier(code, params.get('code_verifier') ?? undefined);
      if (verifierProblem) return fail(verifierProblem);
      const family = randomBytes(12).toString('base64url');
      codeFamilies.set(code, family);
      return send(res, await tokenAnswer(req, code.grant, family, config.refresh.issue(code.grant)));
    }
    if (grantType === 'refresh_token') {
      const presented = params.get('refresh_token') ?? '';
      const refresh = refreshTokens.get(presented);
      if (!refresh || refresh.grant.clientId !== client.clientId || refresh.expiresAt < Date.now() || deadFamilies.has(refresh.family)) {
        return fail({ error: 'invalid_grant', description: 'the refresh token is invalid, expired or revoked' });
      }
      const rotation = config.refresh.rotation;
      if (refresh.dead) {
        if (rotation === 'reuse-revokes-family') revokeFamily(refresh.family);
        return fail({ error: 'invalid_grant', description: 'the refresh token was already used' });
      }
      if (rotation === 'keep-previous-until-used') {
        const tokens = familyTokens.get(refresh.family);
        if (!tokens || (tokens.current !== presented && tokens.previous !== presented)) {
          return fail({ error: 'invalid_grant', description: 'the refresh token was replaced' });
        }
        // Using the newest retires the one before it; using the previous one again leaves it valid (a retry).
        if (tokens.current === presented && tokens.previous) refreshTokens.delete(tokens.previous);
        if (tokens.current === presented) tokens.previous = presented;
        else refreshTokens.delete(tokens.current);
      } else if (rotation === 'single-use' || rotation === 'reuse-revokes-family') {
        refresh.dead = true;
      }
      return send(res, await tokenAnswer(req, refresh.grant, refresh.family, rotation !== 'none'));
    }
    return fail({ error: 'unsupported_grant_type', description: `grant_type ${grantType ?? '(none)'} is not supported` });
  }

  function revokeFamilyOfCode(code: CodeRecord): void {
    const family = codeFamilies.get(code);
    if (family) revokeFamily(family);
  }

  function revokeFamily(family: string): void {
    deadFamilies.add(family);
    for (const record of accessTokens.values()) if (record.family === family) record.revoked = true;
  }

  function checkVerifier(code: CodeRecord, verifier: string | undefined): OAuthProblem | undefined {
    if (!code.challenge) return verifier ? { error: 'invalid_grant', description: 'code_verifier sent without a code_challenge' } : undefined;
    if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return { error: 'invalid_grant', description: 'code_verifier is missing or malformed' };
    const computed = code.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    return safeEqual(computed, code.challenge) ? undefined : { error: 'invalid_grant', description: 'PKCE verification failed' };
  }

  function authenticateClient(req: IncomingMessage, params: URLSearchParams): MiniClient | OAuthProblem {
    const basic = /^basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    let id = params.get('client_id') ?? undefined;
    let secret = params.get('client_secret') ?? undefined;
    if (basic) {
      const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return { error: 'invalid_client', description: 'malformed Basic credentials', status: 401 };
      id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
    const client = id === undefined ? undefined : clients.get(id);
    if (!client) return { error: 'invalid_client', description: 'unknown client', status: 401 };
    if (client.authMethod === 'none') {
      return secret === undefined ? client : { error: 'invalid_client', description: 'this client is public: it has no secret to send', status: 401 };
    }
    if (secret === undefined) return config.missingSecret ?? { error: 'invalid_client', description: 'client authentication required', status: 401 };
    if (!client.clientSecret || !safeEqual(secret, client.clientSecret)) return { error: 'invalid_client', description: 'client authentication failed', status: 401 };
    return client;
  }

  async function tokenAnswer(req: IncomingMessage, grant: Grant, family: string, withRefresh: boolean): Promise<HttpAnswer> {
    const refreshing = familyTokens.has(family) || [...refreshTokens.values()].some((record) => record.family === family);
    const minted = await config.accessToken(grant, context);
    const now = Math.floor(Date.now() / 1000);
    const scopes = minted.scopes ?? grant.scopes;
    accessTokens.set(minted.token, { sub: grant.sub, clientId: grant.clientId, scopes, audience: minted.audience, expiresAt: now + ttls.accessToken, family, revoked: false });
    const body: Record<string, unknown> = {
      access_token: minted.token,
      token_type: config.tokenType ?? 'Bearer',
      expires_in: ttls.accessToken,
      scope: scopes.join(' '),
    };
    if (withRefresh) {
      const value = randomBytes(32).toString('base64url');
      refreshTokens.set(value, { grant, family, expiresAt: Date.now() + ttls.refreshToken * 1000, dead: false });
      if (config.refresh.rotation === 'keep-previous-until-used') {
        const tokens = familyTokens.get(family);
        if (tokens) tokens.current = value;
        else familyTokens.set(family, { current: value, previous: undefined });
      }
      body.refresh_token = value;
      Object.assign(body, config.refresh.extra?.(ttls.refreshToken));
    }
    if (config.idToken && grant.scopes.includes('openid') && !refreshing) {
      const account = findTestAccount(grant.sub);
      body.id_token = await context.sign({
        iss: config.idToken.issuer ? config.idToken.issuer(issuer) : issuer,
        sub: grant.sub,
        aud: grant.clientId,
        iat: now,
        exp: now + 3600,
        auth_time: grant.authTime,
        ...(grant.nonce ? { nonce: grant.nonce } : {}),
        ...(account ? { name: account.name, email: account.email } : {}),
      });
    }
    return config.tokenResponse ? config.tokenResponse(body, req) : jsonAnswer(200, body);
  }

  // --- registration and revocation --------------------------------------------------------------------------------

  async function register(req: IncomingMessage, res: ServerResponse, note: (fields: Partial<AuthRequestRecord>) => void): Promise<void> {
    let requested: Record<string, unknown>;
    try {
      requested = JSON.parse(await readBody(req, 64 * 1024)) as Record<string, unknown>;
      if (typeof requested !== 'object' || requested === null || Array.isArray(requested)) throw new Error('not an object');
    } catch {
      note({ error: 'invalid_client_metadata' });
      return sendJson(res, 400, { error: 'invalid_client_metadata', error_description: 'the body must be a JSON object' });
    }
    note(loggedParams(requested));
    const decision = config.registration ? config.registration(requested, req) : ('none' as ClientAuthMethod);
    if (typeof decision === 'object') {
      note({ error: 'refused' });
      return send(res, decision);
    }
    const redirectUris = Array.isArray(requested.redirect_uris) ? requested.redirect_uris.filter((uri): uri is string => typeof uri === 'string') : [];
    if (!redirectUris.length || !redirectUris.every((uri) => acceptableRedirect(uri))) {
      note({ error: 'invalid_redirect_uri' });
      return sendJson(res, 400, { error: 'invalid_redirect_uri', error_description: 'redirect_uris must be https URLs or http loopback URLs' });
    }
    const client: MiniClient = {
      clientId: randomBytes(12).toString('base64url'),
      clientSecret: decision === 'none' ? undefined : randomBytes(24).toString('base64url'),
      redirectUris,
      authMethod: decision,
      name: typeof requested.client_name === 'string' ? requested.client_name.slice(0, 200) : undefined,
    };
    clients.set(client.clientId, client);
    note({ clientId: client.clientId });
    sendJson(res, 201, {
      client_id: client.clientId,
      ...(client.clientSecret ? { client_secret: client.clientSecret, client_secret_expires_at: 0 } : {}),
      client_id_issued_at: Math.floor(Date.now() / 1000),
      redirect_uris: redirectUris,
      token_endpoint_auth_method: client.authMethod,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(client.name ? { client_name: client.name } : {}),
    });
  }

  async function revoke(req: IncomingMessage, res: ServerResponse, note: (fields: Partial<AuthRequestRecord>) => void): Promise<void> {
    const params = new URLSearchParams(await readBody(req, 64 * 1024));
    note({ ...loggedParams(params), clientAuth: clientAuthUsed(req.headers, params) });
    const authenticated = authenticateClient(req, params);
    if ('error' in authenticated) {
      note({ error: authenticated.error });
      return sendJson(res, authenticated.status ?? 401, { error: authenticated.error, error_description: authenticated.description });
    }
    note({ clientId: authenticated.clientId });
    const value = params.get('token') ?? '';
    const access = accessTokens.get(value);
    if (access && access.clientId === authenticated.clientId) access.revoked = true;
    const refresh = refreshTokens.get(value);
    if (refresh && refresh.grant.clientId === authenticated.clientId) revokeFamily(refresh.family);
    res.statusCode = 200;
    res.end();
  }

  // --- pages ------------------------------------------------------------------------------------------------------

  function loginPage(id: string, client: MiniClient, error: string | undefined): string {
    const who = escapeHtml(client.name ?? client.clientId);
    return htmlPage(
      `Sign in to ${config.label}`,
      [
        `<p>to continue to <strong>${who}</strong></p>`,
        error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : '',
        `<form id="login-form" method="post" action="/__login/${id}">`,
        '<label>Username <input name="username" autocomplete="username"></label>',
        '<label>Password <input type="password" name="password" autocomplete="current-password"></label>',
        '<button type="submit">Sign in</button>',
        '</form>',
      ].join('\n'),
    );
  }

  function consentPage(id: string, request: PendingAuthorization, account: TestAccount): string {
    const items = request.scopes.map((scope) => {
      const state = consentState(request.kinds.get(scope), account);
      const box = state === 'default' || state === 'offered' ? ` <input type="checkbox" name="scope" value="${escapeHtml(scope)}"${state === 'default' ? ' checked' : ''}>` : '';
      return `<li data-scope="${escapeHtml(scope)}" data-state="${state}"><label>${box} ${escapeHtml(scope)}</label></li>`;
    });
    return htmlPage(
      `${config.label}: allow access?`,
      [
        `<p><strong>${escapeHtml(request.client.name ?? request.client.clientId)}</strong> wants to access your account (${escapeHtml(account.username)}).</p>`,
        `<form id="consent-form" method="post" action="/__consent/${id}">`,
        '<input type="hidden" name="scope_choice" value="1">',
        `<ul id="scope-list">${items.join('')}</ul>`,
        '<button type="submit" name="decision" value="allow">Allow</button>',
        '<button type="submit" name="decision" value="deny">Deny</button>',
        '</form>',
      ].join('\n'),
    );
  }

  function errorPage(res: ServerResponse, status: number, error: string, message: string): void {
    sendHtml(res, status, htmlPage(`${config.label}: error`, `<p role="alert" id="error" data-error="${escapeHtml(error)}">${escapeHtml(message)}</p>`));
  }

  return {
    issuer,
    origin,
    port,
    urls,
    log,
    jwks: { keys: [publicJwk] },
    count: (filter = {}) => log.filter((record) => matchesFilter(record, filter)).length,
    clearLog: () => {
      log.length = 0;
    },
    addClient: (client) => {
      clients.set(client.clientId, client);
    },
    introspect: (value) => {
      const record = accessTokens.get(value);
      if (!record || record.revoked || record.expiresAt <= Math.floor(Date.now() / 1000)) return undefined;
      return { sub: record.sub, clientId: record.clientId, scopes: record.scopes, audience: record.audience, expiresAt: record.expiresAt };
    },
    setTokenTtls: (next) => {
      if (next.accessToken !== undefined) ttls.accessToken = next.accessToken;
      if (next.refreshToken !== undefined) ttls.refreshToken = next.refreshToken;
    },
    close: () => closeServer(server),
  };
}

/** How a scope appears on the consent page for an account (the test bed's states, see auth-interactions.ts). */
function consentState(kind: ScopeKind | undefined, account: TestAccount): 'default' | 'offered' | 'unavailable' | 'identity' {
  if (kind?.kind !== 'mcp') return 'identity';
  if (kind.grants.every((scope) => account.defaultScopes.includes(scope))) return 'default';
  if (kind.grants.every((scope) => account.grantableScopes.includes(scope))) return 'offered';
  return 'unavailable';
}

/** RFC 7591 §2 sanity for registered redirect URIs: https anywhere, http only on a loopback host. */
function acceptableRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url || url.hash || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** `127.0.0.1`, `[::1]` or `localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost';
}

/**
 * RFC 8252 §7.3: a loopback IP redirect URI matches a registered one whatever its port (host, path and query must
 * be equal); anything else must match exactly.
 */
export function loopbackAnyPort(client: MiniClient, requested: URL): boolean {
  return client.redirectUris.some((registered) => {
    const url = URL.parse(registered);
    if (!url) return false;
    if (url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]') && requested.protocol === 'http:') {
      return requested.hostname === url.hostname && requested.pathname === url.pathname && requested.search === url.search;
    }
    return url.href === requested.href;
  });
}

function matchesFilter(record: AuthRequestRecord, filter: AuthLogFilter): boolean {
  return Object.entries(filter).every(([key, value]) => value === undefined || record[key as keyof AuthRequestRecord] === value);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function redirectWith(res: ServerResponse, target: URL, params: Readonly<Record<string, string>>): void {
  const url = new URL(target.href);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  res.statusCode = 302;
  res.setHeader('Location', url.href);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

/** A JSON answer with `Cache-Control: no-store`. */
export function jsonAnswer(status: number, body: unknown): HttpAnswer {
  return { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body: JSON.stringify(body) };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, jsonAnswer(status, body));
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(answer.body);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

/** An RFC 8414 document for a mini AS (what spec-following providers publish), with provider additions. */
export function authorizationServerMetadata(urls: MiniAsUrls, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    issuer: urls.issuer,
    authorization_endpoint: urls.authorizationEndpoint,
    token_endpoint: urls.tokenEndpoint,
    ...(urls.registrationEndpoint ? { registration_endpoint: urls.registrationEndpoint } : {}),
    ...(urls.revocationEndpoint ? { revocation_endpoint: urls.revocationEndpoint } : {}),
    ...(urls.jwksUri ? { jwks_uri: urls.jwksUri } : {}),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  };
}

/**
 * A scope classifier from a provider's MCP scope names (several names may grant the same MCP scope, one name may grant
 * several) and its identity scopes; anything else is unknown.
 */
export function classifyBy(names: Readonly<Record<McpScope, string>>, identity: readonly string[] = []): (scope: string) => ScopeKind {
  return (scope) => {
    if (identity.includes(scope)) return { kind: 'identity' };
    const grants = (Object.keys(names) as McpScope[]).filter((mcp) => names[mcp] === scope);
    return grants.length ? { kind: 'mcp', grants } : { kind: 'unknown' };
  };
}

/** The registration policy of providers that give a client the authentication method it asked for (`none` by default). */
export function requestedAuthMethod(requested: Readonly<Record<string, unknown>>): ClientAuthMethod {
  const method = requested.token_endpoint_auth_method;
  return method === 'client_secret_basic' || method === 'client_secret_post' ? method : 'none';
}
