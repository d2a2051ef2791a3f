/**
 * Figma's MCP server and authorization server. Reproduced facts:
 *
 * - The token endpoint accepts only `client_secret_basic` and `client_secret_post`, never `none`: a public client (or a
 *   client that sends no secret) gets 401 `invalid_client`. The metadata says so in
 *   `token_endpoint_auth_methods_supported`.
 * - Dynamic registration answers every request with a client secret: asking for `none` gets
 *   `client_secret_basic` back (RFC 7591 §3.2.1 lets the server replace values), so a client must use what the
 *   registration response says. A pre-registered app (id + secret) works too.
 * - Scopes `files:read`, `files:write`, `org:admin`; unknown ones refused. Access tokens live 90 days; refresh tokens
 *   do not rotate. PKCE S256.
 */
import { opaqueVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { authorizationServerMetadata, classifyBy, loopbackAnyPort, startMiniAs } from './mini-as.ts';

const NAMES = { 'mcp:read': 'files:read', 'mcp:write': 'files:write', 'mcp:admin': 'org:admin' } as const;

/** The pre-registered Figma app (test values). */
export const FIGMA_CLIENT = { clientId: 'KeyportZooFigmaApp01', clientSecret: 'figma-zoo-secret-0123456789abcdefABCDEF' } as const;

/** The facts this emulation reproduces. */
export const FIGMA_FACTS = [
  'token endpoint accepts client_secret_basic / client_secret_post only, never none',
  'dynamic registration answers "none" requests with client_secret_basic and a secret',
  'scopes files:read files:write; 90-day access tokens; non-rotating refresh tokens',
] as const;

/** Starts the Figma emulation. */
export async function startFigma(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  return startEmulation(
    () => startMiniAs({
      label: 'Figma',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => origin,
      paths: { authorize: '/oauth', token: '/v1/oauth/token', registration: '/v1/oauth/register', revocation: '/v1/oauth/revoke' },
      metadata: {
        paths: ['/.well-known/oauth-authorization-server'],
        document: (urls) =>
          authorizationServerMetadata(urls, { scopes_supported: Object.values(NAMES), token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'] }),
      },
      clients: [{ ...FIGMA_CLIENT, redirectUris: ['http://127.0.0.1/callback'], authMethod: 'client_secret_post', name: 'Keyport' }],
      registration: (requested) => (requested.token_endpoint_auth_method === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic'),
      pkce: { required: false, methods: ['S256'] },
      redirectAllowed: loopbackAnyPort,
      classifyScope: classifyBy(NAMES),
      unknownScopes: 'reject',
      accessToken: async (_grant, context) => ({ token: context.opaque('figu_') }),
      accessTokenTtl: options.accessTokenTtl ?? 90 * 24 * 3600,
      refresh: { issue: () => true, rotation: 'none' },
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: opaqueVerifier(server, { scheme: 'case-insensitive' }),
        scopes: { names: NAMES },
        resourceName: 'Figma Dev Mode MCP',
      });
      return {
        id: 'figma',
        name: 'Figma',
        facts: FIGMA_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          clientId: FIGMA_CLIENT.clientId,
          clientSecret: FIGMA_CLIENT.clientSecret,
          settings: { tokenEndpointAuthMethod: 'client_secret_post' },
          instructions: [
            `Client ID: ${FIGMA_CLIENT.clientId}`,
            `Client secret: ${FIGMA_CLIENT.clientSecret} (test value)`,
            'Advanced → Token endpoint authentication: client_secret_post (or client_secret_basic; never none)',
            'Or nothing at all: dynamic registration works if Keyport uses the method and secret the registration returns',
          ],
        },
      };
    },
  );
}
