/**
 * Google (OAuth 2.0 for installed/desktop apps) in front of a Google-style MCP server. Reproduced facts:
 *
 * - No dynamic client registration: a desktop client id (`….apps.googleusercontent.com`) and secret.
 * - The desktop client must send its `client_secret` at the token endpoint even with PKCE: without it the answer is
 *   400 `invalid_request` "client_secret is missing.".
 * - A refresh token only when the authorization request has `access_type=offline` — and only on the first consent
 *   of a user to the client, unless `prompt=consent` asks again. Refresh tokens do not rotate.
 * - The issuer is written without a trailing slash in the OpenID document and with one in the MCP server's RFC 9728
 *   document, so an exact comparison fails.
 * - Metadata only as OpenID discovery at `/.well-known/openid-configuration` (no RFC 8414 document); it lists
 *   `code_challenge_methods_supported: ["plain", "S256"]`; no registration endpoint.
 * - Loopback redirects on `127.0.0.1`, `[::1]` or `localhost`, any port, any path.
 * - Unknown scopes fail the authorization (`invalid_scope`); scopes are URLs (`…/auth/mcp.read`) plus openid/email/
 *   profile; `resource` is ignored; opaque `ya29.` access tokens for one hour, checked by the MCP server at the AS.
 */
import { opaqueVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { startMiniAs } from './mini-as.ts';
import type { MiniClient, ScopeKind } from './mini-as.ts';
import type { ScopeVocabulary } from '../resource-gate.ts';

/** The pre-registered desktop client (test values). */
export const GOOGLE_CLIENT = {
  clientId: '123456789012-keyportzoo0desktop0client.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-KeyportZooDesktopSecret01',
} as const;

/** The facts this emulation reproduces. */
export const GOOGLE_FACTS = [
  'no dynamic registration: desktop client id + secret',
  'client_secret required at the token endpoint even with PKCE',
  'refresh token only with access_type=offline (first consent, or prompt=consent)',
  'issuer without trailing slash in the OpenID document, with one in the resource metadata',
  'OpenID discovery only (no RFC 8414)',
  'unknown scopes refused (invalid_scope)',
] as const;

/** Starts the Google emulation. */
export async function startGoogle(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  const client: MiniClient = { ...GOOGLE_CLIENT, redirectUris: ['http://127.0.0.1/', 'http://[::1]/', 'http://localhost/'], authMethod: 'client_secret_post', name: 'Keyport' };
  /** Users who already consented to this client with `access_type=offline` (no second refresh token without prompt=consent). */
  const offlineConsented = new Set<string>();
  let vocabulary: ScopeVocabulary | undefined;
  return startEmulation(
    () => startMiniAs({
      label: 'Google',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => origin,
      paths: { authorize: '/o/oauth2/v2/auth', token: '/token', revocation: '/revoke', jwks: '/oauth2/v3/certs' },
      metadata: {
        paths: ['/.well-known/openid-configuration'],
        document: (urls) => ({
          issuer: urls.issuer,
          authorization_endpoint: urls.authorizationEndpoint,
          device_authorization_endpoint: `${urls.origin}/device/code`,
          token_endpoint: urls.tokenEndpoint,
          userinfo_endpoint: `${urls.origin}/v1/userinfo`,
          revocation_endpoint: urls.revocationEndpoint,
          jwks_uri: urls.jwksUri,
          response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token', 'none'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'email', 'profile'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
          claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
          code_challenge_methods_supported: ['plain', 'S256'],
          grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        }),
      },
      clients: [client],
      pkce: { required: false, methods: ['plain', 'S256'] },
      // Desktop clients: any loopback host of the three, any port, any path.
      redirectAllowed: (_registered, requested) =>
        requested.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(requested.hostname) && !requested.hash,
      classifyScope: (scope): ScopeKind => {
        if (['openid', 'email', 'profile'].includes(scope)) return { kind: 'identity' };
        const mcp = vocabulary && (Object.entries(vocabulary.names) as [keyof ScopeVocabulary['names'], string][]).find(([, name]) => name === scope);
        return mcp ? { kind: 'mcp', grants: [mcp[0]] } : { kind: 'unknown' };
      },
      unknownScopes: 'reject',
      accessToken: async (_grant, context) => ({ token: context.opaque('ya29.a0') }),
      accessTokenTtl: options.accessTokenTtl ?? 3599,
      refresh: {
        issue: (grant) => {
          if (grant.request.access_type !== 'offline') return false;
          const key = `${grant.sub} ${grant.clientId}`;
          const again = (grant.request.prompt ?? '').split(' ').includes('consent');
          if (offlineConsented.has(key) && !again) return false;
          offlineConsented.add(key);
          return true;
        },
        rotation: 'none',
      },
      idToken: {},
      missingSecret: { error: 'invalid_request', description: 'client_secret is missing.', status: 400 },
    }),
    async (server) => {
      const origin = server.origin;
      vocabulary = { names: { 'mcp:read': `${origin}/auth/mcp.read`, 'mcp:write': `${origin}/auth/mcp.write`, 'mcp:admin': `${origin}/auth/mcp.admin` } };
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        // The resource metadata writes the issuer with a trailing slash; the OpenID document without.
        authorizationServers: [`${server.issuer}/`],
        verifier: opaqueVerifier(server, { scheme: 'case-insensitive' }),
        scopes: vocabulary,
        resourceName: 'Google Workspace MCP',
      });
      const scope = `${vocabulary.names['mcp:read']} ${vocabulary.names['mcp:write']}`;
      return {
        id: 'google',
        name: 'Google',
        facts: GOOGLE_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          clientId: GOOGLE_CLIENT.clientId,
          clientSecret: GOOGLE_CLIENT.clientSecret,
          settings: {
            tokenEndpointAuthMethod: 'client_secret_post',
            extraAuthorizationParams: { access_type: 'offline', prompt: 'consent' },
            acceptedIssuer: server.issuer,
            scope,
          },
          instructions: [
            `Client ID: ${GOOGLE_CLIENT.clientId}`,
            `Client secret: ${GOOGLE_CLIENT.clientSecret} (test value; required even with PKCE)`,
            'Advanced → Extra authorization parameters: access_type=offline prompt=consent (else no refresh token)',
            `Advanced → Accepted issuer: ${server.issuer} (the resource metadata says ${server.issuer}/)`,
            `Advanced → Scopes: ${scope}`,
          ],
          withDefaults: 'refused: the issuer in the resource metadata (trailing slash) differs from the OpenID document',
        },
      };
    },
  );
}
