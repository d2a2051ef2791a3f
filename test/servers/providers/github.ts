/**
 * GitHub (a GitHub App with expiring user tokens) in front of a GitHub-style MCP server. Reproduced facts:
 *
 * - No dynamic client registration, ever: a client id and secret from the app's settings.
 * - The authorization server publishes no metadata at all: every well-known URL (RFC 8414, OpenID, any path
 *   variant) answers 404; PKCE is not advertised anywhere, though S256 is verified when a challenge is sent.
 * - Endpoints `/login/oauth/authorize` and `/login/oauth/access_token`; the MCP server's RFC 9728 document names
 *   `…/login/oauth` as its authorization server.
 * - The token endpoint answers `application/x-www-form-urlencoded` unless the request says `Accept: application/json`.
 * - Token-endpoint errors come back with HTTP 200 (`error=bad_verification_code`, `incorrect_client_credentials`,
 *   `bad_refresh_token`), form-encoded or JSON as above.
 * - The client secret is required at the token endpoint (in the body or Basic), PKCE or not.
 * - Redirect URIs: the registered callback's host must match exactly (`127.0.0.1` is not `localhost`); a loopback
 *   callback may use any port; the path must be the registered one or below it.
 * - `token_type` is lowercase `bearer`; user tokens expire after 8 hours with a refresh token (6 months, single use:
 *   a used one answers `bad_refresh_token`).
 * - The `scope` parameter is ignored (an app has permissions, not scopes); the MCP server accepts `Bearer` and `token`.
 */
import type { IncomingMessage } from 'node:http';
import { opaqueVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { jsonAnswer, startMiniAs } from './mini-as.ts';
import type { HttpAnswer, MiniClient } from './mini-as.ts';

/** The pre-registered GitHub App's credentials (test values). */
export const GITHUB_CLIENT = { clientId: 'Iv23liKeyportZoo0001', clientSecret: 'a3f1c2e4b5d6978812345678deadbeefcafe0001' } as const;

/** The facts this emulation reproduces. */
export const GITHUB_FACTS = [
  'no dynamic registration: client id + secret',
  'no metadata at all (every well-known URL 404), PKCE not advertised',
  'token endpoint answers form-encoded unless Accept: application/json',
  'token errors with HTTP 200 (bad_verification_code, incorrect_client_credentials, bad_refresh_token)',
  'token_type "bearer"; 8-hour tokens, single-use refresh tokens',
  'redirect host must match the registered one; any loopback port; path at or below the registered one',
] as const;

const ERROR_URIS: Readonly<Record<string, string>> = {
  bad_verification_code: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
  incorrect_client_credentials: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials',
  bad_refresh_token: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-refresh-token',
};

/** GitHub's token-endpoint error code for a generic OAuth problem. */
function githubError(error: string, description: string): string {
  if (error === 'invalid_client') return 'incorrect_client_credentials';
  if (error === 'invalid_grant') return description.includes('refresh token') ? 'bad_refresh_token' : 'bad_verification_code';
  return error;
}

/** JSON only when the client asked for it; form-encoded otherwise (always HTTP 200 for errors too). */
function negotiate(req: IncomingMessage, body: Record<string, unknown>): HttpAnswer {
  if ((req.headers.accept ?? '').includes('application/json')) return jsonAnswer(200, body);
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) if (value !== undefined) form.set(name, String(value));
  return { status: 200, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', 'Cache-Control': 'no-store' }, body: form.toString() };
}

/** Starts the GitHub emulation. */
export async function startGitHub(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  const client: MiniClient = { ...GITHUB_CLIENT, redirectUris: ['http://127.0.0.1/callback'], authMethod: 'client_secret_post', name: 'Keyport' };
  return startEmulation(
    () => startMiniAs({
      label: 'GitHub',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => `${origin}/login/oauth`,
      paths: { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token' },
      clients: [client],
      pkce: { required: false, methods: ['S256'] },
      redirectAllowed: (registered, requested) =>
        registered.redirectUris.some((uri) => {
          const url = new URL(uri);
          const loopback = url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost';
          const pathOk = requested.pathname === url.pathname || requested.pathname.startsWith(`${url.pathname.replace(/\/$/, '')}/`);
          return requested.protocol === url.protocol && requested.hostname === url.hostname && (loopback || requested.port === url.port) && pathOk;
        }),
      // An app's token carries its permissions whatever `scope` says.
      classifyScope: () => ({ kind: 'unknown' }),
      unknownScopes: 'ignore',
      // An app's user token carries the app's permissions (here: repository read and write).
      accessToken: async (_grant, context) => ({ token: context.opaque('ghu_'), scopes: ['repo'] }),
      accessTokenTtl: options.accessTokenTtl ?? 28_800,
      refresh: { issue: () => true, rotation: 'single-use', ttl: 15_897_600, extra: (ttl) => ({ refresh_token_expires_in: ttl }) },
      tokenType: 'bearer',
      tokenResponse: (body, req) => negotiate(req, body),
      tokenError: (problem, req) => {
        const error = githubError(problem.error, problem.description);
        return negotiate(req, { error, error_description: problem.description, error_uri: ERROR_URIS[error] });
      },
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        authorizationServers: [server.issuer],
        verifier: opaqueVerifier(server, { scheme: ['Bearer', 'token'] }),
        scopes: { names: { 'mcp:read': 'repo', 'mcp:write': 'repo', 'mcp:admin': 'admin:org' } },
        resourceName: 'GitHub MCP Server',
        challengeScope: 'repo',
      });
      return {
        id: 'github',
        name: 'GitHub',
        facts: GITHUB_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          clientId: GITHUB_CLIENT.clientId,
          clientSecret: GITHUB_CLIENT.clientSecret,
          settings: {
            tokenEndpointAuthMethod: 'client_secret_post',
            authorizationEndpoint: server.urls.authorizationEndpoint,
            tokenEndpoint: server.urls.tokenEndpoint,
            acceptS256WithoutAdvertisement: true,
          },
          instructions: [
            `Client ID: ${GITHUB_CLIENT.clientId}`,
            `Client secret: ${GITHUB_CLIENT.clientSecret} (test value)`,
            `Advanced → Authorization endpoint: ${server.urls.authorizationEndpoint}`,
            `Advanced → Token endpoint: ${server.urls.tokenEndpoint}`,
            'Advanced → Token endpoint authentication: client_secret_post',
            'Advanced → Accept S256 without advertisement: on (there is no metadata to advertise it)',
          ],
          withDefaults: 'refused: the authorization server publishes no metadata (and never supports dynamic registration)',
        },
      };
    },
  );
}
