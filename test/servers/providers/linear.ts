/**
 * Linear's MCP server and authorization server. Reproduced facts:
 *
 * - Spec-following discovery: RFC 9728 resource metadata, RFC 8414 at the root, open dynamic registration, PKCE S256
 *   required (advertised and enforced), loopback redirects on any port (RFC 8252 §7.3).
 * - Token responses say `token_type: "bearer"` (lowercase), but the MCP server refuses the lowercase scheme:
 *   `Authorization: bearer …` gets 401 `invalid_token`; only `Bearer` is accepted.
 * - Opaque access tokens (`lin_oauth_…`) for 24 hours; refresh tokens are single use.
 * - Scopes `read`, `write`, `admin`; unknown scopes are refused (`invalid_scope`).
 */
import { opaqueVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { authorizationServerMetadata, classifyBy, loopbackAnyPort, requestedAuthMethod, startMiniAs } from './mini-as.ts';

const NAMES = { 'mcp:read': 'read', 'mcp:write': 'write', 'mcp:admin': 'admin' } as const;

/** The facts this emulation reproduces. */
export const LINEAR_FACTS = [
  'token_type "bearer" in token responses',
  'the MCP server refuses "Authorization: bearer" (lowercase): always send "Bearer"',
  'open dynamic registration, PKCE S256 required',
  'single-use refresh tokens',
] as const;

/** Starts the Linear emulation. */
export async function startLinear(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  return startEmulation(
    () => startMiniAs({
      label: 'Linear',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => origin,
      paths: { authorize: '/authorize', token: '/token', registration: '/register', revocation: '/revoke' },
      metadata: {
        paths: ['/.well-known/oauth-authorization-server'],
        document: (urls) => authorizationServerMetadata(urls, { scopes_supported: Object.values(NAMES) }),
      },
      registration: requestedAuthMethod,
      pkce: { required: true, methods: ['S256'] },
      redirectAllowed: loopbackAnyPort,
      classifyScope: classifyBy(NAMES),
      unknownScopes: 'reject',
      accessToken: async (_grant, context) => ({ token: context.opaque('lin_oauth_') }),
      accessTokenTtl: options.accessTokenTtl ?? 86_399,
      refresh: { issue: () => true, rotation: 'single-use' },
      tokenType: 'bearer',
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: opaqueVerifier(server, { scheme: 'exact' }),
        scopes: { names: NAMES },
        resourceName: 'Linear MCP',
      });
      return {
        id: 'linear',
        name: 'Linear',
        facts: LINEAR_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          settings: {},
          instructions: ['Nothing but the URL: dynamic registration works. (Keyport must send the scheme as "Bearer" whatever token_type says.)'],
        },
      };
    },
  );
}
