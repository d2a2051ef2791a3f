/**
 * Okta (a custom authorization server `default`) in front of an MCP server. Built on oidc-provider (the test bed's
 * AS), configured the Okta way. Reproduced facts:
 *
 * - Issuer `…/oauth2/default`; metadata at `/oauth2/default/.well-known/oauth-authorization-server` and
 *   `…/openid-configuration`; endpoints `/oauth2/default/v1/authorize`, `/v1/token`, `/v1/keys`, `/v1/revoke`, ….
 * - Dynamic registration lives at the org level, `/oauth2/v1/clients`, and needs an API token
 *   (`Authorization: SSWS <token>`): anonymous registration is refused with 401 `E0000011` "Invalid token provided".
 *   Pre-registered clients work.
 * - No RFC 8707: `resource` is ignored and every access token has `aud` = `api://default` (the authorization
 *   server's audience); the MCP server checks for that audience.
 * - One-hour access tokens; refresh tokens rotated. The authorization server advertises DPoP (Okta supports it);
 *   the MCP server is Bearer only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startAuthServer } from '../auth-server.ts';
import { jwtVerifier, nativePublicClient, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';

/** The pre-registered native app, the audience and the API token for registration (test values). */
export const OKTA_CLIENT_ID = '0oaKeyportZooNative01';
export const OKTA_AUDIENCE = 'api://default';
export const OKTA_API_TOKEN = '00KeyportZooOktaApiToken0123456789abcdefgh';

/** The facts this emulation reproduces. */
export const OKTA_FACTS = [
  'dynamic registration needs an API token (SSWS): anonymous registration refused (401 E0000011)',
  'pre-registered clients work',
  'issuer /oauth2/default; aud api://default whatever resource says',
] as const;

/** Starts the Okta emulation. */
export async function startOkta(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  const base = '/oauth2/default';
  const intercept = (req: IncomingMessage, res: ServerResponse): boolean => {
    if ((req.url ?? '').split('?')[0] !== '/oauth2/v1/clients') return false;
    const presented = /^SSWS\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (req.method === 'POST' && presented === OKTA_API_TOKEN) {
      // Forward to oidc-provider's registration under the issuer, which checks the same token as an initial access token.
      req.url = `${base}/v1/clients`;
      req.headers.authorization = `Bearer ${presented}`;
      return false;
    }
    req.resume();
    res.statusCode = 401;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('WWW-Authenticate', 'SSWS realm="IANA"');
    res.end(JSON.stringify({ errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorLink: 'E0000011', errorId: `oae${randomBytes(9).toString('base64url')}`, errorCauses: [] }));
    return true;
  };
  return startEmulation(
    () => startAuthServer({
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      accessTokenTtl: options.accessTokenTtl ?? 3600,
      issuerPath: base,
      routes: {
        authorization: '/v1/authorize',
        token: '/v1/token',
        jwks: '/v1/keys',
        revocation: '/v1/revoke',
        introspection: '/v1/introspect',
        userinfo: '/v1/userinfo',
        end_session: '/v1/logout',
        device_authorization: '/v1/device/authorize',
        code_verification: '/v1/device/verify',
        pushed_authorization_request: '/v1/par',
        registration: '/v1/clients',
      },
      registration: { initialAccessToken: OKTA_API_TOKEN },
      fixedAudience: () => OKTA_AUDIENCE,
      intercept,
      discovery: (document) => {
        if (typeof document.issuer === 'string') document.registration_endpoint = `${new URL(document.issuer).origin}/oauth2/v1/clients`;
      },
      clients: [nativePublicClient(OKTA_CLIENT_ID)],
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: jwtVerifier({ issuer: server.issuer, keys: server.jwks.keys, audiences: () => [OKTA_AUDIENCE], rules: { scheme: 'case-insensitive' } }),
        scopes: { names: { 'mcp:read': 'mcp:read', 'mcp:write': 'mcp:write', 'mcp:admin': 'mcp:admin' } },
        resourceName: 'MCP behind Okta',
      });
      return {
        id: 'okta',
        name: 'Okta',
        facts: OKTA_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          clientId: OKTA_CLIENT_ID,
          settings: { tokenEndpointAuthMethod: 'none' },
          instructions: [`Client ID: ${OKTA_CLIENT_ID} (native app, no secret)`],
          withDefaults: 'dynamic registration is refused (401 E0000011: needs an API token): enter the pre-registered client id',
        },
      };
    },
  );
}
