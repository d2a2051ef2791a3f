import { describe, expect, it } from 'vitest';
import type { FlowTraceView } from '../../preload/contract.ts';
import type { LoginState, OAuthEngineDeps } from '../../main/oauth/index.ts';
import { selectScope } from '../../main/oauth/authorize.ts';
import { autoBrowser, startMockServers, type MockOptions } from './helpers/mock-servers.ts';
import { autoBrowserEngine, mockServersPerTest } from './helpers/setup.ts';

const startMock = mockServersPerTest();

/** Mock servers and an engine that signs in through them, recording the login states it reports. */
async function setup(options: MockOptions = {}, deps: Partial<OAuthEngineDeps> = {}) {
  const mock = await startMock(options);
  const states: LoginState[] = [];
  const { engine, store, opened } = autoBrowserEngine({ onLoginState: (_s, st) => states.push(st), ...deps });
  return { mock, engine, opened, states, store, target: { serverUrl: mock.mcpUrl } };
}

describe('scope selection (MCP scope selection strategy, SEP-2207)', () => {
  it('prefers the override, then the challenge, then scopes_supported, else none', () => {
    expect(selectScope({ override: 'x', challenge: 'y', resourceScopes: ['z'] })).toBe('x');
    expect(selectScope({ challenge: 'y', resourceScopes: ['z'] })).toBe('y');
    expect(selectScope({ resourceScopes: ['z', 'w'] })).toBe('z w');
    expect(selectScope({})).toBeUndefined();
  });
  it('adds offline_access only when the AS lists it and a scope is requested', () => {
    expect(selectScope({ challenge: 'mcp', asScopes: ['mcp', 'offline_access'] })).toBe('mcp offline_access');
    expect(selectScope({ asScopes: ['offline_access'] })).toBeUndefined();
    expect(selectScope({ challenge: 'mcp', asScopes: ['mcp'] })).toBe('mcp');
  });
});

describe('login (authorization code + PKCE + DCR)', () => {
  it('walks the closed union of states and stores a token set keyed by issuer, resource and account', async () => {
    const { engine, states, store, target, mock } = await setup({ scopesSupported: ['mcp:read'] });
    const view = await engine.login(target);
    expect(states.map((s) => s.state)).toEqual(['discovering', 'registering', 'awaiting-user', 'exchanging-code', 'signed-in']);
    expect(view).toMatchObject({ issuer: mock.issuer, resource: mock.mcpUrl, registration: 'dynamic', scopes: ['mcp:read'] });
    expect(view.tokens.map((t) => t.kind)).toEqual(['access', 'refresh']);
    expect(view.tokens[0]!.fingerprint).toMatch(/^.{6}….{4}$/);
    expect(await store.getTokenSet({ issuer: mock.issuer, resource: mock.mcpUrl, account: 'default' })).toBeDefined();
    const reg = mock.requests.find((r) => r.path === '/register')!;
    const meta = JSON.parse(reg.body) as Record<string, unknown>;
    expect(meta).toMatchObject({ application_type: 'native', client_name: 'Keyport', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' });
    expect((meta.redirect_uris as string[])[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  });

  it('sends PKCE S256, state and resource in the authorization and token requests', async () => {
    const { engine, target, mock } = await setup();
    await engine.login(target);
    const auth = mock.requests.find((r) => r.path === '/authorize')!;
    expect(auth.query.get('code_challenge_method')).toBe('S256');
    expect(auth.query.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(auth.query.get('resource')).toBe(mock.mcpUrl);
    expect(auth.query.has('scope')).toBe(false);
    const token = new URLSearchParams(mock.requests.find((r) => r.path === '/token')!.body);
    expect(token.get('resource')).toBe(mock.mcpUrl);
    expect(token.get('code_verifier')).toBeTruthy();
  });

  it('requests the scope of the server’s own 401 challenge, not every scope the resource supports', async () => {
    const { engine, target, mock } = await setup({ challengeScope: 'mcp:read', scopesSupported: ['mcp:read', 'mcp:admin'] });
    await engine.login(target);
    const auth = mock.requests.find((r) => r.path === '/authorize')!;
    expect(auth.query.get('scope')).toBe('mcp:read');
  });

  it('omits resource when the server settings opt out', async () => {
    const { engine, mock } = await setup();
    await engine.login({ serverUrl: mock.mcpUrl, settings: { sendResourceParameter: false } });
    expect(mock.requests.find((r) => r.path === '/authorize')!.query.has('resource')).toBe(false);
    expect(new URLSearchParams(mock.requests.find((r) => r.path === '/token')!.body).has('resource')).toBe(false);
  });

  it('refuses an AS without S256 before the browser opens', async () => {
    const { engine, opened, target } = await setup({ codeChallengeMethods: ['plain'] });
    await expect(engine.login(target)).rejects.toMatchObject({ code: 'pkce_unsupported' });
    expect(opened).toEqual([]);
  });

  // A forged response (wrong state, wrong or missing iss) is refused for that request only: the login keeps waiting
  // for the real one (here none comes, so it times out), and no code is ever exchanged.
  it('refuses a response with a wrong state, keeps waiting, and never exchanges the code', async () => {
    const traces: FlowTraceView[] = [];
    const { engine, target, mock } = await setup({ forceState: 'forged' }, { onTrace: (t) => traces.push(t) });
    await expect(engine.login(target, { timeoutMs: 1500 })).rejects.toMatchObject({ code: 'login_timeout' });
    expect(mock.count('/token')).toBe(0);
    // The refusal is in the flow trace (reasons and counts, never the request).
    const refusals = traces.at(-1)!.steps.find((st) => st.name === 'callback-refusals');
    expect(refusals?.detail).toMatch(/refused 1 response .*wrong-state ×1/);
  });

  // DESIGN.md step 7: a response with a wrong or missing iss is refused and the login keeps waiting for the real one
  // (here none comes, so it times out, naming the refusal); nothing is exchanged.
  it('refuses a wrong iss, and a missing one when advertised (RFC 9207), and signs in with the right one', async () => {
    let s = await setup({ issSupported: true, issInRedirect: 'wrong' });
    await expect(s.engine.login(s.target, { timeoutMs: 1500 })).rejects.toMatchObject({ code: 'login_timeout', message: expect.stringContaining('another authorization server') });
    expect(s.mock.count('/token')).toBe(0);
    await s.mock.close();
    s = await setup({ issSupported: true, issInRedirect: 'omit' });
    await expect(s.engine.login(s.target, { timeoutMs: 1500 })).rejects.toMatchObject({ code: 'login_timeout' });
    expect(s.mock.count('/token')).toBe(0);
    await s.mock.close();
    s = await setup({ issSupported: true });
    await expect(s.engine.login(s.target)).resolves.toBeDefined();
  });

  it('maps access_denied to its code', async () => {
    const { engine, target } = await setup({ authorizeError: 'access_denied' });
    await expect(engine.login(target)).rejects.toMatchObject({ code: 'access_denied' });
  });

  it('times out when the user never comes back, and can be cancelled', async () => {
    const { engine, target } = await setup({}, { openBrowser: async () => undefined });
    await expect(engine.login(target, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'login_timeout' });
    const controller = new AbortController();
    const p = engine.login(target, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
  });

  // Regression: the login waited for the opener to return before looking at the callback, so a browser command that
  // stays in the foreground until the browser exits kept the user waiting after they had signed in.
  it('finishes when the browser reaches the callback, even if the browser command never returns', async () => {
    const { engine, target } = await setup({}, {
      openBrowser: async (url) => {
        await autoBrowser(url);
        await new Promise<never>(() => undefined);
      },
    });
    await expect(engine.login(target, { timeoutMs: 2_000 })).resolves.toMatchObject({ resource: target.serverUrl });
  });

  it('reports a browser that cannot be opened as authorization_failed, and closes the callback listener', async () => {
    const { engine, target } = await setup({}, {
      openBrowser: async () => {
        throw new Error('spawn xdg-open ENOENT');
      },
    });
    const failure = await engine.login(target).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'authorization_failed' });
    expect((failure as Error).message).toMatch(/browser/);
  });

  it('refuses to open a non-https authorization endpoint', async () => {
    const fetchFn: typeof fetch = async (input, init) => {
      const r = await fetch(input, init);
      if (String(input).includes('oauth-authorization-server')) {
        const j = (await r.json()) as Record<string, unknown>;
        return Response.json({ ...j, authorization_endpoint: 'javascript:alert(1)' });
      }
      return r;
    };
    const { engine, opened, target } = await setup({}, { fetch: fetchFn });
    await expect(engine.login(target)).rejects.toMatchObject({ code: 'unsafe_url' });
    expect(opened).toEqual([]);
  });

  it('reuses a registration for the same issuer and registers again after invalid_client', async () => {
    const { engine, target, mock, store } = await setup({ rejectClients: ['revoked-client'] });
    await engine.login(target);
    await engine.login(target);
    expect(mock.count('/register')).toBe(1);
    const reg = await store.getRegistration(mock.issuer);
    await store.putRegistration({ ...reg!, clientId: 'revoked-client' });
    await engine.login(target);
    expect(mock.count('/register')).toBe(2);
    expect((await store.getRegistration(mock.issuer))!.clientId).not.toBe('revoked-client');
  });

  it('uses a pre-registered client without registering', async () => {
    const { engine, mock } = await setup();
    const view = await engine.login({ serverUrl: mock.mcpUrl, settings: { mode: 'preregistered', clientId: 'pre-1', clientSecret: 'pre-secret-value', tokenEndpointAuthMethod: 'client_secret_post' } });
    expect(view.registration).toBe('preregistered');
    expect(mock.count('/register')).toBe(0);
    const token = new URLSearchParams(mock.requests.find((r) => r.path === '/token')!.body);
    expect(token.get('client_id')).toBe('pre-1');
    expect(token.get('client_secret')).toBe('pre-secret-value');
  });

  it('asks for a client id when nothing else works', async () => {
    const fetchFn: typeof fetch = async (input, init) => {
      const r = await fetch(input, init);
      if (String(input).includes('oauth-authorization-server')) {
        const { registration_endpoint: _r, ...j } = (await r.json()) as Record<string, unknown>;
        return Response.json(j);
      }
      return r;
    };
    const { engine, target } = await setup({}, { fetch: fetchFn });
    await expect(engine.login(target)).rejects.toMatchObject({ code: 'client_id_required' });
  });

  it('runs several logins to different servers at once', async () => {
    const a = await setup();
    const other = await startMockServers();
    try {
      const [x, y] = await Promise.all([a.engine.login(a.target), a.engine.login({ serverUrl: other.mcpUrl })]);
      expect(x.issuer).toBe(a.mock.issuer);
      expect(y.issuer).toBe(other.issuer);
    } finally {
      await other.close();
    }
  });
});

describe('discovery edge cases through the engine', () => {
  it('follows the 2025-03-26 rules for a server without resource metadata', async () => {
    const { engine, target, mock } = await setup({ prm: 'none' });
    const view = await engine.login(target);
    expect(view.issuer).toBe(mock.issuer);
    expect(view.resource).toBe(mock.mcpUrl);
  });

  it('refuses to sign in to a server that asks for nothing and publishes nothing', async () => {
    const fetchFn: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/mcp')) return Response.json({ jsonrpc: '2.0', id: 0, result: {} });
      return fetch(input, init);
    };
    const { engine, target, opened } = await setup({ prm: 'none' }, { fetch: fetchFn });
    await expect(engine.login(target)).rejects.toMatchObject({ code: 'discovery_failed' });
    expect(opened).toEqual([]);
  });

  it('keeps one token set per server and account: a new issuer supersedes the old set', async () => {
    const { engine, target, store, mock } = await setup();
    await engine.login(target);
    const old = (await store.listTokenSets())[0]!;
    await store.putTokenSet({ ...old, issuer: 'https://old-as.example', obtainedAt: old.obtainedAt - 1000 });
    expect(await store.listTokenSets()).toHaveLength(2);
    await engine.login(target);
    const sets = await store.listTokenSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]!.issuer).toBe(mock.issuer);
  });
});

describe('client credentials', () => {
  it('gets a token with client_secret_basic and records the registration kind', async () => {
    const { engine, mock, opened } = await setup();
    const view = await engine.login({ serverUrl: mock.mcpUrl, settings: { mode: 'client-credentials', clientId: 'svc', clientSecret: 'svc-secret' } });
    expect(view.registration).toBe('client-credentials');
    expect(opened).toEqual([]);
    const req = mock.requests.find((r) => r.path === '/token')!;
    expect(req.headers.authorization).toBe(`Basic ${btoa('svc:svc-secret')}`);
    expect(new URLSearchParams(req.body).get('grant_type')).toBe('client_credentials');
  });
});
