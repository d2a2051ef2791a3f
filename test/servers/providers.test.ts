/**
 * The provider zoo proven from the outside: each emulation starts, serves (or withholds) its metadata where the
 * provider does, and enforces its rules against a plain HTTP client — PKCE, redirect-URI rules, client
 * authentication, refresh rotation, scope rules, its own token and error formats — and its MCP server accepts the
 * tokens it should and refuses the others. No Keyport code: fetch and the automated user agent only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PROVIDER_IDS, demoPorts, describeProvider, startProvider, startProviders } from './providers/index.ts';
import type { ProviderEmulation, ProviderId, ProviderZoo } from './providers/index.ts';
import { ENTRA_IDS } from './providers/entra.ts';
import { GITHUB_CLIENT } from './providers/github.ts';
import { GOOGLE_CLIENT } from './providers/google.ts';
import { FIGMA_CLIENT } from './providers/figma.ts';
import { KEYCLOAK_CLIENT_ID } from './providers/keycloak.ts';
import { OKTA_API_TOKEN, OKTA_AUDIENCE, OKTA_CLIENT_ID } from './providers/okta.ts';
import { SALESFORCE_CLIENT, SLACK_CLIENT } from './providers/redirect-restricted.ts';
import { ACCOUNTS } from './accounts.ts';
import { parseProvidersFlag, startDemo } from './demo.ts';

let zoo: ProviderZoo;
const SLACK_PORT = 3118;

beforeAll(async () => {
  zoo = await startProviders({ options: { slack: { callbackPort: SLACK_PORT }, entra: { accessTokenTtl: 600 } } });
});

afterAll(async () => {
  await zoo?.close();
});

const p = (id: ProviderId): ProviderEmulation => zoo.get(id);

/** The redirect URI the tests use (nothing listens: the user agent stops at the callback). */
const CALLBACK = 'http://127.0.0.1:45999/callback';

interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Fetches an AS document; undefined on a non-200. */
async function json(url: string): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(url);
  return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
}

/** Reads the AS metadata the way an MCP client would (RFC 8414 path-insert, OpenID path-insert, OpenID path-append). */
async function asMetadata(issuer: string): Promise<Record<string, unknown>> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  for (const candidate of [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ]) {
    const found = await json(candidate);
    if (found) return found;
  }
  throw new Error(`no metadata for ${issuer}`);
}

interface Flow {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly redirectUri?: string;
  readonly scope?: string;
  readonly extra?: Readonly<Record<string, string>>;
  readonly pkce?: Pkce | false;
  readonly username?: keyof typeof ACCOUNTS;
}

/** Runs the front channel through the provider's pages; returns the callback's parameters and the PKCE verifier. */
async function authorize(provider: ProviderEmulation, flow: Flow): Promise<{ params: URLSearchParams; verifier: string | undefined; redirectUri: string }> {
  const challenge = flow.pkce === false ? undefined : (flow.pkce ?? pkce());
  const redirectUri = flow.redirectUri ?? CALLBACK;
  const url = new URL(flow.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: flow.clientId,
    redirect_uri: redirectUri,
    state: randomBytes(8).toString('hex'),
    ...(flow.scope !== undefined ? { scope: flow.scope } : {}),
    ...(challenge ? { code_challenge: challenge.challenge, code_challenge_method: 'S256' } : {}),
    ...flow.extra,
  }).toString();
  const account = ACCOUNTS[flow.username ?? 'alice'];
  const result = await provider.login(url, { followCallback: false, credentials: account });
  return { params: result.params, verifier: challenge?.verifier, redirectUri };
}

/** A form POST to a token endpoint. */
function tokenRequest(endpoint: string, form: Readonly<Record<string, string>>, headers: Readonly<Record<string, string>> = {}): Promise<Response> {
  return fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
}

function basic(id: string, secret: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` };
}

/** Front channel + code exchange; returns the token endpoint's JSON. */
async function signIn(provider: ProviderEmulation, flow: Flow, auth: { readonly secret?: string; readonly basic?: boolean } = {}): Promise<Record<string, unknown>> {
  const { params, verifier, redirectUri } = await authorize(provider, flow);
  const code = params.get('code');
  if (!code) throw new Error(`no code: ${params.get('error')} ${params.get('error_description')}`);
  const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...(verifier ? { code_verifier: verifier } : {}) };
  let headers: Record<string, string> = { Accept: 'application/json' };
  if (auth.secret && auth.basic) headers = { ...headers, ...basic(flow.clientId, auth.secret) };
  else Object.assign(form, { client_id: flow.clientId, ...(auth.secret ? { client_secret: auth.secret } : {}) });
  const response = await tokenRequest(flow.tokenEndpoint, form, headers);
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200 || body.error) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** RFC 7591 registration of a native client. */
async function register(endpoint: string, metadata: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ application_type: 'native', client_name: 'zoo suite', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], ...metadata }),
  });
}

/** An MCP session with a fixed Authorization header. */
async function mcp(provider: ProviderEmulation, authorization: string): Promise<Client> {
  const client = new Client({ name: 'zoo-suite', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(provider.mcpUrl), { requestInit: { headers: { Authorization: authorization } } }));
  return client;
}

/** A raw `initialize` POST (status and challenge without the SDK's error wrapping). */
function initialize(provider: ProviderEmulation, authorization?: string): Promise<Response> {
  return fetch(provider.mcpUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...(authorization ? { Authorization: authorization } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'zoo', version: '1' } } }),
  });
}

describe('the registry', () => {
  it('starts every provider with an MCP URL, a Bearer-only challenge, resource metadata and what to enter', async () => {
    expect(Object.keys(zoo.providers).sort()).toEqual([...PROVIDER_IDS].sort());
    const urls = new Set<string>();
    for (const id of PROVIDER_IDS) {
      const provider = p(id);
      urls.add(provider.mcpUrl);
      expect(provider.entry.url).toBe(provider.mcpUrl);
      expect(provider.facts.length).toBeGreaterThan(0);
      const anonymous = await initialize(provider);
      expect(anonymous.status, id).toBe(401);
      expect(anonymous.headers.get('www-authenticate'), id).toMatch(/^Bearer resource_metadata="[^"]+"/);
      const document = await json(provider.mcpServer.resourceMetadataUrl);
      expect(document?.resource, id).toBe(provider.mcpUrl);
      expect(document, id).not.toHaveProperty('dpop_signing_alg_values_supported');
      expect(describeProvider(provider).join('\n')).toContain(provider.mcpUrl);
    }
    expect(urls.size).toBe(PROVIDER_IDS.length);
  });

  it('gives every provider fixed demo ports that do not collide', () => {
    const ports = PROVIDER_IDS.flatMap((id) => Object.values(demoPorts(id)));
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.min(...ports)).toBe(9100);
  });
});

describe('Entra ID', () => {
  const flow = (extra: Record<string, string> = {}, scope = `api://${ENTRA_IDS.apiAppId}/mcp.read api://${ENTRA_IDS.apiAppId}/mcp.write offline_access`): Flow => ({
    authorizationEndpoint: `${p('entra').authServer.issuer.replace('/v2.0', '')}/oauth2/v2.0/authorize`,
    tokenEndpoint: `${p('entra').authServer.issuer.replace('/v2.0', '')}/oauth2/v2.0/token`,
    clientId: ENTRA_IDS.clientId,
    scope,
    extra,
  });

  it('publishes only the tenant OpenID document, without code_challenge_methods_supported or registration', async () => {
    const issuer = p('entra').authServer.issuer;
    const origin = new URL(issuer).origin;
    const path = new URL(issuer).pathname;
    expect(await json(`${origin}/.well-known/oauth-authorization-server${path}`)).toBeUndefined();
    expect(await json(`${origin}/.well-known/openid-configuration${path}`)).toBeUndefined();
    expect(await json(`${origin}/.well-known/oauth-authorization-server`)).toBeUndefined();
    const document = await json(`${issuer}/.well-known/openid-configuration`);
    expect(document?.issuer).toBe(issuer);
    expect(document).not.toHaveProperty('code_challenge_methods_supported');
    expect(document).not.toHaveProperty('registration_endpoint');
  });

  it('refuses a resource that is not its api:// identifier with AADSTS9010010, at both endpoints', async () => {
    const refused = await authorize(p('entra'), flow({ resource: p('entra').mcpUrl }));
    expect(refused.params.get('error')).toBe('invalid_target');
    expect(refused.params.get('error_description')).toMatch(/^AADSTS9010010/);
    const accepted = await authorize(p('entra'), flow({ resource: `api://${ENTRA_IDS.apiAppId}` }));
    expect(accepted.params.get('code')).toBeTruthy();
    const atToken = await tokenRequest(flow().tokenEndpoint, {
      grant_type: 'authorization_code',
      client_id: ENTRA_IDS.clientId,
      code: accepted.params.get('code')!,
      redirect_uri: accepted.redirectUri,
      code_verifier: accepted.verifier!,
      resource: p('entra').mcpUrl,
    });
    expect(atToken.status).toBe(400);
    expect(await atToken.json()).toMatchObject({ error: 'invalid_target', error_description: expect.stringMatching(/^AADSTS9010010/) });
  });

  it('issues a v2 JWT with a string expires_in that its MCP server accepts, and verifies PKCE', async () => {
    const tokens = await signIn(p('entra'), flow());
    expect(typeof tokens.expires_in).toBe('string');
    expect(tokens.token_type).toBe('Bearer');
    expect(decodeJwt(String(tokens.access_token))).toMatchObject({ aud: ENTRA_IDS.apiAppId, scp: 'mcp.read mcp.write', ver: '2.0', tid: ENTRA_IDS.tenant });
    const client = await mcp(p('entra'), `Bearer ${String(tokens.access_token)}`);
    expect((await client.callTool({ name: 'write_data', arguments: { key: 'k', value: 'v' } })).isError).toBeFalsy();
    await client.close();

    const { params, redirectUri } = await authorize(p('entra'), flow());
    const wrongVerifier = await tokenRequest(flow().tokenEndpoint, { grant_type: 'authorization_code', client_id: ENTRA_IDS.clientId, code: params.get('code')!, redirect_uri: redirectUri, code_verifier: pkce().verifier });
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('resolves an unqualified scope against Microsoft Graph, whose token the MCP server refuses', async () => {
    const tokens = await signIn(p('entra'), flow({}, 'mcp.read'));
    expect(decodeJwt(String(tokens.access_token)).aud).toBe('00000003-0000-0000-c000-000000000000');
    const refused = await initialize(p('entra'), `Bearer ${String(tokens.access_token)}`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('claim check failed: aud');
  });

  it('answers prompt=consent with AADSTS90094 and keeps old refresh tokens working after a refresh', async () => {
    const consent = await authorize(p('entra'), flow({ prompt: 'consent' }));
    expect(consent.params.get('error_description')).toMatch(/^AADSTS90094/);
    const tokens = await signIn(p('entra'), flow());
    const refresh = (token: string) => tokenRequest(flow().tokenEndpoint, { grant_type: 'refresh_token', client_id: ENTRA_IDS.clientId, refresh_token: token });
    const first = (await (await refresh(String(tokens.refresh_token))).json()) as Record<string, unknown>;
    expect(first.refresh_token).not.toBe(tokens.refresh_token);
    expect((await refresh(String(tokens.refresh_token))).status).toBe(200);
  });
});

describe('Google', () => {
  const flow = (extra: Record<string, string> = {}): Flow => ({
    authorizationEndpoint: `${p('google').authServer.issuer}/o/oauth2/v2/auth`,
    tokenEndpoint: `${p('google').authServer.issuer}/token`,
    clientId: GOOGLE_CLIENT.clientId,
    scope: `openid ${p('google').authServer.issuer}/auth/mcp.read`,
    redirectUri: 'http://localhost:45998/any/path',
    extra,
  });

  it('disagrees with itself about the issuer and has no RFC 8414 document', async () => {
    const issuer = p('google').authServer.issuer;
    const resource = await json(p('google').mcpServer.resourceMetadataUrl);
    expect(resource?.authorization_servers).toEqual([`${issuer}/`]);
    expect((await json(`${issuer}/.well-known/openid-configuration`))?.issuer).toBe(issuer);
    expect(await json(`${issuer}/.well-known/oauth-authorization-server`)).toBeUndefined();
  });

  it('wants the client secret even with PKCE', async () => {
    const { params, verifier, redirectUri } = await authorize(p('google'), flow());
    const form = { grant_type: 'authorization_code', client_id: GOOGLE_CLIENT.clientId, code: params.get('code')!, redirect_uri: redirectUri, code_verifier: verifier! };
    const missing = await tokenRequest(flow().tokenEndpoint, form);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'invalid_request', error_description: 'client_secret is missing.' });
    expect(p('google').authServer.count({ endpoint: 'token', clientAuth: 'none', status: 400 })).toBeGreaterThanOrEqual(1);
  });

  it('gives a refresh token only with access_type=offline, then only again with prompt=consent', async () => {
    const withoutOffline = await signIn(p('google'), flow(), { secret: GOOGLE_CLIENT.clientSecret });
    expect(withoutOffline).not.toHaveProperty('refresh_token');
    const first = await signIn(p('google'), { ...flow({ access_type: 'offline' }), username: 'bob' }, { secret: GOOGLE_CLIENT.clientSecret, basic: true });
    expect(first.refresh_token).toEqual(expect.any(String));
    const second = await signIn(p('google'), { ...flow({ access_type: 'offline' }), username: 'bob' }, { secret: GOOGLE_CLIENT.clientSecret });
    expect(second).not.toHaveProperty('refresh_token');
    const forced = await signIn(p('google'), { ...flow({ access_type: 'offline', prompt: 'consent' }), username: 'bob' }, { secret: GOOGLE_CLIENT.clientSecret });
    expect(forced.refresh_token).toEqual(expect.any(String));
    expect(p('google').authServer.log.filter((record) => record.endpoint === 'authorization' && record.params?.access_type === 'offline')).toHaveLength(3);
  });

  it('refuses a scope it does not know', async () => {
    const { params } = await authorize(p('google'), { ...flow(), scope: 'openid mcp:read' });
    expect(params.get('error')).toBe('invalid_scope');
  });
});

describe('GitHub', () => {
  const flow = (redirectUri = CALLBACK): Flow => ({
    authorizationEndpoint: `${p('github').authServer.issuer}/authorize`,
    tokenEndpoint: `${p('github').authServer.issuer}/access_token`,
    clientId: GITHUB_CLIENT.clientId,
    redirectUri,
  });

  it('publishes no metadata at all', async () => {
    const origin = new URL(p('github').authServer.issuer).origin;
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/login/oauth', '/login/oauth/.well-known/openid-configuration']) {
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
    }
  });

  it('answers form-encoded unless asked for JSON, errors with HTTP 200, token_type bearer', async () => {
    const { params, verifier, redirectUri } = await authorize(p('github'), flow());
    const form = { client_id: GITHUB_CLIENT.clientId, client_secret: GITHUB_CLIENT.clientSecret, code: params.get('code')!, redirect_uri: redirectUri, code_verifier: verifier! };
    const wrong = await tokenRequest(flow().tokenEndpoint, { ...form, code: 'not-a-code', grant_type: 'authorization_code' });
    expect(wrong.status).toBe(200);
    expect(wrong.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(await wrong.text()).get('error')).toBe('bad_verification_code');
    const noSecret = await tokenRequest(flow().tokenEndpoint, { ...form, client_secret: '', grant_type: 'authorization_code' }, { Accept: 'application/json' });
    expect(noSecret.status).toBe(200);
    expect(await noSecret.json()).toMatchObject({ error: 'incorrect_client_credentials' });

    const granted = await tokenRequest(flow().tokenEndpoint, { ...form, grant_type: 'authorization_code' });
    expect(granted.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const tokens = new URLSearchParams(await granted.text());
    expect(tokens.get('token_type')).toBe('bearer');
    expect(tokens.get('expires_in')).toBe('28800');
    expect(tokens.get('refresh_token_expires_in')).toEqual(expect.any(String));

    const client = await mcp(p('github'), `token ${tokens.get('access_token')}`);
    expect((await client.callTool({ name: 'write_data', arguments: { key: 'k', value: 'v' } })).isError).toBeFalsy();
    await client.close();

    const refresh = { grant_type: 'refresh_token', client_id: GITHUB_CLIENT.clientId, client_secret: GITHUB_CLIENT.clientSecret, refresh_token: tokens.get('refresh_token')! };
    const rotated = (await (await tokenRequest(flow().tokenEndpoint, refresh, { Accept: 'application/json' })).json()) as Record<string, unknown>;
    expect(rotated.refresh_token).toEqual(expect.any(String));
    const reused = await tokenRequest(flow().tokenEndpoint, refresh, { Accept: 'application/json' });
    expect(reused.status).toBe(200);
    expect(await reused.json()).toMatchObject({ error: 'bad_refresh_token' });
  });

  it('matches the registered host exactly but any loopback port and a sub-path', async () => {
    await expect(authorize(p('github'), flow('http://localhost:45999/callback'))).rejects.toMatchObject({ code: 'http_error', status: 400 });
    expect((await authorize(p('github'), flow('http://127.0.0.1:1234/callback/deeper'))).params.get('code')).toBeTruthy();
    await expect(authorize(p('github'), flow('http://127.0.0.1:1234/elsewhere'))).rejects.toMatchObject({ code: 'http_error', status: 400 });
  });
});

describe('Linear', () => {
  it('says token_type "bearer" but its MCP server refuses the lowercase scheme', async () => {
    const metadata = await asMetadata(p('linear').authServer.issuer);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    const tokens = await signIn(p('linear'), { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: registered.client_id, scope: 'read write' });
    expect(tokens.token_type).toBe('bearer');
    const lowercase = await initialize(p('linear'), `bearer ${String(tokens.access_token)}`);
    expect(lowercase.status).toBe(401);
    expect(lowercase.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await initialize(p('linear'), `Bearer ${String(tokens.access_token)}`)).status).toBe(200);
  });

  it('requires PKCE', async () => {
    const metadata = await asMetadata(p('linear').authServer.issuer);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    const { params } = await authorize(p('linear'), { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: '', clientId: registered.client_id, pkce: false });
    expect(params.get('error')).toBe('invalid_request');
  });
});

describe('Atlassian', () => {
  it('rotates refresh tokens and revokes the grant when a rotated one is reused', async () => {
    const metadata = await asMetadata(p('atlassian').authServer.issuer);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    const flow = { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: registered.client_id, scope: 'mcp:read mcp:write', extra: { resource: p('atlassian').mcpUrl } };
    const tokens = await signIn(p('atlassian'), flow);
    const refresh = (token: string) => tokenRequest(flow.tokenEndpoint, { grant_type: 'refresh_token', client_id: registered.client_id, refresh_token: token });
    const next = (await (await refresh(String(tokens.refresh_token))).json()) as Record<string, unknown>;
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(await (await refresh(String(tokens.refresh_token))).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await refresh(String(next.refresh_token))).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('serves many sites on one URL: each account sees its own', async () => {
    const metadata = await asMetadata(p('atlassian').authServer.issuer);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    const flow = { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: registered.client_id, scope: 'mcp:read', extra: { resource: p('atlassian').mcpUrl } };
    const sites: Record<string, unknown> = {};
    for (const username of ['alice', 'bob'] as const) {
      const tokens = await signIn(p('atlassian'), { ...flow, username });
      const client = await mcp(p('atlassian'), `Bearer ${String(tokens.access_token)}`);
      sites[username] = ((await client.callTool({ name: 'getAccessibleAtlassianResources', arguments: {} })).structuredContent as { sites: { name: string }[] }).sites.map((site) => site.name);
      if (username === 'bob') expect((await client.callTool({ name: 'getJiraIssue', arguments: { cloudId: 'globex', issueIdOrKey: 'GX-1' } })).isError).toBe(true);
      await client.close();
    }
    expect(sites).toEqual({ alice: ['acme', 'globex'], bob: ['acme'] });
  });
});

describe('Auth0', () => {
  async function auth0Client() {
    const metadata = await asMetadata(p('auth0').authServer.issuer);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    return { metadata, flow: { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: registered.client_id } };
  }

  it('writes its issuer with a trailing slash', async () => {
    expect(p('auth0').authServer.issuer.endsWith('/')).toBe(true);
    expect((await auth0Client()).metadata.issuer).toBe(p('auth0').authServer.issuer);
  });

  it('ignores resource: an opaque token without audience, which the MCP server refuses; a JWT with it', async () => {
    const { flow } = await auth0Client();
    const opaque = await signIn(p('auth0'), { ...flow, scope: 'openid read:mcp', extra: { resource: p('auth0').mcpUrl } });
    expect(String(opaque.access_token).split('.')).toHaveLength(1);
    expect((await initialize(p('auth0'), `Bearer ${String(opaque.access_token)}`)).status).toBe(401);
    const jwt = await signIn(p('auth0'), { ...flow, scope: 'openid read:mcp write:mcp offline_access', extra: { audience: p('auth0').mcpUrl } });
    expect(decodeJwt(String(jwt.access_token))).toMatchObject({ aud: [p('auth0').mcpUrl, `${p('auth0').authServer.issuer}userinfo`], scope: 'openid read:mcp write:mcp' });
    expect((await initialize(p('auth0'), `Bearer ${String(jwt.access_token)}`)).status).toBe(200);
    const unknown = await authorize(p('auth0'), { ...flow, extra: { audience: 'https://elsewhere.test/api' } });
    expect(unknown.params.get('error_description')).toBe('Service not found: https://elsewhere.test/api');
  });

  it('gives refresh tokens only with offline_access and revokes the family on reuse', async () => {
    const { flow } = await auth0Client();
    expect(await signIn(p('auth0'), { ...flow, scope: 'read:mcp', extra: { audience: p('auth0').mcpUrl } })).not.toHaveProperty('refresh_token');
    const tokens = await signIn(p('auth0'), { ...flow, scope: 'read:mcp offline_access', extra: { audience: p('auth0').mcpUrl } });
    const refresh = (token: string) => tokenRequest(flow.tokenEndpoint, { grant_type: 'refresh_token', client_id: flow.clientId, refresh_token: token });
    const next = (await (await refresh(String(tokens.refresh_token))).json()) as Record<string, unknown>;
    expect((await refresh(String(tokens.refresh_token))).status).toBe(400);
    expect((await refresh(String(next.refresh_token))).status).toBe(400);
  });
});

describe('Okta', () => {
  it('refuses anonymous registration and accepts it with an API token', async () => {
    const metadata = await asMetadata(p('okta').authServer.issuer);
    const endpoint = String(metadata.registration_endpoint);
    expect(new URL(endpoint).pathname).toBe('/oauth2/v1/clients');
    const anonymous = await register(endpoint);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    expect((await register(endpoint, {}, { Authorization: `SSWS ${OKTA_API_TOKEN}` })).status).toBe(201);
  });

  it('signs a pre-registered client in with aud api://default whatever the resource', async () => {
    const metadata = await asMetadata(p('okta').authServer.issuer);
    expect(metadata.issuer).toBe(p('okta').authServer.issuer);
    expect(new URL(String(metadata.issuer)).pathname).toBe('/oauth2/default');
    const tokens = await signIn(p('okta'), {
      authorizationEndpoint: String(metadata.authorization_endpoint),
      tokenEndpoint: String(metadata.token_endpoint),
      clientId: OKTA_CLIENT_ID,
      scope: 'mcp:read',
      extra: { resource: p('okta').mcpUrl },
    });
    expect(decodeJwt(String(tokens.access_token)).aud).toBe(OKTA_AUDIENCE);
    expect((await initialize(p('okta'), `Bearer ${String(tokens.access_token)}`)).status).toBe(200);
  });
});

describe('Keycloak', () => {
  it('refuses anonymous registration unless the host is trusted', async () => {
    const issuer = p('keycloak').authServer.issuer;
    expect(new URL(issuer).pathname).toBe('/realms/mcp');
    const metadata = await asMetadata(issuer);
    expect(await json(`${new URL(issuer).origin}/.well-known/oauth-authorization-server/realms/mcp`)).toBeUndefined();
    const refused = await register(String(metadata.registration_endpoint));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'insufficient_scope', error_description: expect.stringContaining("Policy 'Trusted Hosts' rejected request") });

    const trusting = await startProvider('keycloak', { trustedHosts: ['127.0.0.1'] });
    try {
      const endpoint = String((await asMetadata(trusting.authServer.issuer)).registration_endpoint);
      expect((await register(endpoint)).status).toBe(201);
    } finally {
      await trusting.close();
    }
  });

  it('issues 5-minute tokens for its audience and does not rotate refresh tokens', async () => {
    const metadata = await asMetadata(p('keycloak').authServer.issuer);
    const flow = { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: KEYCLOAK_CLIENT_ID, scope: 'mcp:read' };
    expect(new URL(flow.tokenEndpoint).pathname).toBe('/realms/mcp/protocol/openid-connect/token');
    const tokens = await signIn(p('keycloak'), flow);
    const claims = decodeJwt(String(tokens.access_token));
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300);
    expect(claims.aud).toBe(p('keycloak').mcpUrl);
    const refresh = () => tokenRequest(flow.tokenEndpoint, { grant_type: 'refresh_token', client_id: KEYCLOAK_CLIENT_ID, refresh_token: String(tokens.refresh_token) });
    const first = (await (await refresh()).json()) as Record<string, unknown>;
    expect(first.refresh_token ?? tokens.refresh_token).toBe(tokens.refresh_token);
    expect((await refresh()).status).toBe(200);
  });
});

describe('Figma', () => {
  it('never accepts none: registration hands out a secret and the token endpoint wants it', async () => {
    const metadata = await asMetadata(p('figma').authServer.issuer);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string; client_secret: string; token_endpoint_auth_method: string };
    expect(registered.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(registered.client_secret).toEqual(expect.any(String));
    const flow = { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: registered.client_id, scope: 'files:read' };
    await expect(signIn(p('figma'), flow)).rejects.toThrow(/401.*invalid_client/);
    expect((await signIn(p('figma'), flow, { secret: registered.client_secret, basic: true })).access_token).toEqual(expect.any(String));
    const preregistered = await signIn(p('figma'), { ...flow, clientId: FIGMA_CLIENT.clientId }, { secret: FIGMA_CLIENT.clientSecret });
    expect(p('figma').authServer.log.at(-1)).toMatchObject({ endpoint: 'token', clientAuth: 'client_secret_post', status: 200 });
    expect(preregistered.access_token).toEqual(expect.any(String));
  });
});

describe('Cloudflare workers-oauth-provider', () => {
  it('refuses scopes outside scopes_supported, openid included', async () => {
    const metadata = await asMetadata(p('cloudflare').authServer.issuer);
    expect(metadata.scopes_supported).toEqual(['mcp:read', 'mcp:write', 'mcp:admin']);
    expect(await json(`${p('cloudflare').authServer.issuer}/.well-known/openid-configuration`)).toBeUndefined();
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    const { params } = await authorize(p('cloudflare'), { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: '', clientId: registered.client_id, scope: 'openid mcp:read' });
    expect(params.get('error')).toBe('invalid_scope');
  });

  it('keeps the previous refresh token valid until the new one is used', async () => {
    const metadata = await asMetadata(p('cloudflare').authServer.issuer);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    const flow = { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: registered.client_id, scope: 'mcp:read', extra: { resource: p('cloudflare').mcpUrl } };
    const tokens = await signIn(p('cloudflare'), flow);
    const refresh = async (token: unknown) => (await tokenRequest(flow.tokenEndpoint, { grant_type: 'refresh_token', client_id: registered.client_id, refresh_token: String(token) })).json() as Promise<Record<string, unknown>>;
    const second = await refresh(tokens.refresh_token);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect((await refresh(tokens.refresh_token)).refresh_token).toEqual(expect.any(String)); // a retry with the previous one
    const third = await refresh(second.refresh_token);
    expect(third.error ?? 'ok').toBe('invalid_grant'); // replaced by the retry's token
    expect((await initialize(p('cloudflare'), `Bearer ${String(second.access_token)}`)).status).toBe(200);
    const bad = await authorize(p('cloudflare'), { ...flow, extra: { resource: 'http://127.0.0.1:1/other' } });
    expect(bad.params.get('error')).toBe('invalid_target');
  });
});

describe('Notion', () => {
  it('lets one of two concurrent refreshes with the same token win; the other loses with invalid_grant', async () => {
    const metadata = await asMetadata(p('notion').authServer.issuer);
    const registered = (await (await register(String(metadata.registration_endpoint))).json()) as { client_id: string };
    const flow = { authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: registered.client_id };
    const tokens = await signIn(p('notion'), flow);
    expect(tokens.expires_in).toBe(3600);
    const refresh = () => tokenRequest(flow.tokenEndpoint, { grant_type: 'refresh_token', client_id: registered.client_id, refresh_token: String(tokens.refresh_token) });
    const results = await Promise.all([refresh(), refresh()]);
    expect(results.map((response) => response.status).sort()).toEqual([200, 400]);
    const loser = results.find((response) => response.status === 400)!;
    expect(await loser.json()).toMatchObject({ error: 'invalid_grant' });
    const winner = (await results.find((response) => response.status === 200)!.json()) as Record<string, unknown>;
    const again = await tokenRequest(flow.tokenEndpoint, { grant_type: 'refresh_token', client_id: registered.client_id, refresh_token: String(winner.refresh_token) });
    expect(again.status).toBe(200);
  });
});

describe('redirect-URI restrictions', () => {
  it('Slack: only localhost on the registered port; 127.0.0.1 and other ports are refused', async () => {
    const metadata = await asMetadata(p('slack').authServer.issuer);
    const flow = (redirectUri: string): Flow => ({ authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: SLACK_CLIENT.clientId, scope: 'channels:read', redirectUri });
    await expect(authorize(p('slack'), flow(`http://127.0.0.1:${SLACK_PORT}/callback`))).rejects.toMatchObject({ code: 'http_error', message: expect.stringContaining('not registered') });
    await expect(authorize(p('slack'), flow(`http://localhost:${SLACK_PORT + 1}/callback`))).rejects.toMatchObject({ code: 'http_error', status: 400 });
    const tokens = await signIn(p('slack'), flow(`http://localhost:${SLACK_PORT}/callback`), { secret: SLACK_CLIENT.clientSecret });
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('Salesforce: the exact registered callback, and token responses without expires_in', async () => {
    const metadata = await asMetadata(p('salesforce').authServer.issuer);
    const flow = (redirectUri: string, scope = 'api refresh_token'): Flow => ({ authorizationEndpoint: String(metadata.authorization_endpoint), tokenEndpoint: String(metadata.token_endpoint), clientId: SALESFORCE_CLIENT.clientId, scope, redirectUri });
    await expect(authorize(p('salesforce'), flow('http://localhost:1717/OauthRedirect/more'))).rejects.toMatchObject({ code: 'http_error', status: 400 });
    await expect(authorize(p('salesforce'), flow('http://127.0.0.1:1717/OauthRedirect'))).rejects.toMatchObject({ code: 'http_error', status: 400 });
    const tokens = await signIn(p('salesforce'), flow('http://localhost:1717/OauthRedirect'), { secret: SALESFORCE_CLIENT.clientSecret });
    expect(tokens).not.toHaveProperty('expires_in');
    expect(tokens).toMatchObject({ token_type: 'Bearer', instance_url: expect.any(String), issued_at: expect.any(String) });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(await signIn(p('salesforce'), flow('http://localhost:1717/OauthRedirect', 'api'), { secret: SALESFORCE_CLIENT.clientSecret })).not.toHaveProperty('refresh_token');
  });
});

describe('request logs', () => {
  it('record what was sent without a secret', async () => {
    const log = JSON.stringify(PROVIDER_IDS.map((id) => p(id).authServer.log));
    for (const secret of [GITHUB_CLIENT.clientSecret, GOOGLE_CLIENT.clientSecret, FIGMA_CLIENT.clientSecret, SLACK_CLIENT.clientSecret, SALESFORCE_CLIENT.clientSecret, OKTA_API_TOKEN]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toMatch(/"(code|code_verifier|refresh_token|access_token|client_secret|state)":"/);
    expect(p('entra').authServer.count({ endpoint: 'authorization' })).toBeGreaterThan(0);
  });
});

describe('npm run demo', () => {
  it('lists the Bearer-only, 2026-07-28-only and dual-era servers, and with --providers what to enter', async () => {
    const lines: string[] = [];
    expect(parseProvidersFlag(['--providers'])).toBe(true);
    expect(parseProvidersFlag(['--providers=linear,figma'])).toEqual(['linear', 'figma']);
    expect(() => parseProvidersFlag(['--providers=nope'])).toThrow(/unknown provider/);
    const demo = await startDemo({
      asPort: 0,
      mcpPort: 0,
      variants: { bearerOnly: 0, modern: 0, dual: 0 },
      providers: ['figma'],
      providersBasePort: 'ephemeral',
      print: (line) => lines.push(line),
    });
    try {
      const text = lines.join('\n');
      for (const name of ['bearer-only', 'modern', 'dual'] as const) expect(text).toContain(demo.extraMcpServers?.[name]?.url);
      expect(demo.extraMcpServers?.modern?.era).toBe('modern');
      expect(text).toContain(`Client ID: ${FIGMA_CLIENT.clientId}`);
      expect(text).toContain(demo.providers?.get('figma').mcpUrl);
    } finally {
      await demo.close();
    }
  });
});
