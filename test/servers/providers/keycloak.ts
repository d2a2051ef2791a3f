/**
 * Keycloak (a realm `mcp`) in front of an MCP server. Built on oidc-provider (the test bed's AS), configured the
 * Keycloak way. Reproduced facts:
 *
 * - The issuer is `…/realms/mcp`; the OpenID document is at `/realms/mcp/.well-known/openid-configuration` (nothing
 *   at the root or the path-inserted well-known URLs); endpoints under `/realms/mcp/protocol/openid-connect/…`.
 * - Anonymous dynamic registration (`/realms/mcp/clients-registrations/openid-connect`) is refused by the "Trusted
 *   Hosts" policy unless the caller's host is trusted: 403 `insufficient_scope` "Policy 'Trusted Hosts' rejected
 *   request to client-registration service. Details: Host not trusted." (no host is trusted by default). A
 *   pre-registered public client works.
 * - Access tokens live 5 minutes (the realm default); refresh tokens are not rotated ("Revoke Refresh Token" off).
 * - No RFC 8707: `resource` is ignored; an audience mapper puts the MCP server's URL in `aud`.
 * - The authorization server advertises DPoP (as oidc-provider and Keycloak 26 can); the MCP server is Bearer only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet } from 'jose';
import { startAuthServer } from '../auth-server.ts';
import { createTokenVerifier } from '../mcp-auth.ts';
import { nativePublicClient, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';

/** The realm and its pre-registered public client. */
export const KEYCLOAK_REALM = 'mcp';
export const KEYCLOAK_CLIENT_ID = 'keyport-desktop';

/** The facts this emulation reproduces. */
export const KEYCLOAK_FACTS = [
  'issuer /realms/mcp; OpenID document only under the realm',
  'anonymous registration refused by the Trusted Hosts policy (403)',
  'access tokens live 5 minutes; refresh tokens not rotated',
  'resource ignored (audience mapper)',
] as const;

/** Starts the Keycloak emulation. `trustedHosts` lets registration through from those addresses (default none). */
export async function startKeycloak(options: ProviderOptions & { readonly trustedHosts?: readonly string[] } = {}): Promise<ProviderEmulation> {
  const realm = `/realms/${KEYCLOAK_REALM}`;
  const oidc = '/protocol/openid-connect';
  const trusted = new Set(options.trustedHosts ?? []);
  let mcpUrl = '';
  const refuseUntrusted = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== `${realm}/clients-registrations/openid-connect` || req.headers.authorization) return false;
    if (trusted.has(req.socket.remoteAddress ?? '') || trusted.has((req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''))) return false;
    req.resume();
    res.statusCode = 403;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: 'insufficient_scope', error_description: "Policy 'Trusted Hosts' rejected request to client-registration service. Details: Host not trusted." }));
    return true;
  };
  return startEmulation(
    () => startAuthServer({
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      accessTokenTtl: options.accessTokenTtl ?? 300,
      issuerPath: realm,
      routes: {
        authorization: `${oidc}/auth`,
        token: `${oidc}/token`,
        jwks: `${oidc}/certs`,
        revocation: `${oidc}/revoke`,
        introspection: `${oidc}/token/introspect`,
        userinfo: `${oidc}/userinfo`,
        end_session: `${oidc}/logout`,
        device_authorization: `${oidc}/auth/device`,
        code_verification: '/device',
        pushed_authorization_request: `${oidc}/ext/par/request`,
        registration: '/clients-registrations/openid-connect',
      },
      rotateRefreshToken: false,
      fixedAudience: () => mcpUrl,
      intercept: refuseUntrusted,
      clients: [nativePublicClient(KEYCLOAK_CLIENT_ID)],
    }),
    async (server) => {
      const keys = createLocalJWKSet({ keys: [...server.jwks.keys] });
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: (resource) => createTokenVerifier({ issuer: server.issuer, audience: resource, keys, dpop: 'bearer-only' }),
        scopes: { names: { 'mcp:read': 'mcp:read', 'mcp:write': 'mcp:write', 'mcp:admin': 'mcp:admin' } },
        resourceName: 'MCP behind Keycloak',
      });
      mcpUrl = mcpServer.url;
      return {
        id: 'keycloak',
        name: 'Keycloak',
        facts: KEYCLOAK_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpUrl,
          clientId: KEYCLOAK_CLIENT_ID,
          settings: { tokenEndpointAuthMethod: 'none' },
          instructions: [`Client ID: ${KEYCLOAK_CLIENT_ID} (public client, no secret)`, 'Access tokens last 5 minutes: expect refreshes'],
          withDefaults: 'dynamic registration is refused with 403 (Trusted Hosts): enter the pre-registered client id',
        },
      };
    },
  );
}
