/**
 * Providers that restrict redirect URIs the way Slack and Salesforce (and others) do, so a client must be told which
 * callback to use. Two flavours:
 *
 * - **slack**: the registered redirect is `http://localhost:<port>/callback`. Host and port must match it —
 *   `127.0.0.1` is refused although it is the same machine, and so is another port; a path below the registered one is
 *   allowed. Confidential client (id + secret), OpenID discovery, PKCE S256 optional, scopes `channels:read`,
 *   `chat:write`, `admin` (unknown ones refused), 12-hour tokens with refresh tokens that stay the same.
 * - **salesforce**: the registered callback must match exactly — `http://localhost:1717/OauthRedirect` (the
 *   Salesforce CLI's) by default; any other host, port or path is refused. Confidential client; token responses carry
 *   no `expires_in` at all (`issued_at`, `instance_url`, `id`, `signature` instead); refresh tokens only with the
 *   `refresh_token` (or `offline_access`) scope, never rotated; scope `api` grants read and write.
 *
 * A refused redirect URI never gets a redirect: the AS shows an error page (`redirect_uri_mismatch`).
 */
import { opaqueVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { authorizationServerMetadata, classifyBy, jsonAnswer, startMiniAs } from './mini-as.ts';
import type { MiniAsUrls, MiniClient } from './mini-as.ts';
import { randomBytes } from 'node:crypto';

/** The Slack and Salesforce apps (test values). */
export const SLACK_CLIENT = { clientId: '1234567890123.4567890123456', clientSecret: 'slack0zoo0secret0123456789abcdef' } as const;
export const SALESFORCE_CLIENT = {
  clientId: '3MVG9KeyportZoo0ConnectedApp0Consumer0Key0000000000000000000000000000000000',
  clientSecret: 'SFZOO0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789AB',
} as const;

/** Defaults of the fixed callbacks. */
export const SLACK_DEFAULT_CALLBACK_PORT = 3118;
export const SALESFORCE_DEFAULT_CALLBACK_PORT = 1717;

/** The facts each flavour reproduces. */
export const SLACK_FACTS = ['redirect must be http://localhost:<registered port>/callback (or below): 127.0.0.1 refused', 'confidential client (id + secret)'] as const;
export const SALESFORCE_FACTS = [
  'redirect must match exactly: http://localhost:1717/OauthRedirect',
  'token responses have no expires_in',
  'refresh tokens only with the refresh_token/offline_access scope, never rotated',
] as const;

/** Options of the redirect-restricted emulations: the registered callback's port. */
export interface RedirectRestrictedOptions extends ProviderOptions {
  readonly callbackPort?: number;
}

function oidcDocument(urls: MiniAsUrls, scopes: readonly string[]): Record<string, unknown> {
  return authorizationServerMetadata(urls, {
    userinfo_endpoint: `${urls.origin}/userinfo`,
    scopes_supported: scopes,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
  });
}

/** Starts the Slack-style emulation. */
export async function startSlack(options: RedirectRestrictedOptions = {}): Promise<ProviderEmulation> {
  const callbackPort = options.callbackPort ?? SLACK_DEFAULT_CALLBACK_PORT;
  const callback = `http://localhost:${callbackPort}/callback`;
  const names = { 'mcp:read': 'channels:read', 'mcp:write': 'chat:write', 'mcp:admin': 'admin' } as const;
  const client: MiniClient = { ...SLACK_CLIENT, redirectUris: [callback], authMethod: 'client_secret_post', name: 'Keyport' };
  return startEmulation(
    () => startMiniAs({
      label: 'Slack',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => origin,
      paths: { authorize: '/openid/connect/authorize', token: '/api/openid.connect.token', revocation: '/api/auth.revoke', jwks: '/openid/connect/keys' },
      metadata: { paths: ['/.well-known/openid-configuration'], document: (urls) => oidcDocument(urls, ['openid', 'profile', 'email', ...Object.values(names)]) },
      clients: [client],
      pkce: { required: false, methods: ['S256'] },
      redirectAllowed: (registered, requested) =>
        registered.redirectUris.some((uri) => {
          const url = new URL(uri);
          return requested.protocol === 'http:' && requested.host === url.host && (requested.pathname === url.pathname || requested.pathname.startsWith(`${url.pathname}/`));
        }),
      classifyScope: classifyBy(names, ['openid', 'profile', 'email']),
      unknownScopes: 'reject',
      accessToken: async (_grant, context) => ({ token: context.opaque('xoxe.xoxp-1-') }),
      accessTokenTtl: options.accessTokenTtl ?? 43_200,
      refresh: { issue: () => true, rotation: 'none' },
      idToken: {},
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: opaqueVerifier(server, { scheme: 'case-insensitive' }),
        scopes: { names },
        resourceName: 'Slack MCP',
      });
      return {
        id: 'slack',
        name: 'Slack',
        facts: SLACK_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          clientId: SLACK_CLIENT.clientId,
          clientSecret: SLACK_CLIENT.clientSecret,
          settings: { tokenEndpointAuthMethod: 'client_secret_post', callbackHost: 'localhost', callbackPort, callbackPath: '/callback' },
          instructions: [
            `Client ID: ${SLACK_CLIENT.clientId}`,
            `Client secret: ${SLACK_CLIENT.clientSecret} (test value)`,
            `Advanced → Callback: host localhost, port ${callbackPort}, path /callback (127.0.0.1 is refused)`,
          ],
          withDefaults: 'the authorization page refuses the redirect URI (redirect_uri_mismatch): Keyport waits for a callback that never comes',
        },
      };
    },
  );
}

/** Starts the Salesforce-style emulation. */
export async function startSalesforce(options: RedirectRestrictedOptions = {}): Promise<ProviderEmulation> {
  const callbackPort = options.callbackPort ?? SALESFORCE_DEFAULT_CALLBACK_PORT;
  const callback = `http://localhost:${callbackPort}/OauthRedirect`;
  const names = { 'mcp:read': 'api', 'mcp:write': 'api', 'mcp:admin': 'full' } as const;
  const identity = ['openid', 'profile', 'email', 'refresh_token', 'offline_access', 'id'];
  const client: MiniClient = { ...SALESFORCE_CLIENT, redirectUris: [callback], authMethod: 'client_secret_post', name: 'Keyport' };
  let instance = '';
  return startEmulation(
    () => startMiniAs({
      label: 'Salesforce',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => origin,
      paths: { authorize: '/services/oauth2/authorize', token: '/services/oauth2/token', revocation: '/services/oauth2/revoke', jwks: '/id/keys' },
      metadata: { paths: ['/.well-known/openid-configuration'], document: (urls) => oidcDocument(urls, [...identity, 'api', 'full', 'web']) },
      clients: [client],
      pkce: { required: false, methods: ['S256'] },
      redirectAllowed: (registered, requested) => registered.redirectUris.includes(requested.href),
      classifyScope: classifyBy(names, identity),
      unknownScopes: 'reject',
      accessToken: async (_grant, context) => ({ token: `00D${randomBytes(6).toString('hex')}!${context.opaque()}` }),
      accessTokenTtl: options.accessTokenTtl ?? 7200,
      refresh: { issue: (grant) => grant.scopes.includes('refresh_token') || grant.scopes.includes('offline_access'), rotation: 'none' },
      idToken: {},
      tokenResponse: (body) => {
        const { expires_in: _expiresIn, ...rest } = body;
        return jsonAnswer(200, {
          ...rest,
          instance_url: instance,
          id: `${instance}/id/00Dzoo0000000000/005zoo${String(body.access_token).slice(-6)}`,
          issued_at: String(Date.now()),
          signature: randomBytes(32).toString('base64'),
        });
      },
    }),
    async (server) => {
      instance = server.origin;
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: opaqueVerifier(server, { scheme: 'case-insensitive' }),
        scopes: { names },
        resourceName: 'Salesforce MCP',
        challengeScope: 'api refresh_token',
      });
      return {
        id: 'salesforce',
        name: 'Salesforce',
        facts: SALESFORCE_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          clientId: SALESFORCE_CLIENT.clientId,
          clientSecret: SALESFORCE_CLIENT.clientSecret,
          settings: { tokenEndpointAuthMethod: 'client_secret_post', callbackHost: 'localhost', callbackPort, callbackPath: '/OauthRedirect', scope: 'api refresh_token' },
          instructions: [
            `Client ID (consumer key): ${SALESFORCE_CLIENT.clientId}`,
            `Client secret: ${SALESFORCE_CLIENT.clientSecret} (test value)`,
            `Advanced → Callback: host localhost, port ${callbackPort}, path /OauthRedirect (exactly)`,
            'Advanced → Scopes: api refresh_token (refresh_token for a refresh token)',
          ],
          withDefaults: 'the authorization page refuses the redirect URI (redirect_uri_mismatch); tokens have no expires_in',
        },
      };
    },
  );
}
