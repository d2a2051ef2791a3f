/**
 * The test bed checked from the outside with oauth4webapi as the client (no Keyport code): discovery, DCR, a full
 * PKCE login through the automated user agent, the JWT access tokens, the MCP server's 401/403 challenges, refresh
 * rotation, revocation/introspection, client_credentials, DPoP and the device flow.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as oauth from 'oauth4webapi';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { chromium } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startTestBed } from './testbed.ts';
import type { TestBed } from './testbed.ts';
import { startMcpServer } from './mcp-server.ts';
import { CookieJar, UserAgentError, completeDeviceLogin, completeLogin } from './user-agent.ts';
import type { ApproveScopes } from './user-agent.ts';

const execFileAsync = promisify(execFile);
const insecure = { [oauth.allowInsecureRequests]: true } as const;

interface CallbackServer {
  readonly redirectUri: string;
  readonly hits: URL[];
  close(): Promise<void>;
}

/** A tiny RFC 8252 loopback callback listener on an ephemeral port. */
async function startCallbackServer(): Promise<CallbackServer> {
  const hits: URL[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    res.setHeader('Content-Type', 'text/plain');
    res.end('signed in, you can close this window');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let bed: TestBed;
let as: oauth.AuthorizationServer;
let callback: CallbackServer;
/** A public native client registered once, with a loopback redirect on a port that is NOT the callback's. */
let client: oauth.Client;

beforeAll(async () => {
  bed = await startTestBed();
  as = await oauth.processDiscoveryResponse(
    new URL(bed.issuer),
    await oauth.discoveryRequest(new URL(bed.issuer), { algorithm: 'oauth2', ...insecure }),
  );
  callback = await startCallbackServer();
  client = await registerNativeClient('http://127.0.0.1:1/callback');
});

afterAll(async () => {
  await callback?.close();
  await bed?.close();
});

async function registerNativeClient(redirectUri: string): Promise<oauth.Client> {
  const response = await oauth.dynamicClientRegistrationRequest(
    as,
    {
      application_type: 'native',
      client_name: 'testbed suite',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'],
    } as Partial<oauth.Client>,
    insecure,
  );
  return (await oauth.processDynamicClientRegistrationResponse(response)) as oauth.Client;
}

interface LoginOptions {
  readonly scope?: string;
  readonly resource?: string;
  readonly dpop?: oauth.DPoPHandle;
  /** Another registered client than the shared one (consent is remembered per user and client). */
  readonly client?: oauth.Client;
  readonly approveScopes?: ApproveScopes;
  readonly cookies?: CookieJar;
  readonly fetch?: typeof fetch;
}

/** Builds an authorization request (PKCE S256, state, resource) for the shared client and callback. */
async function authorizationRequest(options: LoginOptions = {}): Promise<{ url: URL; verifier: string; state: string; resource: string }> {
  const resource = options.resource ?? bed.mcpUrl;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: (options.client ?? client).client_id,
    redirect_uri: callback.redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'mcp:read mcp:write',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    resource,
  }).toString();
  return { url, verifier, state, resource };
}

/** Authorization code + PKCE through the automated user agent; returns the token response. */
async function login(username: string, password: string, options: LoginOptions = {}): Promise<oauth.TokenEndpointResponse> {
  const { url, verifier, state, resource } = await authorizationRequest(options);
  const { approveScopes, cookies, fetch: agentFetch } = options;
  const result = await completeLogin(url, { username, password }, { approveScopes, cookies, fetch: agentFetch });
  expect(result.status).toBe(200);
  return exchangeCode(result.callbackUrl, state, verifier, resource, options);
}

/** Redeems the code of a callback URL for the (given or shared) client. */
async function exchangeCode(callbackUrl: string, state: string, verifier: string, resource: string, options: LoginOptions = {}): Promise<oauth.TokenEndpointResponse> {
  const who = options.client ?? client;
  const params = oauth.validateAuthResponse(as, who, new URL(callbackUrl), state);
  const response = await oauth.authorizationCodeGrantRequest(as, who, oauth.None(), params, callback.redirectUri, verifier, {
    additionalParameters: { resource },
    ...(options.dpop ? { DPoP: options.dpop } : {}),
    ...insecure,
  });
  return oauth.processAuthorizationCodeResponse(as, who, response);
}

/** Opens an MCP session with the SDK client and a static Authorization header. */
async function connectMcp(accessToken: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(bed.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  const mcp = new Client({ name: 'testbed-suite', version: '1.0.0' });
  await mcp.connect(transport);
  return { client: mcp, transport };
}

function mcpPost(headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(bed.mcpUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}

/**
 * The 401 of a resource that supports DPoP (the default `dpop: 'supported'`): a Bearer challenge, then a DPoP one
 * with the accepted algorithms (two header lines, which fetch joins with ", ").
 */
function bothSchemes(resourceMetadata: string, scope: string): string {
  return `Bearer resource_metadata="${resourceMetadata}", scope="${scope}", DPoP resource_metadata="${resourceMetadata}", scope="${scope}", algs="ES256 EdDSA Ed25519 RS256 PS256"`;
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('discovery', () => {
  it('serves RFC 8414 and OpenID metadata with PKCE S256, iss, DCR and the MCP scopes', async () => {
    expect(as.issuer).toBe(bed.issuer);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    expect(as.registration_endpoint).toBe(`${bed.issuer}/reg`);
    expect(as.scopes_supported).toEqual(['openid', 'offline_access', 'mcp:read', 'mcp:write', 'mcp:admin']);
    expect(as.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']),
    );
    expect(as.dpop_signing_alg_values_supported).toContain('ES256');
    const openid = await oauth.processDiscoveryResponse(new URL(bed.issuer), await oauth.discoveryRequest(new URL(bed.issuer), insecure));
    expect(openid.token_endpoint).toBe(as.token_endpoint);
  });

  it('serves RFC 9728 protected resource metadata for the MCP endpoint', async () => {
    const resource = await oauth.processResourceDiscoveryResponse(
      new URL(bed.mcpUrl),
      await oauth.resourceDiscoveryRequest(new URL(bed.mcpUrl), insecure),
    );
    expect(resource.resource).toBe(bed.mcpUrl);
    expect(resource.authorization_servers).toEqual([bed.issuer]);
    expect(resource.scopes_supported).toEqual(['mcp:read', 'mcp:write', 'mcp:admin']);
    expect(resource.bearer_methods_supported).toEqual(['header']);
  });
});

describe('dynamic client registration', () => {
  it('registers a native public client with a loopback redirect and supports RFC 7592 read', async () => {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      { application_type: 'native', redirect_uris: ['http://127.0.0.1:49152/callback'], token_endpoint_auth_method: 'none' } as Partial<oauth.Client>,
      insecure,
    );
    const registered = (await oauth.processDynamicClientRegistrationResponse(response)) as Record<string, unknown>;
    expect(registered.client_id).toEqual(expect.any(String));
    expect(registered.client_secret).toBeUndefined();
    expect(registered.grant_types).toEqual(['authorization_code', 'refresh_token']);
    const read = await fetch(String(registered.registration_client_uri), {
      headers: { Authorization: `Bearer ${String(registered.registration_access_token)}` },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { client_id: string }).client_id).toBe(registered.client_id);
    expect(bed.authServer.count({ endpoint: 'registration', route: 'client', status: 200 })).toBe(1);
  });
});

describe('authorization code + PKCE through the login pages', () => {
  it('logs alice in on a loopback callback on another port and issues a JWT for the MCP resource', async () => {
    bed.authServer.clearLog();
    const hitsBefore = callback.hits.length;
    const tokens = await login('alice', 'password123', { scope: 'mcp:read mcp:write mcp:admin' });
    expect(callback.hits.length).toBe(hitsBefore + 1);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const claims = decodeJwt(tokens.access_token);
    expect(claims.iss).toBe(bed.issuer);
    expect(claims.aud).toBe(bed.mcpUrl);
    expect(claims.sub).toBe('alice');
    expect(claims.client_id).toBe(client.client_id);
    // alice may not have mcp:admin: it is refused at consent, not an error.
    expect(claims.scope).toBe('mcp:read mcp:write');
    expect(bed.authServer.count({ endpoint: 'authorization' })).toBe(1);
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'authorization_code', status: 200 })).toBe(1);
  });

  it('requires PKCE: a request without code_challenge comes back as invalid_request', async () => {
    const { url } = await authorizationRequest();
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const result = await completeLogin(url, { username: 'bob', password: 'secret456' });
    expect(result.params.get('error')).toBe('invalid_request');
    expect(result.params.get('error_description')).toMatch(/PKCE/);
  });

  it('reports an AS error page (unregistered redirect URI) as http_error with its text', async () => {
    const { url } = await authorizationRequest();
    url.searchParams.set('redirect_uri', 'http://example.test/callback');
    const error = await completeLogin(url, { username: 'bob', password: 'secret456' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'http_error', status: 400 });
    expect((error as Error).message).toMatch(/redirect_uri/);
  });

  it('caps bob at mcp:read', async () => {
    const tokens = await login('bob', 'secret456');
    expect(decodeJwt(tokens.access_token).scope).toBe('mcp:read');
  });

  it('reports a wrong password as login_rejected', async () => {
    const error = await login('alice', 'wrong').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserAgentError);
    expect((error as UserAgentError).code).toBe('login_rejected');
    expect((error as UserAgentError).message).toContain('Invalid username or password');
  });

  it('returns access_denied to the callback when consent is denied', async () => {
    const { url, state } = await authorizationRequest({ scope: 'mcp:read' });
    const result = await completeLogin(url, { username: 'bob', password: 'secret456' }, { consent: 'deny' });
    expect(result.params.get('error')).toBe('access_denied');
    expect(result.params.get('state')).toBe(state);
    expect(result.params.get('iss')).toBe(bed.issuer);
  });
});

describe('user agent', () => {
  it('copes with an AS that redirects to the callback at once (no login page)', async () => {
    const instant = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      res.statusCode = 302;
      res.setHeader('Location', `${url.searchParams.get('redirect_uri')}?code=test-code&state=${url.searchParams.get('state')}`);
      res.end();
    });
    await new Promise<void>((resolve) => instant.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = instant.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/authorize?redirect_uri=${encodeURIComponent(callback.redirectUri)}&state=s1`;
      const result = await completeLogin(url, { username: 'x', password: 'y' });
      expect(result).toMatchObject({ status: 200, steps: 2 });
      expect(result.params.get('code')).toBe('test-code');
    } finally {
      await new Promise<void>((resolve) => instant.close(() => resolve()));
    }
  });

  it('keeps the AS session in a shared cookie jar: the second login asks only for consent', async () => {
    const cookies = new CookieJar();
    const first = await authorizationRequest({ scope: 'mcp:read' });
    await completeLogin(first.url, { username: 'bob', password: 'secret456' }, { cookies });
    const second = await authorizationRequest({ scope: 'mcp:read mcp:write' });
    const result = await completeLogin(second.url, { username: 'bob', password: 'not-needed' }, { cookies });
    expect(result.params.get('code')).toEqual(expect.any(String));
  });
});

/** A fetch for the user agent that keeps the consent pages it sees and can add fields to the consent POST. */
function recordingFetch(pages: string[], forged: Readonly<Record<string, string>> = {}): typeof fetch {
  return async (input, init) => {
    let request = init;
    if (init?.method === 'POST' && String(input).endsWith('/confirm') && Object.keys(forged).length) {
      const body = new URLSearchParams(String(init.body));
      for (const [name, value] of Object.entries(forged)) body.append(name, value);
      request = { ...init, body: body.toString() };
    }
    const response = await fetch(input, request);
    if (response.headers.get('content-type')?.startsWith('text/html')) {
      const html = await response.clone().text();
      if (html.includes('id="consent-form"')) pages.push(html);
    }
    return response;
  };
}

/** The consent page's scope list as `scope → "state [x]" | "state [ ]" | "state"` (no checkbox). */
function consentRows(html: string | undefined): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const match of (html ?? '').matchAll(/<li data-scope="([^"]+)" data-state="([^"]+)">(.*?)<\/li>/g)) {
    const box = /<input type="checkbox"[^>]*>/.exec(match[3] ?? '')?.[0];
    rows[match[1] ?? ''] = `${match[2]}${box === undefined ? '' : box.includes(' checked') ? ' [x]' : ' [ ]'}`;
  }
  return rows;
}

/** The tools/call of write_data as a raw JSON-RPC message. */
const writeDataCall = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'write_data', arguments: { key: 'k', value: 'v' } } };

describe('step-up consent (default and grantable scopes)', () => {
  it('gives bob mcp:read by default; consenting to mcp:write on a second authorization lets write_data through', async () => {
    const stepUpClient = await registerNativeClient(callback.redirectUri);
    const cookies = new CookieJar();
    const pages: string[] = [];
    const first = await login('bob', 'secret456', { client: stepUpClient, cookies, fetch: recordingFetch(pages) });
    expect(decodeJwt(first.access_token).scope).toBe('mcp:read');
    expect(consentRows(pages[0])).toEqual({ 'mcp:read': 'default [x]', 'mcp:write': 'offered [ ]' });

    const session = await connectMcp(first.access_token);
    const forbidden = await mcpPost(
      { Authorization: `Bearer ${first.access_token}`, 'Mcp-Session-Id': session.transport.sessionId!, 'Mcp-Protocol-Version': '2025-06-18' },
      writeDataCall,
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="mcp:write"');
    await session.client.close();

    // The step-up: same browser session (the grant declined mcp:write), consent only, every offered box ticked.
    const second = await login('bob', 'not-needed', { client: stepUpClient, cookies, approveScopes: 'all', fetch: recordingFetch(pages) });
    expect(consentRows(pages[1])).toEqual({ 'mcp:read': 'default [x]', 'mcp:write': 'offered [ ]' });
    expect(decodeJwt(second.access_token).scope).toBe('mcp:read mcp:write');
    const stepped = await connectMcp(second.access_token);
    const written = await stepped.client.callTool({ name: 'write_data', arguments: { key: 'bob-color', value: 'green' } });
    expect(written.isError).toBeFalsy();
    await stepped.client.close();

    // Consent is remembered per user and client: in a fresh browser mcp:write is now pre-checked for this client…
    const third = await login('bob', 'secret456', { client: stepUpClient, fetch: recordingFetch(pages) });
    expect(consentRows(pages[2])).toEqual({ 'mcp:read': 'default [x]', 'mcp:write': 'granted [x]' });
    expect(decodeJwt(third.access_token).scope).toBe('mcp:read mcp:write');
    // …and only for it.
    expect(decodeJwt((await login('bob', 'secret456')).access_token).scope).toBe('mcp:read');
  });

  it('asks a web client (no forced consent) again for a declined scope, and not when nothing new is requested', async () => {
    const web = (await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { application_type: 'web', redirect_uris: [callback.redirectUri], token_endpoint_auth_method: 'none', response_types: ['code'] } as Partial<oauth.Client>,
        insecure,
      ),
    )) as oauth.Client;
    const cookies = new CookieJar();
    const pages: string[] = [];
    const first = await login('bob', 'secret456', { client: web, cookies, fetch: recordingFetch(pages) });
    expect(decodeJwt(first.access_token).scope).toBe('mcp:read');
    const silent = await login('bob', 'not-needed', { client: web, cookies, scope: 'mcp:read', fetch: recordingFetch(pages) });
    expect(decodeJwt(silent.access_token).scope).toBe('mcp:read');
    expect(pages).toHaveLength(1);
    const stepped = await login('bob', 'not-needed', { client: web, cookies, approveScopes: ['mcp:read', 'mcp:write'], fetch: recordingFetch(pages) });
    expect(pages).toHaveLength(2);
    expect(decodeJwt(stepped.access_token).scope).toBe('mcp:read mcp:write');
  });

  it('never grants bob mcp:admin, not even for a forged form; admin gets it', async () => {
    const pages: string[] = [];
    const options = { client: await registerNativeClient(callback.redirectUri), scope: 'mcp:read mcp:write mcp:admin' };
    const tokens = await login('bob', 'secret456', { ...options, approveScopes: 'all', fetch: recordingFetch(pages, { scope: 'mcp:admin' }) });
    expect(consentRows(pages[0])).toEqual({ 'mcp:read': 'default [x]', 'mcp:write': 'offered [ ]', 'mcp:admin': 'unavailable' });
    expect(pages[0]).toContain('not available to your account');
    expect(decodeJwt(tokens.access_token).scope).toBe('mcp:read mcp:write');

    // Asking for exactly mcp:admin ticks nothing (there is no box for it): nothing granted, access_denied.
    const { url } = await authorizationRequest(options);
    const denied = await completeLogin(url, { username: 'bob', password: 'secret456' }, { approveScopes: ['mcp:admin'] });
    expect(denied.params.get('error')).toBe('access_denied');

    const admin = await login('admin', 'admin789', { client: await registerNativeClient(callback.redirectUri), scope: 'mcp:admin' });
    expect(decodeJwt(admin.access_token).scope).toBe('mcp:admin');
  });

  it("keeps alice's behaviour: her defaults are all she may have, and a list ticks exactly those scopes", async () => {
    const pages: string[] = [];
    const options = { client: await registerNativeClient(callback.redirectUri), scope: 'mcp:read mcp:write mcp:admin' };
    const tokens = await login('alice', 'password123', { ...options, fetch: recordingFetch(pages) });
    expect(consentRows(pages[0])).toEqual({ 'mcp:read': 'default [x]', 'mcp:write': 'default [x]', 'mcp:admin': 'unavailable' });
    expect(decodeJwt(tokens.access_token).scope).toBe('mcp:read mcp:write');
    expect(decodeJwt((await login('alice', 'password123', { ...options, approveScopes: 'all' })).access_token).scope).toBe('mcp:read mcp:write');
    expect(decodeJwt((await login('alice', 'password123', { ...options, approveScopes: ['mcp:read'] })).access_token).scope).toBe('mcp:read');
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('login pages in a real browser', () => {
  it('render without outside requests and complete a login in headless Chromium', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    try {
      const page = await browser.newPage();
      const outside: string[] = [];
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1') return route.continue();
        outside.push(url.href);
        return route.abort();
      });
      const { url, state } = await authorizationRequest({ scope: 'mcp:read mcp:write' });
      await page.goto(url.href);
      await page.fill('input[name=username]', 'alice');
      await page.fill('input[name=password]', 'password123');
      await Promise.all([page.waitForURL(/\/interaction\//), page.click('#sign-in')]);
      await page.waitForSelector('#consent-form');
      await Promise.all([page.waitForURL((u) => u.href.startsWith(callback.redirectUri)), page.click('#allow')]);
      const landed = new URL(page.url());
      expect(landed.searchParams.get('state')).toBe(state);
      expect(landed.searchParams.get('code')).toEqual(expect.any(String));
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('browser-agent script (a --browser-command stand-in)', () => {
  const script = fileURLToPath(new URL('./browser-agent.ts', import.meta.url));

  it('logs in with the credentials from the environment and hits the callback', async () => {
    const { url } = await authorizationRequest();
    const hitsBefore = callback.hits.length;
    const { stderr } = await execFileAsync(process.execPath, [script, url.href], {
      env: { ...process.env, KEYPORT_TEST_USER: 'bob', KEYPORT_TEST_PASSWORD: '' },
    });
    expect(stderr).toMatch(/^browser-agent: bob reached http:\/\/127\.0\.0\.1:\d+\/callback \(code, HTTP 200\)/);
    expect(callback.hits.length).toBe(hitsBefore + 1);
    expect(callback.hits.at(-1)?.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('ticks every offered scope with KEYPORT_TEST_APPROVE_SCOPES=all', async () => {
    const stepUpClient = await registerNativeClient(callback.redirectUri);
    const { url, state, verifier, resource } = await authorizationRequest({ client: stepUpClient });
    await execFileAsync(process.execPath, [script, url.href], {
      env: { ...process.env, KEYPORT_TEST_USER: 'bob', KEYPORT_TEST_PASSWORD: '', KEYPORT_TEST_APPROVE_SCOPES: 'all' },
    });
    const tokens = await exchangeCode(`${callback.redirectUri}${callback.hits.at(-1)?.search ?? ''}`, state, verifier, resource, { client: stepUpClient });
    expect(decodeJwt(tokens.access_token).scope).toBe('mcp:read mcp:write');
  });

  it('exits 1 with login_rejected on a wrong password', async () => {
    const { url } = await authorizationRequest();
    const failure = await execFileAsync(process.execPath, [script, url.href], {
      env: { ...process.env, KEYPORT_TEST_USER: 'alice', KEYPORT_TEST_PASSWORD: 'nope' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/^browser-agent: login_rejected: /) });
  });
});

describe('protected MCP server', () => {
  it('challenges a request without a token with resource_metadata and scope, in both schemes (DPoP supported)', async () => {
    const response = await mcpPost({}, initialize);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(bothSchemes(bed.mcpServer.resourceMetadataUrl, 'mcp:read mcp:write'));
  });

  it('answers invalid_token for a token it cannot verify', async () => {
    const response = await mcpPost({ Authorization: 'Bearer not-a-jwt' }, initialize);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="/);
  });

  it('lets alice call write_data and answers bob 403 insufficient_scope', async () => {
    const alice = await login('alice', 'password123');
    const aliceSession = await connectMcp(alice.access_token);
    const written = await aliceSession.client.callTool({ name: 'write_data', arguments: { key: 'color', value: 'teal' } });
    expect(written.isError).toBeFalsy();
    const read = await aliceSession.client.callTool({ name: 'read_data', arguments: { key: 'color' } });
    expect(read.content).toEqual([{ type: 'text', text: 'color=teal' }]);
    await aliceSession.client.close();

    const bob = await login('bob', 'secret456');
    const bobSession = await connectMcp(bob.access_token);
    expect((await bobSession.client.callTool({ name: 'read_data', arguments: {} })).isError).toBeFalsy();
    const forbidden = await mcpPost(
      {
        Authorization: `Bearer ${bob.access_token}`,
        'Mcp-Session-Id': bobSession.transport.sessionId!,
        'Mcp-Protocol-Version': '2025-06-18',
      },
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'write_data', arguments: { key: 'k', value: 'v' } } },
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="write_data requires mcp:write", resource_metadata="${bed.mcpServer.resourceMetadataUrl}", scope="mcp:write"`,
    );
    await bobSession.client.close();
  });

  it('offers the tools, resources and prompts of the design', async () => {
    const alice = await login('alice', 'password123');
    const { client: mcp } = await connectMcp(alice.access_token);
    const tools = (await mcp.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(
      expect.arrayContaining(['public_info', 'get_user_profile', 'read_data', 'write_data', 'admin_operation', 'create_secure_note', 'list_secure_notes', 'get_api_usage', 'long_running_task', 'get_logo']),
    );
    const profile = await mcp.callTool({ name: 'get_user_profile', arguments: {} });
    expect(profile.structuredContent).toMatchObject({ sub: 'alice', scopes: ['mcp:read', 'mcp:write'] });
    const logo = await mcp.callTool({ name: 'get_logo', arguments: {} });
    expect(logo.content).toEqual([expect.objectContaining({ type: 'image', mimeType: 'image/png' })]);
    const progress: number[] = [];
    await mcp.callTool({ name: 'long_running_task', arguments: { steps: 3, delay_ms: 1 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(progress).toEqual([1, 2, 3]);
    const note = await mcp.callTool({ name: 'create_secure_note', arguments: { title: 'hello', content: 'world' } });
    const link = (note.content as { type: string; uri?: string }[]).find((c) => c.type === 'resource_link');
    const read = await mcp.readResource({ uri: link!.uri! });
    expect(read.contents[0]).toMatchObject({ text: 'hello\n\nworld' });
    expect((await mcp.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toContain('user://notes/{id}');
    expect((await mcp.readResource({ uri: 'user://profile' })).contents[0]).toMatchObject({ mimeType: 'application/json' });
    const prompt = await mcp.getPrompt({ name: 'draft_note', arguments: { topic: 'keys' } });
    expect(prompt.messages[0]?.content).toMatchObject({ type: 'text', text: expect.stringContaining('keys') });
    await mcp.close();
  });

  it('refuses an expired access token with invalid_token', async () => {
    bed.authServer.setTokenTtls({ accessToken: 1 });
    try {
      const tokens = await login('bob', 'secret456');
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await mcpPost({ Authorization: `Bearer ${tokens.access_token}` }, initialize);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error_description="access token expired"');
    } finally {
      bed.authServer.setTokenTtls({ accessToken: 3600 });
    }
  });

  it('survives a restart on the same port (sessions are lost)', async () => {
    const tokens = await login('bob', 'secret456');
    const { client: mcp, transport } = await connectMcp(tokens.access_token);
    const port = bed.mcpServer.port;
    await bed.mcpServer.restart();
    expect(bed.mcpServer.port).toBe(port);
    const stale = await mcpPost(
      { Authorization: `Bearer ${tokens.access_token}`, 'Mcp-Session-Id': transport.sessionId!, 'Mcp-Protocol-Version': '2025-06-18' },
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
    );
    expect(stale.status).toBe(404);
    const fresh = await connectMcp(tokens.access_token);
    expect((await fresh.client.listTools()).tools.length).toBeGreaterThan(5);
    await fresh.client.close();
    await mcp.close().catch(() => undefined);
  });
});

describe('MCP server options', () => {
  it('verifies tokens with only an issuer (jwks_uri from RFC 8414 metadata) and a custom resource path', async () => {
    const other = await startMcpServer({ issuer: bed.issuer, resourcePath: '/other/mcp', challengeScope: 'mcp:read' });
    try {
      bed.authServer.addResource(other.url);
      expect(other.resourceMetadataUrl).toBe(`${other.origin}/.well-known/oauth-protected-resource/other/mcp`);
      const unauthenticated = await fetch(other.url, { method: 'POST' });
      expect(unauthenticated.headers.get('www-authenticate')).toBe(bothSchemes(other.resourceMetadataUrl, 'mcp:read'));
      const tokens = await login('bob', 'secret456', { resource: other.url, scope: 'mcp:read' });
      const response = await fetch(other.url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify(initialize),
      });
      expect(response.status).toBe(200);
      // A token for the other resource is not accepted by the main MCP server (audience check).
      const wrongAudience = await mcpPost({ Authorization: `Bearer ${tokens.access_token}` }, initialize);
      expect(wrongAudience.status).toBe(401);
      expect(other.count({ rpcMethod: 'initialize', status: 200 })).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('legacy HTTP+SSE transport (2024-11-05)', () => {
  it('refuses a POST to the MCP URL, streams on GET, and applies the same 401/403 challenges and metadata', async () => {
    const legacy = await startMcpServer({ authServer: bed.authServer, transport: 'sse' });
    try {
      expect(legacy.transport).toBe('sse');
      expect(legacy.sseUrl).toBe(`${legacy.origin}/sse`);
      // What a client's Streamable HTTP attempt meets, token or not: 405, so it falls back to GET.
      const post = await fetch(legacy.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify(initialize),
      });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET');
      const unauthenticated = await fetch(legacy.url, { headers: { Accept: 'text/event-stream' } });
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('www-authenticate')).toBe(bothSchemes(legacy.resourceMetadataUrl, 'mcp:read mcp:write'));
      const metadata = (await (await fetch(legacy.resourceMetadataUrl)).json()) as { resource: string };
      expect(metadata.resource).toBe(legacy.url);

      const tokens = await login('bob', 'secret456', { resource: legacy.url });
      const authorization = `Bearer ${tokens.access_token}`;
      const transport = new SSEClientTransport(new URL(legacy.url), { requestInit: { headers: { Authorization: authorization } } });
      const mcp = new Client({ name: 'testbed-suite-sse', version: '1.0.0' });
      await mcp.connect(transport);
      expect(legacy.sessionCount).toBe(1);
      expect((await mcp.listTools()).tools.map((tool) => tool.name)).toContain('write_data');
      const read = await mcp.callTool({ name: 'read_data', arguments: {} });
      expect(read.isError).toBeFalsy();
      await expect(mcp.callTool({ name: 'write_data', arguments: { key: 'k', value: 'v' } })).rejects.toThrow(/HTTP 403/);

      const sessionId = legacy.log.find((record) => record.method === 'GET' && record.path === '/mcp' && record.sessionId)?.sessionId;
      const messages = `${legacy.origin}/messages?sessionId=${sessionId}`;
      const headers = { Authorization: authorization, 'Content-Type': 'application/json' };
      const forbidden = await fetch(messages, { method: 'POST', headers, body: JSON.stringify(writeDataCall) });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('www-authenticate')).toBe(
        `Bearer error="insufficient_scope", error_description="write_data requires mcp:write", resource_metadata="${legacy.resourceMetadataUrl}", scope="mcp:write"`,
      );
      const noToken = await fetch(messages, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(writeDataCall) });
      expect(noToken.status).toBe(401);
      const unknown = await fetch(`${legacy.origin}/messages?sessionId=nope`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      expect(unknown.status).toBe(404);
      expect(legacy.count({ path: '/messages', toolName: 'read_data', status: 202 })).toBe(1);
      expect(legacy.count({ path: '/messages', toolName: 'write_data', status: 403 })).toBe(2);

      await mcp.close();
      await vi.waitFor(() => expect(legacy.sessionCount).toBe(0));
    } finally {
      await legacy.close();
    }
  });

  it("serves both transports in 'both' mode, and answers 404 to the POST when asked to", async () => {
    const both = await startMcpServer({ authServer: bed.authServer, transport: 'both' });
    const notFound = await startMcpServer({ authServer: bed.authServer, transport: 'sse', ssePostStatus: 404 });
    try {
      expect((await fetch(notFound.url, { method: 'POST', body: '{}' })).status).toBe(404);
      expect(bed.mcpServer.sseUrl).toBeUndefined();
      expect((await fetch(`${bed.mcpServer.origin}/sse`)).status).toBe(404);

      const tokens = await login('alice', 'password123', { resource: both.url });
      const requestInit = { headers: { Authorization: `Bearer ${tokens.access_token}` } };
      const streamable = new Client({ name: 'testbed-suite', version: '1.0.0' });
      await streamable.connect(new StreamableHTTPClientTransport(new URL(both.url), { requestInit }));
      const legacy = new Client({ name: 'testbed-suite-sse', version: '1.0.0' });
      await legacy.connect(new SSEClientTransport(new URL(both.sseUrl!), { requestInit }));
      expect(both.sessionCount).toBe(2);
      expect((await streamable.callTool({ name: 'write_data', arguments: { key: 'both', value: 'yes' } })).isError).toBeFalsy();
      expect((await legacy.callTool({ name: 'read_data', arguments: { key: 'both' } })).content).toEqual([{ type: 'text', text: 'both=yes' }]);
      await Promise.all([streamable.close(), legacy.close()]);
    } finally {
      await Promise.all([both.close(), notFound.close()]);
    }
  });
});

describe('refresh tokens', () => {
  it('rotates, and reusing a rotated refresh token revokes the grant', async () => {
    const tokens = await login('alice', 'password123');
    const first = tokens.refresh_token!;
    bed.authServer.clearLog();
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first, { additionalParameters: { resource: bed.mcpUrl }, ...insecure }),
    );
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first);
    expect(decodeJwt(refreshed.access_token).aud).toBe(bed.mcpUrl);

    const reuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, reuse)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The whole grant is gone: the new refresh token no longer works either.
    const after = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, after)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' })).toBe(3);
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token', status: 200 })).toBe(1);
  });
});

describe('revocation and introspection (opaque-token resource)', () => {
  it('introspects an active opaque access token, revokes it, and then reports it inactive', async () => {
    const tokens = await login('bob', 'secret456', { resource: bed.authServer.opaqueResource, scope: 'mcp:read' });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const active = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, oauth.None(), tokens.access_token, insecure),
    );
    expect(active).toMatchObject({ active: true, sub: 'bob', scope: 'mcp:read', aud: bed.authServer.opaqueResource });
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), tokens.access_token, insecure));
    const inactive = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, oauth.None(), tokens.access_token, insecure),
    );
    expect(inactive.active).toBe(false);
    expect(bed.authServer.count({ endpoint: 'revocation', status: 200 })).toBe(1);
    expect(bed.authServer.count({ endpoint: 'introspection' })).toBe(2);
  });

  it('revoking a refresh token ends it', async () => {
    const tokens = await login('bob', 'secret456');
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), tokens.refresh_token!, insecure));
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, response)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('client_credentials', () => {
  it('issues a JWT for the MCP resource to a confidential client, which the MCP server accepts', async () => {
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' } as Partial<oauth.Client>,
        insecure,
      ),
    );
    const secret = String(registered.client_secret);
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      registered as oauth.Client,
      await oauth.clientCredentialsGrantRequest(as, registered as oauth.Client, oauth.ClientSecretBasic(secret), { scope: 'mcp:read', resource: bed.mcpUrl }, insecure),
    );
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ aud: bed.mcpUrl, sub: registered.client_id, scope: 'mcp:read' });
    const { client: mcp } = await connectMcp(tokens.access_token);
    expect((await mcp.callTool({ name: 'public_info', arguments: {} })).isError).toBeFalsy();
    await mcp.close();
  });
});

describe('DPoP', () => {
  it('binds the token to a key; the MCP server accepts it with a proof and refuses it without', async () => {
    const keyPair = await oauth.generateKeyPair('ES256');
    const dpop = oauth.DPoP(client, keyPair);
    const tokens = await login('alice', 'password123', { dpop });
    expect(tokens.token_type).toBe('dpop');
    expect((decodeJwt(tokens.access_token).cnf as { jkt?: string }).jkt).toEqual(expect.any(String));

    const headers = new Headers({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' });
    const withProof = await oauth.protectedResourceRequest(tokens.access_token, 'POST', new URL(bed.mcpUrl), headers, JSON.stringify(initialize), {
      DPoP: dpop,
      ...insecure,
    });
    expect(withProof.status).toBe(200);
    expect(withProof.headers.get('mcp-session-id')).toEqual(expect.any(String));

    const asBearer = await mcpPost({ Authorization: `Bearer ${tokens.access_token}` }, initialize);
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const noProof = await mcpPost({ Authorization: `DPoP ${tokens.access_token}` }, initialize);
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="missing DPoP proof"/);
  });
});

describe('device flow', () => {
  it('completes RFC 8628 with the automated user agent', async () => {
    const device = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { scope: 'mcp:read', resource: bed.mcpUrl }, insecure),
    );
    const page = await completeDeviceLogin(device.verification_uri_complete!, { username: 'bob', password: 'secret456' });
    expect(page.body).toContain('device-success');
    const tokens = await oauth.processDeviceCodeResponse(
      as,
      client,
      await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, insecure),
    );
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'bob', aud: bed.mcpUrl, scope: 'mcp:read' });
  });
});
