/**
 * Notion's MCP server and authorization server. Reproduced facts:
 *
 * - Spec-following discovery and open dynamic registration (RFC 9728, RFC 8414, RFC 7591), PKCE S256 required.
 * - One-hour access tokens.
 * - Refresh tokens rotate and are single use: two refreshes with the same refresh token at the same time — one wins,
 *   the other loses with `invalid_grant` (the winner's new tokens stay valid); any later reuse fails the same way.
 * - No scopes: a connection gets the workspace content the user shares; the `scope` parameter is ignored.
 */
import { opaqueVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { authorizationServerMetadata, loopbackAnyPort, requestedAuthMethod, startMiniAs } from './mini-as.ts';

/** What a Notion token grants, named as the MCP server's metadata lists it. */
const NAMES = { 'mcp:read': 'read_content', 'mcp:write': 'update_content', 'mcp:admin': 'workspace_admin' } as const;

/** The facts this emulation reproduces. */
export const NOTION_FACTS = [
  'one-hour access tokens',
  'single-use rotating refresh tokens: a concurrent second refresh loses with invalid_grant',
  'open dynamic registration, PKCE S256 required',
  'scope parameter ignored (content access is shared per page)',
] as const;

/** Starts the Notion emulation. */
export async function startNotion(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  return startEmulation(
    () => startMiniAs({
      label: 'Notion',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => origin,
      paths: { authorize: '/authorize', token: '/token', registration: '/register' },
      metadata: { paths: ['/.well-known/oauth-authorization-server'], document: (urls) => authorizationServerMetadata(urls) },
      registration: requestedAuthMethod,
      pkce: { required: true, methods: ['S256'] },
      redirectAllowed: loopbackAnyPort,
      classifyScope: () => ({ kind: 'unknown' }),
      unknownScopes: 'ignore',
      accessToken: async (_grant, context) => ({ token: context.opaque('ntn_'), scopes: [NAMES['mcp:read'], NAMES['mcp:write']] }),
      accessTokenTtl: options.accessTokenTtl ?? 3600,
      refresh: { issue: () => true, rotation: 'single-use' },
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: opaqueVerifier(server, { scheme: 'case-insensitive' }),
        scopes: { names: NAMES },
        resourceName: 'Notion MCP',
        // Notion's resource metadata lists no scopes.
        metadata: (document) => {
          const { scopes_supported: _scopes, ...rest } = document;
          return rest;
        },
      });
      return {
        id: 'notion',
        name: 'Notion',
        facts: NOTION_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          settings: {},
          instructions: ['Nothing but the URL. (Tokens live one hour; Keyport must never refresh the same refresh token twice.)'],
        },
      };
    },
  );
}
