/**
 * A small, scriptable authorization server + protected MCP endpoint on 127.0.0.1 for the engine's unit tests.
 * It is not a real AS (the integration tests use oidc-provider); it records every request so tests can assert what
 * the engine sent, and its behaviour can be bent per test (no S256, wrong issuer, iss in the redirect, …).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the mock saw. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** Knobs for a test. */
export interface MockOptions {
  codeChallengeMethods?: string[];
  /** Overrides the `issuer` in the AS metadata. */
  metadataIssuer?: string;
  issSupported?: boolean;
  /** What `iss` the redirect carries: the issuer, a wrong one, or none. */
  issInRedirect?: 'correct' | 'wrong' | 'omit';
  /** Make /authorize redirect with this `state` instead of the one received. */
  forceState?: string;
  authorizeError?: string;
  scopesSupported?: string[];
  asScopesSupported?: string[];
  tokenLifetimeSec?: number;
  rotateRefreshTokens?: boolean;
  issueRefreshToken?: boolean;
  prm?: 'path' | 'root' | 'none';
  prmResource?: string;
  challengeScope?: string;
  /** Scopes the MCP endpoint requires; a token lacking them gets 403 insufficient_scope. */
  requiredScopes?: string[];
  registrationAuthMethod?: string;
  tokenAuthMethods?: string[];
  revocation?: boolean;
  introspection?: boolean;
  dpop?: boolean;
  refreshDelayMs?: number;
  /** Client ids the token endpoint answers `invalid_client` for. */
  rejectClients?: string[];
  /** Scopes the AS never grants even when asked. */
  dropScopes?: string[];
  /** Extra members of the protected resource metadata (e.g. `dpop_bound_access_tokens_required`). */
  prmExtra?: Record<string, unknown>;
  /** The scheme of the MCP endpoint's challenges (default: DPoP when `dpop`, else Bearer). */
  challengeScheme?: 'Bearer' | 'DPoP' | 'Bearer, DPoP';
  /** Members that replace those of every token response (e.g. `expires_in: 1e300`, a hostile `access_token`). */
  tokenResponseOverride?: Record<string, unknown>;
  /** The token endpoint answers refresh requests with this HTTP status (and an empty body) instead of tokens. */
  refreshStatus?: number;
  /** The MCP endpoint refuses every token, even a fresh one, with this `error_description`. */
  rejectAllTokens?: string;
  /** The MCP endpoint takes Bearer only: any `DPoP` scheme gets a Bearer-only 401 (like SDK 1.x requireBearerAuth). */
  refuseDPoPScheme?: boolean;
  /** Registration answers 400 invalid_client_metadata when the requested grant_types include this grant. */
  registrationRefusesGrant?: string;
  /** The token endpoint streams this many MB of JSON instead of tokens (a hostile or broken endpoint). */
  hugeTokenResponseMb?: number;
  /** Members that replace those of the AS metadata (e.g. an unsafe `token_endpoint`). */
  asMetadataOverride?: Record<string, unknown>;
  /** Members that replace those of the registration response (e.g. other `redirect_uris`, a hostile `client_id`). */
  registrationOverride?: Record<string, unknown>;
}

/** A running mock. */
export interface MockServers {
  readonly url: string;
  readonly mcpUrl: string;
  readonly issuer: string;
  readonly requests: SeenRequest[];
  readonly options: MockOptions;
  /** Access tokens that are currently valid, with their scopes. */
  readonly accessTokens: Map<string, { scopes: string[]; exp: number; jkt?: string }>;
  readonly refreshTokens: Map<string, { scopes: string[]; used: boolean }>;
  count(path: string, grant?: string): number;
  close(): Promise<void>;
}

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the mock on an ephemeral 127.0.0.1 port. */
export async function startMockServers(options: MockOptions = {}): Promise<MockServers> {
  const requests: SeenRequest[] = [];
  const codes = new Map<string, { challenge: string; scopes: string[]; clientId: string; redirectUri: string; resource?: string }>();
  const accessTokens = new Map<string, { scopes: string[]; exp: number; jkt?: string }>();
  const refreshTokens = new Map<string, { scopes: string[]; used: boolean }>();
  const clients = new Map<string, Record<string, unknown>>();
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };

  const issueTokens = (scopes: string[], jkt: string | undefined): Record<string, unknown> => {
    const at = `at-${b64url(randomBytes(18))}`;
    const exp = Date.now() + (options.tokenLifetimeSec ?? 3600) * 1000;
    accessTokens.set(at, { scopes, exp, ...(jkt ? { jkt } : {}) });
    const out: Record<string, unknown> = { access_token: at, token_type: jkt ? 'DPoP' : 'Bearer', expires_in: options.tokenLifetimeSec ?? 3600, scope: scopes.join(' ') };
    if (options.issueRefreshToken !== false) {
      const rt = `rt-${b64url(randomBytes(18))}`;
      refreshTokens.set(rt, { scopes, used: false });
      out.refresh_token = rt;
    }
    return { ...out, ...options.tokenResponseOverride };
  };

  const dpopJkt = (req: IncomingMessage): string | undefined => {
    const proof = req.headers.dpop;
    if (typeof proof !== 'string') return undefined;
    const header = JSON.parse(Buffer.from(proof.split('.')[0]!, 'base64url').toString()) as { jwk: Record<string, string> };
    const { crv, kty, x, y } = header.jwk;
    return b64url(createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest());
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const body = await readBody(req);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    const form = new URLSearchParams(body);
    const issuer = base;
    const prmPathUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
    const prmRootUrl = `${base}/.well-known/oauth-protected-resource`;
    const prmMode = options.prm ?? 'path';
    const prmDoc = {
      resource: options.prmResource ?? `${base}/mcp`,
      authorization_servers: [issuer],
      ...(options.scopesSupported ? { scopes_supported: options.scopesSupported } : {}),
      ...options.prmExtra,
    };
    switch (url.pathname) {
      case '/.well-known/oauth-protected-resource/mcp':
        return prmMode === 'path' ? json(res, 200, prmDoc) : json(res, 404, {});
      case '/.well-known/oauth-protected-resource':
        return prmMode === 'root' ? json(res, 200, prmDoc) : json(res, 404, {});
      case '/.well-known/oauth-authorization-server':
        return json(res, 200, {
          issuer: options.metadataIssuer ?? issuer,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          registration_endpoint: `${base}/register`,
          ...(options.revocation !== false ? { revocation_endpoint: `${base}/revoke` } : {}),
          ...(options.introspection !== false ? { introspection_endpoint: `${base}/introspect` } : {}),
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
          code_challenge_methods_supported: options.codeChallengeMethods ?? ['S256'],
          token_endpoint_auth_methods_supported: options.tokenAuthMethods ?? ['none', 'client_secret_basic'],
          ...(options.asScopesSupported ? { scopes_supported: options.asScopesSupported } : {}),
          ...(options.issSupported ? { authorization_response_iss_parameter_supported: true } : {}),
          ...(options.dpop ? { dpop_signing_alg_values_supported: ['ES256'] } : {}),
          ...options.asMetadataOverride,
        });
      case '/register': {
        const meta = JSON.parse(body) as Record<string, unknown>;
        if (options.registrationRefusesGrant && (meta.grant_types as string[] | undefined)?.includes(options.registrationRefusesGrant)) {
          return json(res, 400, { error: 'invalid_client_metadata', error_description: 'grant_types not allowed' });
        }
        const clientId = `client-${clients.size + 1}`;
        const method = options.registrationAuthMethod ?? (meta.token_endpoint_auth_method as string) ?? 'none';
        const reg = { ...meta, client_id: clientId, token_endpoint_auth_method: method, ...(method === 'none' ? {} : { client_secret: `secret-${b64url(randomBytes(12))}`, client_secret_expires_at: 0 }), registration_access_token: `rat-${b64url(randomBytes(12))}`, registration_client_uri: `${base}/register/${clientId}`, ...options.registrationOverride };
        clients.set(clientId, reg);
        return json(res, 201, reg);
      }
      case '/authorize': {
        const q = url.searchParams;
        const redirect = new URL(q.get('redirect_uri')!);
        const state = options.forceState ?? q.get('state');
        if (state !== null) redirect.searchParams.set('state', state);
        const iss = options.issInRedirect ?? (options.issSupported ? 'correct' : 'omit');
        if (iss === 'correct') redirect.searchParams.set('iss', issuer);
        if (iss === 'wrong') redirect.searchParams.set('iss', 'https://evil.example');
        if (options.authorizeError) {
          redirect.searchParams.set('error', options.authorizeError);
        } else {
          const code = `code-${b64url(randomBytes(12))}`;
          codes.set(code, { challenge: q.get('code_challenge') ?? '', scopes: (q.get('scope') ?? '').split(' ').filter((x) => x && !(options.dropScopes ?? []).includes(x)), clientId: q.get('client_id') ?? '', redirectUri: q.get('redirect_uri') ?? '', ...(q.get('resource') ? { resource: q.get('resource')! } : {}) });
          redirect.searchParams.set('code', code);
        }
        res.writeHead(302, { location: redirect.href });
        return res.end();
      }
      case '/token': {
        if (options.hugeTokenResponseMb) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"access_token":"');
          const chunk = 'a'.repeat(1024 * 1024);
          let left = options.hugeTokenResponseMb;
          const more = (): void => {
            while (left > 0 && !res.destroyed) {
              left--;
              if (!res.write(chunk)) return void res.once('drain', more);
            }
            res.end('","token_type":"Bearer"}');
          };
          res.on('error', () => undefined);
          return more();
        }
        const grant = form.get('grant_type');
        const basic = req.headers.authorization?.startsWith('Basic ') ? decodeURIComponent(Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':')[0]!) : undefined;
        const tokenClient = form.get('client_id') ?? basic;
        if (tokenClient && options.rejectClients?.includes(tokenClient)) return json(res, 401, { error: 'invalid_client' });
        const jkt = options.dpop ? dpopJkt(req) : undefined;
        if (grant === 'authorization_code') {
          const c = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          if (!c) return json(res, 400, { error: 'invalid_grant' });
          const verifier = form.get('code_verifier') ?? '';
          if (b64url(createHash('sha256').update(verifier).digest()) !== c.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'pkce' });
          return json(res, 200, issueTokens(c.scopes, jkt));
        }
        if (grant === 'refresh_token') {
          if (options.refreshDelayMs) await new Promise((r) => setTimeout(r, options.refreshDelayMs));
          if (options.refreshStatus) {
            res.writeHead(options.refreshStatus);
            return res.end();
          }
          const rt = refreshTokens.get(form.get('refresh_token') ?? '');
          if (!rt || rt.used) return json(res, 400, { error: 'invalid_grant' });
          if (options.rotateRefreshTokens !== false) rt.used = true;
          const out = issueTokens(rt.scopes, jkt);
          if (options.rotateRefreshTokens === false) delete out.refresh_token;
          return json(res, 200, out);
        }
        if (grant === 'client_credentials') return json(res, 200, { ...issueTokens((form.get('scope') ?? '').split(' ').filter(Boolean), jkt), refresh_token: undefined });
        return json(res, 400, { error: 'unsupported_grant_type' });
      }
      case '/revoke': {
        const t = form.get('token') ?? '';
        accessTokens.delete(t);
        refreshTokens.delete(t);
        res.writeHead(200);
        return res.end();
      }
      case '/introspect': {
        const t = accessTokens.get(form.get('token') ?? '');
        return json(res, 200, t ? { active: true, scope: t.scopes.join(' '), exp: Math.floor(t.exp / 1000) } : { active: false });
      }
      case '/mcp': {
        const auth = req.headers.authorization ?? '';
        const [scheme, token] = auth.split(' ');
        if (options.refuseDPoPScheme && scheme === 'DPoP') {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token", error_description="Invalid Authorization header format, expected \'Bearer TOKEN\'"' });
          return res.end();
        }
        const t = token ? accessTokens.get(token) : undefined;
        const challengeScheme = options.challengeScheme ?? (options.dpop ? 'DPoP' : 'Bearer');
        const rm = prmMode === 'path' ? prmPathUrl : prmMode === 'root' ? prmRootUrl : undefined;
        if (!t || t.exp < Date.now() || (t.jkt && (scheme !== 'DPoP' || dpopJkt(req) !== t.jkt)) || (token && options.rejectAllTokens)) {
          const described = token && options.rejectAllTokens ? `error_description="${options.rejectAllTokens}"` : '';
          const params = [rm ? `resource_metadata="${rm}"` : '', options.challengeScope ? `scope="${options.challengeScope}"` : '', token ? 'error="invalid_token"' : '', described].filter(Boolean).join(', ');
          res.writeHead(401, { 'www-authenticate': `${challengeScheme}${params ? ` ${params}` : ''}` });
          return res.end();
        }
        const missing = (options.requiredScopes ?? []).filter((s) => !t.scopes.includes(s));
        if (missing.length) {
          res.writeHead(403, { 'www-authenticate': `${challengeScheme} error="insufficient_scope", scope="${(options.requiredScopes ?? []).join(' ')}"${rm ? `, resource_metadata="${rm}"` : ''}` });
          return res.end();
        }
        return json(res, 200, { jsonrpc: '2.0', id: 1, result: { ok: true } });
      }
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    mcpUrl: `${base}/mcp`,
    issuer: base,
    requests,
    options,
    accessTokens,
    refreshTokens,
    count(path, grant) {
      return requests.filter((r) => r.path === path && (!grant || new URLSearchParams(r.body).get('grant_type') === grant)).length;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** The tests' "browser": follows the authorization redirect to the loopback callback. */
export async function autoBrowser(url: string): Promise<void> {
  let current = url;
  for (let i = 0; i < 5; i++) {
    const r = await fetch(current, { redirect: 'manual' });
    await r.body?.cancel();
    const loc = r.headers.get('location');
    if (!loc) return;
    current = new URL(loc, current).href;
    if (new URL(current).pathname === '/callback') {
      const cb = await fetch(current);
      await cb.body?.cancel();
      return;
    }
  }
}
