/**
 * Auth0 in front of an MCP server registered as an Auth0 API. Reproduced facts:
 *
 * - The RFC 8707 `resource` parameter is ignored. The API is chosen by the non-standard `audience` parameter: with
 *   `audience=<API identifier>` the access token is a JWT for that API (`aud` = the identifier, plus `…/userinfo`
 *   when `openid` was asked); without it, an opaque token only good for `/userinfo`, which the MCP server cannot use.
 *   An unknown audience fails with `access_denied` "Service not found".
 * - The issuer has a trailing slash (`https://tenant.auth0.com/` here `http://127.0.0.1:<port>/`), in every document.
 * - Metadata at both `/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`; open dynamic
 *   registration; PKCE S256.
 * - API scopes (`read:mcp`, `write:mcp`, `admin:mcp`) not defined on the API are silently dropped.
 * - Refresh tokens only with `offline_access`; rotation with reuse detection (reusing a rotated refresh token
 *   revokes the family). Access tokens live 24 hours.
 */
import { jwtVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { authorizationServerMetadata, classifyBy, loopbackAnyPort, requestedAuthMethod, startMiniAs } from './mini-as.ts';

const NAMES = { 'mcp:read': 'read:mcp', 'mcp:write': 'write:mcp', 'mcp:admin': 'admin:mcp' } as const;
const IDENTITY = ['openid', 'profile', 'email', 'offline_access'];

/** The facts this emulation reproduces. */
export const AUTH0_FACTS = [
  'resource ignored; audience=<API identifier> gives a JWT, no audience an opaque token',
  'issuer with a trailing slash',
  'refresh tokens only with offline_access; rotation with reuse detection',
  'API scopes not defined are dropped silently',
] as const;

/** Starts the Auth0 emulation. */
export async function startAuth0(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  let apiIdentifier = '';
  return startEmulation(
    () => startMiniAs({
      label: 'Auth0',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => `${origin}/`,
      paths: { authorize: '/authorize', token: '/oauth/token', registration: '/oidc/register', revocation: '/oauth/revoke', jwks: '/.well-known/jwks.json' },
      metadata: {
        paths: ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'],
        document: (urls) =>
          authorizationServerMetadata(urls, {
            userinfo_endpoint: `${urls.origin}/userinfo`,
            scopes_supported: [...IDENTITY, 'address', 'phone'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
            code_challenge_methods_supported: ['S256', 'plain'],
            token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
          }),
      },
      registration: requestedAuthMethod,
      pkce: { required: false, methods: ['S256', 'plain'] },
      redirectAllowed: loopbackAnyPort,
      classifyScope: classifyBy(NAMES, IDENTITY),
      unknownScopes: 'ignore',
      checkAuthorization: (params) => {
        const audience = params.get('audience');
        return audience !== null && audience !== apiIdentifier ? { error: 'access_denied', description: `Service not found: ${audience}` } : undefined;
      },
      accessToken: async (grant, context) => {
        const identity = grant.scopes.filter((scope) => IDENTITY.includes(scope));
        if (grant.request.audience !== apiIdentifier) return { token: context.opaque(''), audience: `${context.issuer}userinfo`, scopes: identity };
        const now = Math.floor(Date.now() / 1000);
        const audience = grant.scopes.includes('openid') ? [apiIdentifier, `${context.issuer}userinfo`] : apiIdentifier;
        const scopes = grant.scopes.filter((scope) => scope !== 'offline_access');
        const token = await context.sign({ iss: context.issuer, sub: `auth0|${grant.sub}`, aud: audience, iat: now, exp: now + context.ttl, scope: scopes.join(' '), azp: grant.clientId });
        return { token, audience: apiIdentifier, scopes };
      },
      accessTokenTtl: options.accessTokenTtl ?? 86_400,
      refresh: { issue: (grant) => grant.scopes.includes('offline_access'), rotation: 'reuse-revokes-family', ttl: 30 * 24 * 3600 },
      idToken: {},
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: jwtVerifier({ issuer: server.issuer, keys: server.jwks.keys, audiences: () => [apiIdentifier], rules: { scheme: 'case-insensitive' } }),
        scopes: { names: NAMES },
        resourceName: 'Acme MCP (Auth0)',
      });
      apiIdentifier = mcpServer.url;
      return {
        id: 'auth0',
        name: 'Auth0',
        facts: AUTH0_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          settings: { audience: apiIdentifier, scope: 'read:mcp write:mcp offline_access' },
          instructions: [`Advanced → Audience: ${apiIdentifier}`, 'Advanced → Scopes: read:mcp write:mcp offline_access (offline_access for a refresh token)'],
          withDefaults: 'signs in, but the token is opaque (no audience): every MCP call answers 401 invalid_token',
        },
      };
    },
  );
}
