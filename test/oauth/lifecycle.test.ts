import { describe, expect, it } from 'vitest';
import { createOAuthEngine, InMemoryCredentialStore, type OAuthEngineDeps } from '../../main/oauth/index.ts';
import { InProcessRefreshLock } from '../../main/oauth/store.ts';
import { autoBrowser, type MockOptions } from './helpers/mock-servers.ts';
import { autoBrowserEngine, mockServersPerTest } from './helpers/setup.ts';

const startMock = mockServersPerTest();

/** Mock servers and an engine that signs in through them, on a clock the test moves with `advance`. */
async function setup(options: MockOptions = {}, deps: Partial<OAuthEngineDeps> = {}) {
  const mock = await startMock(options);
  let clock = Date.now();
  const { engine, store, opened } = autoBrowserEngine({ now: () => clock, ...deps });
  return { mock, engine, store, opened, target: { serverUrl: mock.mcpUrl }, advance: (ms: number) => (clock += ms) };
}

const post = (f: typeof fetch, url: string) => f(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });

/** An in-memory store that counts token-set reads (each one is a keychain round trip in the app). */
class CountingStore extends InMemoryCredentialStore {
  reads = 0;
  override async getTokenSet(...args: Parameters<InMemoryCredentialStore['getTokenSet']>) {
    this.reads++;
    return super.getTokenSet(...args);
  }
  override async listTokenSets() {
    this.reads++;
    return super.listTokenSets();
  }
}

/** A store with the server index fast path (as the keychain store has), counting listings. */
class IndexedStore extends InMemoryCredentialStore {
  listings = 0;
  index = new Map<string, { issuer: string; resource: string; account: string }>();
  override async putTokenSet(...args: Parameters<InMemoryCredentialStore['putTokenSet']>) {
    const [r] = args;
    this.index.set(`${r.serverUrl} ${r.account}`, { issuer: r.issuer, resource: r.resource, account: r.account });
    return super.putTokenSet(...args);
  }
  override async listTokenSets() {
    this.listings++;
    return super.listTokenSets();
  }
  async findTokenSetKey(serverUrl: string, account: string) {
    return this.index.get(`${serverUrl} ${account}`);
  }
  async indexTokenSet(serverUrl: string, account: string, key: { issuer: string; resource: string; account: string }) {
    this.index.set(`${serverUrl} ${account}`, key);
  }
}

describe('finding the token set at start', () => {
  it('uses the store’s index instead of listing every token set', async () => {
    const store = new IndexedStore();
    const { engine, target } = await setup({}, { store });
    await engine.login(target);
    store.listings = 0;
    const later = createOAuthEngine({ store, openBrowser: autoBrowser });
    expect((await later.tokenSetView(target))?.resource).toBe(target.serverUrl);
    expect(store.listings).toBe(0);
  });

  it('falls back to listing when the index leads nowhere', async () => {
    const store = new IndexedStore();
    const { engine, target } = await setup({}, { store });
    await engine.login(target);
    store.index.set(`${target.serverUrl} default`, { issuer: 'http://127.0.0.1:1', resource: 'gone', account: 'default' });
    store.listings = 0;
    const later = createOAuthEngine({ store, openBrowser: autoBrowser });
    expect((await later.tokenSetView(target))?.resource).toBe(target.serverUrl);
    expect(store.listings).toBe(1);
    // The listing repaired the index: the start after that reads the set directly again.
    await new Promise((r) => setImmediate(r));
    const next = createOAuthEngine({ store, openBrowser: autoBrowser });
    expect((await next.tokenSetView(target))?.resource).toBe(target.serverUrl);
    expect(store.listings).toBe(1);
  });
});

describe('authorized fetch', () => {
  // Regression: every MCP request read the token set from the store (the keychain: ~1 ms of D-Bus each).
  it('does not read the store on every request once it holds the token set', async () => {
    const store = new CountingStore();
    const { engine, target, mock } = await setup({}, { store });
    await engine.login(target);
    const f = engine.authorizedFetch(target);
    const before = store.reads;
    for (let i = 0; i < 20; i++) expect((await post(f, mock.mcpUrl)).status).toBe(200);
    expect(store.reads - before).toBeLessThanOrEqual(1);
  });

  // Regression: a warm start read the keychain only when the transport sent its first request, after the client and
  // transport were built, so the Secret Service round trip was added to the time to the first tool list.
  it('starts reading the stored tokens when the fetch is created, so the first request does not wait for a new read', async () => {
    const store = new CountingStore();
    const { engine, target, mock } = await setup({}, { store });
    await engine.login(target);
    const later = createOAuthEngine({ store, openBrowser: autoBrowser });
    store.reads = 0;
    const f = later.authorizedFetch(target, { interactive: false });
    await new Promise((r) => setImmediate(r));
    expect(store.reads).toBe(1);
    expect((await post(f, mock.mcpUrl)).status).toBe(200);
    expect(store.reads).toBe(1);
  });

  it('looks a server up once when nothing is stored for it: the first request trusts the early lookup', async () => {
    const store = new CountingStore();
    const { target, mock } = await setup({}, { store });
    const engine = createOAuthEngine({ store, openBrowser: autoBrowser });
    const f = engine.authorizedFetch(target, { interactive: false });
    await expect(post(f, mock.mcpUrl)).rejects.toMatchObject({ code: 'not_signed_in' });
    expect(store.reads).toBe(1);
  });

  it('reports a store that fails at start on the first request, not as an unhandled rejection', async () => {
    const store = new CountingStore();
    const { engine, target, mock } = await setup({}, { store });
    await engine.login(target);
    let failing = true;
    const broken = Object.assign(Object.create(store) as CountingStore, {
      listTokenSets: async () => {
        if (failing) throw Object.assign(new Error('The keychain is locked.'), { code: 'keychain_locked' });
        return store.listTokenSets();
      },
    });
    const later = createOAuthEngine({ store: broken, openBrowser: autoBrowser });
    const f = later.authorizedFetch(target, { interactive: false });
    await new Promise((r) => setTimeout(r, 10));
    await expect(post(f, mock.mcpUrl)).rejects.toMatchObject({ code: 'keychain_locked' });
    failing = false;
    expect((await post(f, mock.mcpUrl)).status).toBe(200);
  });

  it('still notices a sign-out made by another process: the next 401 re-reads the store', async () => {
    const store = new InMemoryCredentialStore();
    const { engine, target, mock } = await setup({ rotateRefreshTokens: true }, { store });
    await engine.login(target);
    const f = engine.authorizedFetch(target, { interactive: false });
    expect((await post(f, mock.mcpUrl)).status).toBe(200);
    // Another process signs out: the tokens are gone from the shared store and revoked at the server.
    const other = createOAuthEngine({ store, openBrowser: autoBrowser, refreshLock: new InProcessRefreshLock() });
    await other.logout(target);
    await expect(post(f, mock.mcpUrl)).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('signs in on the first 401 with the challenge, then sends the bearer token', async () => {
    const { engine, target, mock, opened } = await setup({ challengeScope: 'mcp:read', asScopesSupported: ['mcp:read', 'offline_access'] });
    const f = engine.authorizedFetch(target);
    const r = await post(f, mock.mcpUrl);
    expect(r.status).toBe(200);
    expect(opened).toHaveLength(1);
    expect(new URL(opened[0]!).searchParams.get('scope')).toBe('mcp:read offline_access');
    const mcp = mock.requests.filter((x) => x.path === '/mcp');
    expect(mcp.at(-1)!.headers.authorization).toMatch(/^Bearer at-/);
  });

  it('refreshes proactively before expiry, keeping the old refresh token when none comes back', async () => {
    const { engine, target, mock, advance, store } = await setup({ tokenLifetimeSec: 120, rotateRefreshTokens: false });
    await engine.login(target);
    const before = (await store.listTokenSets())[0]!;
    advance(90_000); // inside the 60 s margin
    const r = await post(engine.authorizedFetch(target), mock.mcpUrl);
    expect(r.status).toBe(200);
    expect(mock.count('/token', 'refresh_token')).toBe(1);
    const after = (await store.listTokenSets())[0]!;
    expect(after.refreshToken).toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshHistory).toEqual([expect.objectContaining({ outcome: 'ok', rotated: false })]);
  });

  it('rotates refresh tokens and records the rotation', async () => {
    const { engine, target, store } = await setup();
    await engine.login(target);
    const before = (await store.listTokenSets())[0]!;
    const view = await engine.refresh(target);
    const after = (await store.listTokenSets())[0]!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(view.refreshHistory).toEqual([expect.objectContaining({ outcome: 'ok', rotated: true })]);
  });

  it('refreshes reactively on a 401 and retries once', async () => {
    const { engine, target, mock } = await setup();
    await engine.login(target);
    mock.accessTokens.clear(); // the server forgot the token
    const r = await post(engine.authorizedFetch(target), mock.mcpUrl);
    expect(r.status).toBe(200);
    expect(mock.count('/token', 'refresh_token')).toBe(1);
  });

  it('re-authorizes when the refresh token is dead, and forgets the dead tokens', async () => {
    const { engine, target, mock, opened } = await setup();
    await engine.login(target);
    mock.accessTokens.clear();
    mock.refreshTokens.clear();
    const r = await post(engine.authorizedFetch(target), mock.mcpUrl);
    expect(r.status).toBe(200);
    expect(opened).toHaveLength(2);
  });

  it('100 concurrent requests on an expired token make exactly one refresh', async () => {
    const { engine, target, mock, advance } = await setup({ tokenLifetimeSec: 120, refreshDelayMs: 50 });
    await engine.login(target);
    advance(3_600_000);
    const f = engine.authorizedFetch(target);
    const results = await Promise.all(Array.from({ length: 100 }, () => post(f, mock.mcpUrl)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(mock.count('/token', 'refresh_token')).toBe(1);
  });

  it('raises not_signed_in instead of opening the browser when not interactive', async () => {
    const { engine, target, mock, opened } = await setup();
    await expect(post(engine.authorizedFetch(target, { interactive: false }), mock.mcpUrl)).rejects.toMatchObject({ code: 'not_signed_in' });
    expect(opened).toEqual([]);
  });
});

describe('step-up (403 insufficient_scope)', () => {
  it('re-authorizes with the union of held and challenged scopes', async () => {
    const { engine, target, mock, opened } = await setup({ challengeScope: 'mcp:read', requiredScopes: ['mcp:read', 'mcp:write'] });
    const r = await post(engine.authorizedFetch(target), mock.mcpUrl);
    expect(r.status).toBe(200);
    expect(opened).toHaveLength(2);
    expect(new URL(opened[1]!).searchParams.get('scope')).toBe('mcp:read mcp:write');
  });

  it('gives up after 3 authorization attempts per resource with insufficient_scope', async () => {
    const statuses: string[] = [];
    const { engine, target, mock, opened } = await setup({ challengeScope: 'a', requiredScopes: ['never-granted'], dropScopes: ['never-granted'] }, { onStatus: (_u, s) => statuses.push(s.state) });
    const err = await post(engine.authorizedFetch(target), mock.mcpUrl).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'insufficient_scope', scopes: ['a', 'never-granted'] });
    expect(opened).toHaveLength(3);
    expect(statuses).toContain('step-up-needed');
  });
});

describe('refresh lock', () => {
  it('serialises calls per family and runs different families in parallel', async () => {
    const lock = new InProcessRefreshLock();
    const order: string[] = [];
    const slow = (tag: string, ms: number) => async () => {
      order.push(`start ${tag}`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`end ${tag}`);
      return tag;
    };
    await Promise.all([lock.withLock('a', slow('a1', 30)), lock.withLock('a', slow('a2', 1)), lock.withLock('b', slow('b1', 1))]);
    expect(order.indexOf('end a1')).toBeLessThan(order.indexOf('start a2'));
    expect(order.indexOf('start b1')).toBeLessThan(order.indexOf('end a1'));
  });
});

describe('sign-out, introspection, status', () => {
  it('revokes refresh and access tokens (RFC 7009), then introspection says inactive', async () => {
    const { engine, target, mock, store } = await setup();
    await engine.login(target);
    expect((await engine.introspect(target)).active).toBe(true);
    const rec = (await store.listTokenSets())[0]!;
    const result = await engine.logout(target);
    expect(result.revoked).toBe(true);
    const revoked = mock.requests.filter((r) => r.path === '/revoke').map((r) => new URLSearchParams(r.body));
    expect(revoked.map((p) => p.get('token_type_hint'))).toEqual(['refresh_token', 'access_token']);
    expect(mock.accessTokens.has(rec.accessToken)).toBe(false);
    expect(await engine.status(target)).toEqual({ state: 'signed-out' });
    expect(await engine.tokenSetView(target)).toBeUndefined();
  });

  it('reports signed-in and expired', async () => {
    const { engine, target, advance } = await setup({ tokenLifetimeSec: 100 });
    await engine.login(target);
    expect((await engine.status(target)).state).toBe('signed-in');
    advance(200_000);
    expect(await engine.status(target)).toMatchObject({ state: 'expired', refreshable: true });
  });
});

describe('RFC 7592 registration management', () => {
  it('reads, forgets and deletes the dynamic registration', async () => {
    const { engine, target, store, mock } = await setup();
    await engine.login(target);
    expect(await store.getRegistration(mock.issuer)).toBeDefined();
    await engine.forgetRegistration(target);
    expect(await store.getRegistration(mock.issuer)).toBeUndefined();
  });
});

describe('DPoP (RFC 9449)', () => {
  it('binds tokens to a stored key and sends a fresh proof with ath on each MCP request', async () => {
    const { engine, target, mock, store } = await setup({ dpop: true });
    const f = engine.authorizedFetch(target);
    expect((await post(f, mock.mcpUrl)).status).toBe(200);
    expect((await post(f, mock.mcpUrl)).status).toBe(200);
    const rec = (await store.listTokenSets())[0]!;
    expect(rec.tokenType).toBe('DPoP');
    expect(rec.dpopKey?.privateJwk.d).toBeTruthy();
    const mcp = mock.requests.filter((r) => r.path === '/mcp' && r.headers.authorization?.startsWith('DPoP '));
    expect(mcp.length).toBe(2);
    const proofs = mcp.map((r) => JSON.parse(Buffer.from(String(r.headers.dpop).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>);
    expect(proofs[0]!.ath).toBeTruthy();
    expect(proofs[0]!.jti).not.toBe(proofs[1]!.jti);
    expect(mock.requests.find((r) => r.path === '/token')!.headers.dpop).toBeTruthy();
    // The refresh uses the same key: the new token is bound to the same thumbprint.
    await engine.refresh(target);
    expect((await post(f, mock.mcpUrl)).status).toBe(200);
  });

  it('can be turned off per server', async () => {
    const { engine, mock, store } = await setup({ dpop: true });
    const target = { serverUrl: mock.mcpUrl, settings: { dpop: 'off' as const } };
    await engine.login(target);
    expect((await store.listTokenSets())[0]!.tokenType).toBe('Bearer');
  });
});

describe('token families shared between processes', () => {
  it('re-reads the store under the lock: a second engine (another process) does not refresh again', async () => {
    const mock = await startMock({ tokenLifetimeSec: 120, refreshDelayMs: 30 });
    let clock = Date.now();
    const store = new InMemoryCredentialStore();
    const lock = new InProcessRefreshLock(); // stands in for a cross-process lock
    const make = () => createOAuthEngine({ store, refreshLock: lock, now: () => clock, openBrowser: autoBrowser, loginTimeoutMs: 5_000 });
    const a = make();
    const b = make();
    const target = { serverUrl: mock.mcpUrl };
    await a.login(target);
    clock += 3_600_000;
    const [ra, rb] = await Promise.all([post(a.authorizedFetch(target), mock.mcpUrl), post(b.authorizedFetch(target), mock.mcpUrl)]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(mock.count('/token', 'refresh_token')).toBe(1);
  });

  it('invalid_grant forgets the tokens only if they are still the ones it used', async () => {
    const mock = await startMock();
    const store = new InMemoryCredentialStore();
    const fetchFn: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/token') && new URLSearchParams(String(init?.body)).get('grant_type') === 'refresh_token') {
        // Meanwhile another process stored a newer token set.
        const current = (await store.listTokenSets())[0]!;
        await store.putTokenSet({ ...current, accessToken: 'newer-access-token', refreshToken: 'newer-refresh-token' });
      }
      return response;
    };
    const engine = createOAuthEngine({ store, fetch: fetchFn, openBrowser: autoBrowser, loginTimeoutMs: 5_000 });
    const target = { serverUrl: mock.mcpUrl };
    await engine.login(target);
    mock.refreshTokens.clear(); // the AS answers invalid_grant
    await expect(engine.refresh(target)).rejects.toMatchObject({ code: 'invalid_grant' });
    expect((await store.listTokenSets())[0]?.refreshToken).toBe('newer-refresh-token');
  });

  it('invalid_grant forgets tokens that are still the ones it used', async () => {
    const mock = await startMock();
    const store = new InMemoryCredentialStore();
    const engine = createOAuthEngine({ store, openBrowser: autoBrowser, loginTimeoutMs: 5_000 });
    const target = { serverUrl: mock.mcpUrl };
    await engine.login(target);
    mock.refreshTokens.clear();
    await expect(engine.refresh(target)).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(await store.listTokenSets()).toEqual([]);
  });
});
