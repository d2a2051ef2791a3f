/**
 * The engine against a real, certified authorization server (oidc-provider) and the protected MCP server of the test
 * bed, all on 127.0.0.1: login through the real pages (in Chromium and with the HTTP user agent), refresh with
 * rotation, DPoP-bound tokens, revocation, and 100 concurrent requests on an expired token.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthEngine, InMemoryCredentialStore, type FetchFn, type OAuthEngine, type ServerTarget } from '../../main/oauth/index.ts';
import { clientAuthFor, introspectToken } from '../../main/oauth/grants.ts';
import { ACCOUNTS } from '../servers/accounts.ts';
import { startTestBed, type TestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';

let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const alice = { username: ACCOUNTS.alice.username, password: ACCOUNTS.alice.password };

function engineWith(options: { now?: () => number; store?: InMemoryCredentialStore } = {}): { engine: OAuthEngine; store: InMemoryCredentialStore } {
  const store = options.store ?? new InMemoryCredentialStore();
  const engine = createOAuthEngine({
    store,
    openBrowser: async (url) => {
      await completeLogin(url, alice);
    },
    loginTimeoutMs: 20_000,
    ...(options.now ? { now: options.now } : {}),
  });
  return { engine, store };
}

async function connect(fetchFn: FetchFn): Promise<{ client: Client; close: () => Promise<void> }> {
  const client = new Client({ name: 'keyport-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(bed.mcpUrl), { fetch: fetchFn });
  await client.connect(transport);
  return { client, close: () => transport.close() };
}

describe('login through oidc-provider', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signs in with the login form driven in Chromium, then calls a tool', async () => {
    const page = await browser.newPage();
    await page.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
    });
    const store = new InMemoryCredentialStore();
    const engine = createOAuthEngine({
      store,
      loginTimeoutMs: 30_000,
      openBrowser: async (url) => {
        await page.goto(url);
        await page.fill('#username', alice.username);
        await page.fill('#password', alice.password);
        await page.click('#sign-in');
        await page.waitForSelector('#allow');
        await Promise.all([page.waitForURL(/127\.0\.0\.1:\d+\/callback/), page.click('#allow')]);
      },
    });
    const target: ServerTarget = { serverUrl: bed.mcpUrl };
    const view = await engine.login(target);
    expect(view.issuer).toBe(bed.issuer);
    expect(view.resource).toBe(bed.mcpUrl);
    expect(view.registration).toBe('dynamic');
    const access = view.tokens.find((t) => t.kind === 'access')!;
    expect(access.format).toBe('jwt');
    expect(access.audience).toContain(bed.mcpUrl);
    expect(access.audienceMatchesResource).toBe(true);
    expect(await page.textContent('h1')).toBe('Signed in');
    const { client, close } = await connect(engine.authorizedFetch(target, { interactive: false }));
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('public_info');
    await close();
    await page.close();
  });
});

describe('token lifecycle against oidc-provider', () => {
  it('refreshes with rotation', async () => {
    const { engine, store } = engineWith();
    const target: ServerTarget = { serverUrl: bed.mcpUrl, settings: { dpop: 'off' } };
    await engine.login(target);
    const before = (await store.listTokenSets())[0]!;
    expect(before.refreshToken).toBeTruthy();
    const view = await engine.refresh(target);
    const after = (await store.listTokenSets())[0]!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(view.refreshHistory.at(-1)).toMatchObject({ outcome: 'ok', rotated: true });
    const { client, close } = await connect(engine.authorizedFetch(target, { interactive: false }));
    await client.listTools();
    await close();
  });

  it('gets DPoP-bound tokens and uses them at the MCP server', async () => {
    const { engine, store } = engineWith();
    const target: ServerTarget = { serverUrl: bed.mcpUrl };
    const view = await engine.login(target);
    const access = view.tokens.find((t) => t.kind === 'access')!;
    expect(access.tokenType).toBe('DPoP');
    const record = (await store.listTokenSets())[0]!;
    expect(access.dpopJkt).toBeTruthy();
    expect(record.dpopKey).toBeDefined();
    const { client, close } = await connect(engine.authorizedFetch(target, { interactive: false }));
    expect((await client.callTool({ name: 'public_info', arguments: {} })).isError).not.toBe(true);
    await engine.refresh(target);
    await client.listTools();
    await close();
  });

  it('revokes on sign-out, after which introspection says inactive', async () => {
    const { engine, store } = engineWith();
    const target: ServerTarget = { serverUrl: bed.mcpUrl, settings: { dpop: 'off' } };
    await engine.login(target);
    const record = (await store.listTokenSets())[0]!;
    const registration = (await store.getRegistration(record.issuer))!;
    const ctx = { as: record.authorizationServer, client: { client_id: registration.clientId, token_endpoint_auth_method: registration.tokenEndpointAuthMethod }, clientAuth: await clientAuthFor(registration), fetch: ((i, init) => fetch(i, init)) as FetchFn };
    expect((await introspectToken(ctx, record.refreshToken!, 'refresh_token')).active).toBe(true);
    const { revoked } = await engine.logout(target);
    expect(revoked).toBe(true);
    expect(bed.authServer.count({ endpoint: 'revocation' })).toBeGreaterThanOrEqual(2);
    expect((await introspectToken(ctx, record.refreshToken!, 'refresh_token')).active).toBe(false);
    expect(await engine.status(target)).toEqual({ state: 'signed-out' });
  });

  it('100 concurrent requests on an expired token make exactly one refresh and no grant revocation', async () => {
    let clock = Date.now();
    const { engine } = engineWith({ now: () => clock });
    const target: ServerTarget = { serverUrl: bed.mcpUrl, settings: { dpop: 'off' } };
    await engine.login(target);
    const { client, close } = await connect(engine.authorizedFetch(target, { interactive: false }));
    bed.authServer.clearLog();
    clock += 2 * 3600_000; // the engine now sees the access token as expired
    const results = await Promise.all(Array.from({ length: 100 }, () => client.callTool({ name: 'public_info', arguments: {} })));
    expect(results.every((r) => r.isError !== true)).toBe(true);
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' })).toBe(1);
    expect(bed.authServer.count({ endpoint: 'token', error: 'invalid_grant' })).toBe(0);
    // The grant is still alive: one more refresh works.
    await engine.refresh(target);
    await close();
  });
});

describe('RFC 7592 registration management against oidc-provider', () => {
  it('reads, updates and deletes the dynamic registration', async () => {
    const { engine, store } = engineWith();
    const target: ServerTarget = { serverUrl: bed.mcpUrl, settings: { dpop: 'off' } };
    await engine.login(target);
    const current = await engine.readRegistration(target);
    expect(current.client_name).toBe('Keyport');
    expect(current).not.toHaveProperty('registration_access_token');
    const { client_id: _id, client_secret_expires_at: _e, client_id_issued_at: _i, registration_client_uri: _u, ...metadata } = current;
    await engine.updateRegistration(target, { ...metadata, client_name: 'Keyport (renamed)' });
    expect((await engine.readRegistration(target)).client_name).toBe('Keyport (renamed)');
    await engine.deleteRegistration(target);
    expect(await store.getRegistration(bed.issuer)).toBeUndefined();
  });
});
