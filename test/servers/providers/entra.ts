/**
 * Microsoft Entra ID (v2.0 endpoints) in front of an MCP server registered as an Entra API app. Reproduced facts:
 *
 * - No dynamic client registration: the app is pre-registered (a public "mobile and desktop" client, no secret);
 *   its loopback redirect URIs `http://127.0.0.1/callback` and `http://localhost/callback` match on any port, the
 *   path must be the registered one.
 * - Metadata only at `/{tenant}/v2.0/.well-known/openid-configuration` (no RFC 8414 document anywhere, nothing at the
 *   path-inserted well-known URLs); issuer `…/{tenant}/v2.0`.
 * - That document does not list `code_challenge_methods_supported`, although the endpoints do PKCE (S256 and plain,
 *   verified when a challenge was sent).
 * - The RFC 8707 `resource` parameter is refused with AADSTS9010010 (`invalid_target`) unless it equals the API's
 *   `api://{app-id}` identifier — at the authorization and at the token endpoint.
 * - Scopes must be fully qualified (`api://{app-id}/mcp.read`); an unqualified one is resolved against another API
 *   (Microsoft Graph): the token then has Graph's audience and the MCP server refuses it. Mixing both fails with
 *   AADSTS28000.
 * - `expires_in` and `ext_expires_in` arrive as strings; `token_type` is `Bearer`; the response's `scope` is fully
 *   qualified; access tokens are v2.0 JWTs with `aud` = the API's app id (a GUID), `scp` with the short scope names,
 *   `azp`, `tid`, `oid`, `ver: "2.0"`.
 * - Refresh tokens only with `offline_access`; a new one on every refresh while the old one keeps working.
 * - `prompt=consent` breaks a tenant that requires admin consent: the request comes back with AADSTS90094.
 * - The MCP server (Bearer only) accepts tokens whose `aud` is the app id or `api://{app-id}`.
 */
import { jwtVerifier, startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';
import { startMiniAs } from './mini-as.ts';
import type { MiniClient, ScopeKind } from './mini-as.ts';
import type { ScopeVocabulary } from '../resource-gate.ts';

/** The emulated tenant, API app and client app ids (GUIDs, as Entra shows them). */
export const ENTRA_IDS = {
  tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  apiAppId: '3f6e2a94-5c1b-4f0e-9d27-8a1b2c3d4e5f',
  clientId: '9b1c7d2e-4a5f-4e6b-8c9d-0e1f2a3b4c5d',
} as const;

/** Microsoft Graph's app id: the audience an unqualified scope ends up with. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const API_ID_URI = `api://${ENTRA_IDS.apiAppId}`;
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** The API's scopes, fully qualified, and what each grants. */
const SCOPES: ScopeVocabulary = {
  names: { 'mcp:read': `${API_ID_URI}/mcp.read`, 'mcp:write': `${API_ID_URI}/mcp.write`, 'mcp:admin': `${API_ID_URI}/mcp.admin` },
};

/** The facts this emulation reproduces (see the file comment). */
export const ENTRA_FACTS = [
  'no dynamic registration: pre-registered public client, loopback redirect on any port',
  'metadata only at /{tenant}/v2.0/.well-known/openid-configuration (no RFC 8414)',
  'code_challenge_methods_supported not listed, PKCE S256 works',
  'resource parameter refused with AADSTS9010010 unless it is the api:// identifier',
  'scopes must be fully qualified (api://{app-id}/…); unqualified ones go to Microsoft Graph',
  'expires_in as a string',
  'prompt=consent refused with AADSTS90094 (admin consent tenant)',
] as const;

/** Starts the Entra emulation. */
export async function startEntra(options: ProviderOptions & { readonly adminConsentRequired?: boolean } = {}): Promise<ProviderEmulation> {
  const client: MiniClient = {
    clientId: ENTRA_IDS.clientId,
    redirectUris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
    authMethod: 'none',
    name: 'Keyport (desktop)',
  };
  const base = `/${ENTRA_IDS.tenant}`;
  const classify = (scope: string): ScopeKind => {
    if (OIDC_SCOPES.has(scope)) return { kind: 'identity' };
    const mcp = (Object.entries(SCOPES.names) as [keyof typeof SCOPES.names, string][]).find(([, name]) => name === scope);
    if (mcp) return { kind: 'mcp', grants: [mcp[0]] };
    if (scope.startsWith('api://')) return { kind: 'unknown' };
    return { kind: 'foreign' };
  };
  const adminConsent = options.adminConsentRequired ?? true;
  const badResource = (resource: string | null) =>
    resource !== null && resource !== API_ID_URI
      ? {
          error: 'invalid_target',
          description: `AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes. Trace ID: ${ENTRA_IDS.tenant.slice(0, 8)}`,
        }
      : undefined;

  return startEmulation(
    () => startMiniAs({
      label: 'Microsoft',
      ...(options.asPort !== undefined ? { port: options.asPort } : {}),
      issuer: (origin) => `${origin}${base}/v2.0`,
      paths: { authorize: `${base}/oauth2/v2.0/authorize`, token: `${base}/oauth2/v2.0/token`, jwks: `${base}/discovery/v2.0/keys` },
      metadata: {
        paths: [`${base}/v2.0/.well-known/openid-configuration`],
        document: (urls) => ({
          token_endpoint: urls.tokenEndpoint,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: urls.jwksUri,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: urls.issuer,
          request_uri_parameter_supported: false,
          authorization_endpoint: urls.authorizationEndpoint,
          http_logout_supported: true,
          frontchannel_logout_supported: true,
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'name', 'email', 'tid', 'oid', 'ver'],
          tenant_region_scope: 'EU',
        }),
      },
      clients: [client],
      pkce: { required: false, methods: ['S256', 'plain'] },
      redirectAllowed: (registered, requested) =>
        requested.protocol === 'http:' &&
        registered.redirectUris.some((uri) => {
          const url = new URL(uri);
          return url.hostname === requested.hostname && url.pathname === requested.pathname && requested.search === '';
        }),
      classifyScope: classify,
      unknownScopes: 'reject',
      checkAuthorization: (params, _client, kinds) => {
        const resource = badResource(params.get('resource'));
        if (resource) return resource;
        const values = [...kinds.values()];
        if (values.some((kind) => kind.kind === 'mcp') && values.some((kind) => kind.kind === 'foreign')) {
          return { error: 'invalid_request', description: 'AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource.' };
        }
        if (adminConsent && (params.get('prompt') ?? '').split(' ').includes('consent')) {
          return { error: 'access_denied', description: 'AADSTS90094: The grant requires admin permission. Ask your administrator to grant consent for this application.' };
        }
        return undefined;
      },
      checkTokenRequest: (params) => badResource(params.get('resource')),
      accessToken: async (grant, context) => {
        const foreign = grant.scopes.filter((scope) => classify(scope).kind === 'foreign');
        const api = grant.scopes.filter((scope) => classify(scope).kind === 'mcp');
        const audience = foreign.length ? GRAPH_APP_ID : ENTRA_IDS.apiAppId;
        const now = Math.floor(Date.now() / 1000);
        const token = await context.sign(
          {
            aud: audience,
            iss: context.issuer,
            iat: now,
            nbf: now,
            exp: now + context.ttl,
            azp: grant.clientId,
            azpacr: '0',
            name: grant.sub,
            oid: `00000000-0000-0000-0000-${Buffer.from(grant.sub).toString('hex').padStart(12, '0').slice(0, 12)}`,
            preferred_username: `${grant.sub}@contoso.test`,
            scp: (foreign.length ? foreign : api).map((scope) => scope.split('/').pop()).join(' '),
            sub: grant.sub,
            tid: ENTRA_IDS.tenant,
            ver: '2.0',
          },
          'JWT',
        );
        return { token, audience, scopes: [...(foreign.length ? foreign : api), ...grant.scopes.filter((scope) => OIDC_SCOPES.has(scope) && scope !== 'offline_access')] };
      },
      accessTokenTtl: options.accessTokenTtl ?? 3599,
      refresh: { issue: (grant) => grant.scopes.includes('offline_access'), rotation: 'rotate-keep-old', ttl: 90 * 24 * 3600 },
      idToken: {},
      tokenResponse: (body) => {
        const shaped = { ...body, expires_in: String(body.expires_in), ext_expires_in: String(body.expires_in) };
        return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' }, body: JSON.stringify(shaped) };
      },
    }),
    async (server) => {
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: jwtVerifier({
          issuer: server.issuer,
          keys: server.jwks.keys,
          audiences: () => [ENTRA_IDS.apiAppId, API_ID_URI],
          rules: { scheme: 'case-insensitive' },
          // `scp` holds the short names; the API's scopes are known by their full names.
          scopes: (claims) => String(claims.scp ?? '').split(' ').filter(Boolean).map((scope) => `${API_ID_URI}/${scope}`),
        }),
        scopes: SCOPES,
        resourceName: 'Contoso MCP (Entra ID)',
      });
      const scope = `${SCOPES.names['mcp:read']} ${SCOPES.names['mcp:write']} offline_access`;
      return {
        id: 'entra',
        name: 'Microsoft Entra ID',
        facts: ENTRA_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          clientId: ENTRA_IDS.clientId,
          settings: {
            tokenEndpointAuthMethod: 'none',
            resourceParameter: 'off',
            scope,
            acceptS256WithoutAdvertisement: true,
            extraAuthorizationParams: { prompt: 'select_account' },
          },
          instructions: [
            `Client ID: ${ENTRA_IDS.clientId} (no secret)`,
            'Advanced → Resource parameter: off (or the custom value ' + API_ID_URI + ')',
            `Advanced → Scopes: ${scope}`,
            'Advanced → Accept S256 without advertisement: on (the v2.0 document does not list it)',
            'Advanced → Extra authorization parameters: prompt=select_account (never prompt=consent: admin-consent tenant)',
          ],
          withDefaults: 'refused: the metadata does not list code_challenge_methods_supported (and no dynamic registration)',
        },
      };
    },
  );
}
