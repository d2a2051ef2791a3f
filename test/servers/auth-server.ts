/**
 * The test bed's authorization server: oidc-provider on 127.0.0.1 with its own login and consent pages, the demo
 * accounts, JWT access tokens for the MCP resource and an observation log tests can assert on.
 *
 * Protocol surface (all switched on): PKCE S256 required for every client, dynamic client registration (RFC 7591)
 * with management (RFC 7592), native loopback redirect URIs on any port (RFC 8252 §7.3), resource indicators
 * (RFC 8707) issuing JWT access tokens (RFC 9068) with `aud` = the resource, refresh tokens for every
 * authorization_code and device_code grant with rotation (reuse of a rotated one revokes the grant), revocation
 * (RFC 7009), introspection (RFC 7662) through an opaque-token resource, the device flow (RFC 8628),
 * client_credentials, DPoP (RFC 9449) and `iss` in the authorization response (RFC 9207).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Provider, errors } from 'oidc-provider';
import type { ProviderClient, ProviderContext, ProviderToken } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { MCP_SCOPES, findTestAccount } from './accounts.ts';
import { createInteractionHandler, loadExistingGrantForStepUp } from './auth-interactions.ts';
import { escapeHtml, htmlPage } from './html.ts';
import { createMemoryAdapterFactory } from './memory-adapter.ts';
import { closeServer, listen } from './net.ts';
import { clientAuthUsed, loggedParams } from './request-log.ts';
import type { ClientAuthUsed } from './request-log.ts';

/** Which endpoint of the authorization server a logged request hit. */
export type AuthEndpoint =
  | 'authorization'
  | 'token'
  | 'revocation'
  | 'introspection'
  | 'registration'
  | 'device_authorization'
  | 'device_verification'
  | 'discovery'
  | 'jwks'
  | 'userinfo'
  | 'end_session'
  | 'par'
  | 'interaction'
  | 'other';

/** One request the authorization server saw. Holds no secrets: no tokens, codes, verifiers or passwords. */
export interface AuthRequestRecord {
  readonly endpoint: AuthEndpoint;
  /**
   * oidc-provider's route name (e.g. `client_update` for an RFC 7592 PUT), when a route matched. The redirect back
   * from a finished login/consent (`GET /auth/<uid>`, route `resume`) is logged as endpoint `interaction`, so
   * `count({ endpoint: 'authorization' })` counts only authorization requests the client started.
   */
  readonly route: string | undefined;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** `grant_type` of token requests. */
  readonly grantType: string | undefined;
  readonly clientId: string | undefined;
  readonly status: number;
  /** The OAuth `error` code of a JSON error response. */
  readonly error: string | undefined;
  /** `Date.now()` when the request arrived. */
  readonly time: number;
  /** Values of the harmless OAuth parameters sent (scope, resource, prompt, …; see request-log.ts), never a secret. */
  readonly params?: Readonly<Record<string, string>>;
  /** Names of every parameter sent (query and form body). */
  readonly paramNames?: readonly string[];
  /** How the client authenticated (token, revocation, introspection requests). */
  readonly clientAuth?: ClientAuthUsed | undefined;
}

/** Filter for {@link AuthServer.count}: every given field must match. */
export type AuthLogFilter = Partial<Pick<AuthRequestRecord, 'endpoint' | 'route' | 'method' | 'grantType' | 'clientId' | 'status' | 'error' | 'clientAuth'>>;

/**
 * How dynamic client registration answers: `open` (default, RFC 7591 without credentials), `off` (no registration
 * endpoint), or only with an initial access token (RFC 7591 §3, sent as `Authorization: Bearer <token>`).
 */
export type RegistrationPolicy = 'open' | 'off' | { readonly initialAccessToken: string };

/** Options of {@link startAuthServer}. */
export interface AuthServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks an ephemeral one. */
  readonly port?: number;
  /**
   * The port clients reach this server on, when something sits in front of it (a latency proxy): the issuer carries
   * it. Default: the port it listens on.
   */
  readonly advertisedPort?: number;
  /** Access-token lifetime in seconds (default 3600). Small values let tests watch tokens expire. */
  readonly accessTokenTtl?: number;
  /** Refresh-token lifetime in seconds (default 14 days). */
  readonly refreshTokenTtl?: number;
  /** Resource indicators (RFC 8707) that get JWT access tokens, e.g. `http://127.0.0.1:9001/mcp`. More can be added later with `addResource`. The first one is the default when a request names none. */
  readonly resources?: readonly string[];
  /** Pre-registered clients (oidc-provider client metadata, snake_case), e.g. for the "pre-registered client" path. */
  readonly clients?: readonly Record<string, unknown>[];
  /** Rotate the RFC 7592 registration access token on every management call (default false). */
  readonly rotateRegistrationAccessToken?: boolean;
  /**
   * Say in every token response how long the refresh token lives (`refresh_token_expires_in`, as GitHub and Microsoft
   * do; not in RFC 6749), from the stored token's real expiry. Default false (oidc-provider sends none).
   */
  readonly announceRefreshTokenExpiry?: boolean;
  /**
   * RFC 8628 knobs (issue 13 tests): the `interval` the device authorization response advertises (oidc-provider sends
   * none, so clients use 5 s), how many pending polls are answered `slow_down` instead (§3.5), and the device code's
   * lifetime in seconds (default 600).
   */
  readonly deviceFlow?: { readonly interval?: number; readonly slowDownPolls?: number; readonly codeTtl?: number };
  /**
   * Path of the issuer (e.g. `/realms/mcp` as Keycloak, `/oauth2/default` as Okta): the issuer becomes
   * `http://127.0.0.1:<port><issuerPath>` and every endpoint lives under it. Default: none.
   */
  readonly issuerPath?: string;
  /** oidc-provider route overrides, relative to the issuer (e.g. `{ token: '/protocol/openid-connect/token' }`). */
  readonly routes?: Readonly<Record<string, string>>;
  /** Dynamic client registration policy (default `open`). */
  readonly registration?: RegistrationPolicy;
  /** Rotate refresh tokens on every use, with reuse detection (default true). */
  readonly rotateRefreshToken?: boolean;
  /** Keep oidc-provider's default refresh-token rule (offline_access + consent) instead of always issuing one. */
  readonly oidcRefreshTokenDefaults?: boolean;
  /**
   * Ignore the RFC 8707 `resource` parameter: every JWT access token gets this audience (read when a token is
   * issued), as providers without resource indicators do (an Okta `api://default`, a Keycloak audience mapper).
   */
  readonly fixedAudience?: () => string;
  /**
   * Handles a request before oidc-provider sees it (a provider's own refusal, a path outside the issuer); resolve
   * true when it answered. Requests it answers are logged as endpoint `other` with their status.
   */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Edits the discovery documents (both RFC 8414 and OpenID) before they are sent. */
  readonly discovery?: (document: Record<string, unknown>) => void;
}

/** A running authorization server. */
export interface AuthServer {
  /** The issuer identifier, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly issuer: string;
  readonly port: number;
  /** The resource indicator whose access tokens are opaque, so that introspection and revocation of access tokens can be tested (JWT access tokens cannot be introspected or revoked by oidc-provider). */
  readonly opaqueResource: string;
  /** The JWT resources currently known (live view). */
  readonly resources: readonly string[];
  /** The public signing keys (what `/jwks` serves), for resource servers that verify tokens in-process. */
  readonly jwks: { readonly keys: readonly JWK[] };
  /** Every request seen, oldest first (live view). */
  readonly log: readonly AuthRequestRecord[];
  /** The underlying oidc-provider instance, for tests that need to reach further (use sparingly). */
  readonly provider: Provider;
  /** Counts logged requests matching the filter (all requests without one). */
  count(filter?: AuthLogFilter): number;
  /** Forgets the log (e.g. between the arrange and act phases of a test). */
  clearLog(): void;
  /** Registers another JWT resource indicator (the MCP server calls this when it learns its own URL). */
  addResource(resource: string): void;
  /** Changes token lifetimes for tokens issued from now on (seconds). */
  setTokenTtls(ttls: { readonly accessToken?: number; readonly refreshToken?: number }): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const ROUTE_ENDPOINTS: Readonly<Record<string, AuthEndpoint>> = {
  authorization: 'authorization',
  resume: 'interaction',
  token: 'token',
  revocation: 'revocation',
  introspection: 'introspection',
  registration: 'registration',
  client: 'registration',
  client_update: 'registration',
  client_delete: 'registration',
  device_authorization: 'device_authorization',
  code_verification: 'device_verification',
  device_resume: 'device_verification',
  discovery: 'discovery',
  jwks: 'jwks',
  userinfo: 'userinfo',
  end_session: 'end_session',
  end_session_confirm: 'end_session',
  end_session_success: 'end_session',
  pushed_authorization_request: 'par',
};

/** Every scope the AS advertises in `scopes_supported`. */
const SCOPES_SUPPORTED = ['openid', 'offline_access', ...MCP_SCOPES] as const;

/**
 * Starts the authorization server on 127.0.0.1 and resolves once it is listening. Close it with `close()`.
 * Tokens, grants, clients and sessions live in oidc-provider's in-memory adapter and vanish with the process.
 */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const ttls = {
    accessToken: options.accessTokenTtl ?? 3600,
    refreshToken: options.refreshTokenTtl ?? 14 * 24 * 3600,
  };
  const resources: string[] = [...(options.resources ?? [])];
  const log: AuthRequestRecord[] = [];

  // Listen first so the issuer (which contains the port) is known before the provider is built.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server: Server = createServer((req, res) => handler(req, res));
  await listen(server, options.port ?? 0);
  try {
    return await buildAuthServer(server, options, ttls, resources, log, (next) => {
      handler = next;
    });
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}

/** The part of {@link startAuthServer} after the socket is bound (so a failure here can release the port). */
async function buildAuthServer(
  server: Server,
  options: AuthServerOptions,
  ttls: { accessToken: number; refreshToken: number },
  resources: string[],
  log: AuthRequestRecord[],
  setHandler: (handler: (req: IncomingMessage, res: ServerResponse) => void) => void,
): Promise<AuthServer> {
  const port = (server.address() as AddressInfo).port;
  const issuerPath = options.issuerPath ?? '';
  if (issuerPath !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(issuerPath)) throw new TypeError(`issuerPath must look like /a/b, got ${issuerPath}`);
  const issuer = `http://127.0.0.1:${options.advertisedPort ?? port}${issuerPath}`;
  const registration = options.registration ?? 'open';
  const opaqueResource = `${issuer}/opaque`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: `testbed-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapterFactory(),
    clients: options.clients ?? [],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    pkce: { required: () => true },
    findAccount: async (_ctx: ProviderContext, sub: string) => {
      const account = findTestAccount(sub);
      if (!account) return undefined;
      return {
        accountId: account.username,
        claims: async () => ({ sub: account.username, name: account.name, preferred_username: account.username, email: account.email }),
      };
    },
    // Refresh tokens for every interactive grant, not only with offline_access (ENVIRONMENT.md), whenever the client
    // may use them; they are rotated on every use and do not die with the browser session.
    // `oidcRefreshTokenDefaults` keeps oidc-provider's own rule instead: a refresh token only for `offline_access`,
    // which it drops unless the request says `prompt=consent` (OpenID Connect Core §11).
    ...(options.oidcRefreshTokenDefaults
      ? {}
      : {
          issueRefreshToken: async (_ctx: ProviderContext, client: ProviderClient, code: ProviderToken) =>
            client.grantTypeAllowed('refresh_token') && (code.kind === 'AuthorizationCode' || code.kind === 'DeviceCode'),
        }),
    rotateRefreshToken: options.rotateRefreshToken ?? true,
    ...(options.routes ? { routes: options.routes } : {}),
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: () => ttls.accessToken,
      ClientCredentials: () => ttls.accessToken,
      RefreshToken: () => ttls.refreshToken,
      AuthorizationCode: 60,
      DeviceCode: options.deviceFlow?.codeTtl ?? 600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: () => Math.max(ttls.refreshToken, 24 * 3600),
    },
    clientBasedCORS: () => true,
    interactions: { url: async (_ctx: ProviderContext, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // Step-up: asking again for a scope the user declined (but may be granted) brings the consent page back.
    loadExistingGrant: (ctx: ProviderContext) => loadExistingGrantForStepUp(provider, ctx),
    renderError: async (ctx: ProviderContext, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = htmlPage(
        'Something went wrong',
        Object.entries(out)
          .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: <span data-field="${escapeHtml(key)}">${escapeHtml(String(value))}</span></p>`)
          .join('\n'),
      );
    },
    features: {
      devInteractions: { enabled: false },
      registration: {
        enabled: registration !== 'off',
        initialAccessToken: typeof registration === 'object' ? registration.initialAccessToken : false,
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: options.rotateRegistrationAccessToken ?? false },
      // Explicit policies (silences oidc-provider's notices): a client may revoke only its own tokens (others' are
      // ignored, as RFC 7009 §2.2 allows); confidential clients may introspect any token, public ones only their own.
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: ProviderContext, client: ProviderClient, token: ProviderToken) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: ProviderContext, client: ProviderClient, token: ProviderToken) => token.clientId === client.clientId || client.clientAuthMethod !== 'none',
      },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: ProviderContext, form: string) => {
          ctx.body = htmlPage('Sign out', `${form.replace('</form>', '<button type="submit" name="logout" value="yes">Sign out</button></form>')}`);
        },
        postLogoutSuccessSource: async (ctx: ProviderContext) => {
          ctx.body = htmlPage('Signed out', '<p>You are signed out.</p>');
        },
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx: ProviderContext, form: string, _out: unknown, err: unknown) => {
          const message = err ? '<p role="alert" class="error">The code is incorrect or expired. Try again.</p>' : '<p>Enter the code shown on your device.</p>';
          ctx.body = htmlPage('Device sign-in', `${message}\n${form.replace('</form>', '<button type="submit">Continue</button></form>')}`);
        },
        userCodeConfirmSource: async (ctx: ProviderContext, form: string, client: ProviderClient, _info: unknown, userCode: string) => {
          const name = escapeHtml(client.clientName ?? client.clientId);
          ctx.body = htmlPage(
            'Confirm device',
            `<p><strong>${name}</strong> wants to sign in on a device showing the code <code>${escapeHtml(userCode)}</code>.</p>\n` +
              form.replace('</form>', '<button type="submit">Continue</button></form>'),
          );
        },
        successSource: async (ctx: ProviderContext) => {
          ctx.body = htmlPage('Device signed in', '<p id="device-success">Sign-in complete. You can return to your device.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        // A request that names no resource gets the first JWT resource, so audience checks still hold.
        defaultResource: async (_ctx: ProviderContext, _client: unknown, oneOf?: string[]) => oneOf ?? options.fixedAudience?.() ?? resources[0],
        // The token request may omit `resource`: the one granted at the authorization endpoint is used.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: ProviderContext, resourceIndicator: string) => {
          if (resourceIndicator === opaqueResource) {
            return { scope: MCP_SCOPES.join(' '), accessTokenFormat: 'opaque', accessTokenTTL: ttls.accessToken };
          }
          if (options.fixedAudience) {
            return {
              scope: MCP_SCOPES.join(' '),
              audience: options.fixedAudience(),
              accessTokenFormat: 'jwt',
              accessTokenTTL: ttls.accessToken,
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          if (resources.includes(resourceIndicator)) {
            return {
              scope: MCP_SCOPES.join(' '),
              audience: resourceIndicator,
              accessTokenFormat: 'jwt',
              accessTokenTTL: ttls.accessToken,
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          throw new errors.InvalidTarget(`unknown resource indicator`);
        },
      },
    },
  });

  // Observation log + discovery tweaks, as a Koa middleware around every oidc-provider route.
  provider.use(async (ctx: ProviderContext, next: () => Promise<void>) => {
    const time = Date.now();
    try {
      await next();
    } finally {
      const route: string | undefined = ctx.oidc?.route;
      const body = ctx.body && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>) : undefined;
      if (route === 'discovery' && body) {
        body.scopes_supported = [...SCOPES_SUPPORTED];
        options.discovery?.(body);
      }
      const sent = { ...ctx.query, ...(ctx.request?.body && typeof ctx.request.body === 'object' ? ctx.request.body : {}) };
      log.push({
        endpoint: (route && ROUTE_ENDPOINTS[route]) || 'other',
        route,
        method: ctx.method,
        path: ctx.path,
        grantType: route === 'token' ? stringOrUndefined(ctx.oidc?.params?.grant_type ?? ctx.request?.body?.grant_type) : undefined,
        clientId: safeClientId(ctx),
        status: ctx.status,
        error: ctx.status >= 400 && body ? stringOrUndefined(body.error) : undefined,
        time,
        ...loggedParams(sent),
        clientAuth: route === 'token' || route === 'revocation' || route === 'introspection' ? clientAuthUsed(ctx.headers, sent) : undefined,
      });
    }
  });
  // RFC 8628 knobs: an advertised polling interval, and `slow_down` in place of the first pending answers.
  let slowDownsLeft = options.deviceFlow?.slowDownPolls ?? 0;
  if (options.deviceFlow !== undefined) {
    provider.use(async (ctx: ProviderContext, next: () => Promise<void>) => {
      await next();
      const route: string | undefined = ctx.oidc?.route;
      const body = ctx.body && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>) : undefined;
      if (!body) return;
      if (route === 'device_authorization' && options.deviceFlow?.interval !== undefined) body.interval = options.deviceFlow.interval;
      if (route === 'token' && body.error === 'authorization_pending' && slowDownsLeft > 0) {
        slowDownsLeft -= 1;
        body.error = 'slow_down';
        body.error_description = 'you are polling too quickly and should back off at a reasonable rate';
      }
    });
  }
  if (options.announceRefreshTokenExpiry === true) {
    provider.use(async (ctx: ProviderContext, next: () => Promise<void>) => {
      await next();
      const body = ctx.body && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>) : undefined;
      if (ctx.oidc?.route !== 'token' || typeof body?.refresh_token !== 'string') return;
      const stored = await provider.RefreshToken.find(body.refresh_token).catch(() => undefined);
      if (typeof stored?.exp === 'number') body.refresh_token_expires_in = Math.max(0, stored.exp - Math.floor(Date.now() / 1000));
    });
  }
  // oidc-provider reports server-side failures on this event; surface them instead of failing silently.
  provider.on('server_error', (_ctx: unknown, error: Error) => {
    console.error('[auth-server] server_error:', error);
  });

  const providerCallback = provider.callback();
  const interactions = createInteractionHandler(provider, (record) =>
    log.push({ endpoint: 'interaction', route: undefined, grantType: undefined, clientId: undefined, error: undefined, ...record }),
  );
  const mounted = (req: IncomingMessage, res: ServerResponse) => {
    if (issuerPath !== '') {
      const url = req.url ?? '/';
      if (url !== issuerPath && !url.startsWith(`${issuerPath}/`) && !url.startsWith(`${issuerPath}?`)) {
        res.statusCode = 404;
        res.setHeader('Content-Type', 'application/json');
        res.end('{"error":"not_found"}');
        log.push({ endpoint: 'other', route: undefined, method: req.method ?? 'GET', path: url.split('?')[0] ?? '/', grantType: undefined, clientId: undefined, status: 404, error: undefined, time: Date.now() });
        return;
      }
      // Express-style mounting: oidc-provider derives its mount path from originalUrl (helpers/oidc_context.js).
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
      req.url = url.slice(issuerPath.length) || '/';
    }
    providerCallback(req, res);
  };
  const intercepted = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (!options.intercept) return false;
    const time = Date.now();
    const handled = await options.intercept(req, res);
    if (handled) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      res.once('close', () =>
        log.push({ endpoint: 'other', route: undefined, method: req.method ?? 'GET', path, grantType: undefined, clientId: undefined, status: res.statusCode, error: undefined, time }),
      );
    }
    return handled;
  };
  setHandler((req, res) => {
    void (async () => {
      if (await intercepted(req, res)) return;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path.startsWith('/interaction/')) {
        await interactions(req, res);
        return;
      }
      mounted(req, res);
    })().catch((error: unknown) => {
      console.error('[auth-server] request failed:', error);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
  });

  return {
    issuer,
    port,
    opaqueResource,
    resources,
    jwks: { keys: [publicJwk] },
    log,
    provider,
    count: (filter = {}) => log.filter((record) => matches(record, filter)).length,
    clearLog: () => {
      log.length = 0;
    },
    addResource: (resource) => {
      if (!resources.includes(resource)) resources.push(resource);
    },
    setTokenTtls: (next) => {
      if (next.accessToken !== undefined) ttls.accessToken = next.accessToken;
      if (next.refreshToken !== undefined) ttls.refreshToken = next.refreshToken;
    },
    close: () => closeServer(server),
  };
}

function matches(record: AuthRequestRecord, filter: AuthLogFilter): boolean {
  return Object.entries(filter).every(([key, value]) => value === undefined || record[key as keyof AuthRequestRecord] === value);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function safeClientId(ctx: ProviderContext): string | undefined {
  try {
    return stringOrUndefined(ctx.oidc?.client?.clientId) ?? stringOrUndefined(ctx.oidc?.params?.client_id);
  } catch {
    return undefined;
  }
}
