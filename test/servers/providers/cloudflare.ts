/**
 * A Cloudflare-style MCP server whose authorization server is `workers-oauth-provider`. Reproduced facts:
 *
 * - Only RFC 8414 metadata at the root (no OpenID discovery), open dynamic registration.
 * - Scopes outside `scopes_supported` are refused with `invalid_scope` — including `openid`, `email` and `profile`.
 * - PKCE with S256 or plain (optional, verified when sent).
 * - A `resource` other than the MCP server's URL is refused (`invalid_target`); tokens are bound to it.
 * - Opaque tokens shaped `<user>:<grant>:<secret>`; refresh tokens rotate, but the previous one stays valid until the
 *   new one has been used (a retried refresh after a lost response still works).
 */
import { opaqueVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { authorizationServerMetadata, classifyBy, loopbackAnyPort, requestedAuthMethod, startMiniAs } from './mini-as.ts';
import { randomBytes } from 'node:crypto';

const NAMES = { 'mcp:read': 'mcp:read', 'mcp:write': 'mcp:write', 'mcp:admin': 'mcp:admin' } as const;

/** The facts this emulation reproduces. */
export const CLOUDFLARE_FACTS = [
  'scopes outside scopes_supported refused (invalid_scope), openid/email/profile included',
  'RFC 8414 only, open dynamic registration',
  'rotating refresh tokens; the previous one stays valid until the new one is used',
  'resource must be the MCP server URL',
] as const;

/** Starts the workers-oauth-provider emulation. */
export async function startCloudflare(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  let mcpUrl = '';
  return startEmulation(
    () => startMiniAs({
      label: 'Cloudflare Workers app',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => origin,
      paths: { authorize: '/authorize', token: '/token', registration: '/register', revocation: '/token/revoke' },
      metadata: {
        paths: ['/.well-known/oauth-authorization-server'],
        document: (urls) =>
          authorizationServerMetadata(urls, {
            scopes_supported: Object.values(NAMES),
            code_challenge_methods_supported: ['plain', 'S256'],
            token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
          }),
      },
      registration: requestedAuthMethod,
      pkce: { required: false, methods: ['S256', 'plain'] },
      redirectAllowed: loopbackAnyPort,
      classifyScope: classifyBy(NAMES),
      unknownScopes: 'reject',
      checkAuthorization: (params) => {
        const resource = params.get('resource');
        return resource !== null && resource !== mcpUrl ? { error: 'invalid_target', description: 'The requested resource is not served by this provider' } : undefined;
      },
      checkTokenRequest: (params) => {
        const resource = params.get('resource');
        return resource !== null && resource !== mcpUrl ? { error: 'invalid_target', description: 'The requested resource is not served by this provider' } : undefined;
      },
      accessToken: async (grant) => ({ token: `${grant.sub}:${randomBytes(8).toString('hex')}:${randomBytes(24).toString('base64url')}`, audience: grant.request.resource }),
      accessTokenTtl: options.accessTokenTtl ?? 3600,
      refresh: { issue: () => true, rotation: 'keep-previous-until-used', ttl: 30 * 24 * 3600 },
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: opaqueVerifier(server, { scheme: 'case-insensitive' }, (resource) => [resource, undefined]),
        scopes: { names: NAMES },
        resourceName: 'Workers MCP',
      });
      mcpUrl = mcpServer.url;
      return {
        id: 'cloudflare',
        name: 'Cloudflare workers-oauth-provider',
        facts: CLOUDFLARE_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          settings: { scope: 'mcp:read mcp:write' },
          instructions: ['Advanced → Scopes: mcp:read mcp:write (never openid, email or profile: refused)'],
          withDefaults: 'works when Keyport requests only scopes from scopes_supported; adding openid fails with invalid_scope',
        },
      };
    },
  );
}
