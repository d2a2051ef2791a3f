/**
 * Tolerance where it costs no security (issue 12 item 3): token responses form-encoded, with a lowercase or missing
 * `token_type`, `expires_in` as a string or absent, errors with HTTP 200, an ID token Keyport did not need that fails
 * validation; a registration the authorization server forgot; a challenge without `WWW-Authenticate`; a well-known
 * URL that answers HTML. Each test runs a real login against the mock authorization server with one thing bent.
 */
import { describe, expect, it } from 'vitest';
import type { FlowTraceView } from '../../preload/contract.ts';
import type { ServerAuthSettings } from '../../main/oauth/index.ts';
import { expiresAtOf, normalizeTokenResponse } from '../../main/oauth/token-response.ts';
import { autoBrowserEngine, mockServersPerTest } from './helpers/setup.ts';
import { startQuirkServer, type QuirkAnswer, type QuirkRequest, type QuirkServer } from './helpers/quirk-server.ts';
import { afterEach } from 'vitest';

const startMock = mockServersPerTest();
const quirks: QuirkServer[] = [];
afterEach(async () => {
  for (const q of quirks.splice(0)) await q.close();
});

/** A login whose token endpoint answers through `bend` (manual endpoints point the engine at the quirk server). */
async function loginWithTokenQuirk(bend: (json: Record<string, unknown>, req: QuirkRequest) => QuirkAnswer) {
  const mock = await startMock();
  const quirk = await startQuirkServer(mock.url, {
    '/token': async (req) => {
      const r = await req.forward();
      return bend((await r.json()) as Record<string, unknown>, req);
    },
  });
  quirks.push(quirk);
  const traces: FlowTraceView[] = [];
  const { engine, store } = autoBrowserEngine({ onTrace: (t) => traces.push(t) });
  const settings: ServerAuthSettings = { mode: 'preregistered', clientId: 'quirky-client', authorizationEndpoint: `${mock.url}/authorize`, tokenEndpoint: `${quirk.url}/token`, assumePkceS256: true };
  const target = { serverUrl: mock.mcpUrl, settings };
  return { mock, quirk, engine, store, traces, target };
}

const asJson = (json: Record<string, unknown>, status = 200): QuirkAnswer => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
const asForm = (json: Record<string, unknown>, status = 200): QuirkAnswer => ({
  status,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(Object.entries(json).map(([k, v]) => [k, String(v)])).toString(),
});

describe('token responses real providers send', () => {
  it('a form-encoded token response (GitHub without Accept: application/json) signs in, expires_in read as a number', async () => {
    const { engine, target } = await loginWithTokenQuirk((json) => asForm(json));
    const before = Date.now();
    await engine.login(target);
    const status = await engine.status(target);
    expect(status.state).toBe('signed-in');
    expect(status.state === 'signed-in' && status.expiresAt).toBeGreaterThanOrEqual(before + 3_590_000);
  });

  it('token_type "bearer" and expires_in "3600" (Linear, Entra): signed in, and the scheme sent is always "Bearer"', async () => {
    const { engine, mock, target } = await loginWithTokenQuirk((json) => asJson({ ...json, token_type: 'bearer', expires_in: '3600' }));
    await engine.login(target);
    const fetchFn = engine.authorizedFetch(target);
    const r = await fetchFn(mock.mcpUrl, { method: 'POST', body: '{}' });
    expect(r.status).toBe(200);
    const sent = mock.requests.filter((q) => q.path === '/mcp').map((q) => q.headers.authorization?.split(' ')[0]);
    expect(sent).toContain('Bearer');
    expect(sent).not.toContain('bearer');
  });

  it('no token_type reads as Bearer; no expires_in leaves the lifetime unknown (a 401 refreshes)', async () => {
    const { engine, target } = await loginWithTokenQuirk(({ token_type: _t, expires_in: _e, ...json }) => asJson(json));
    await engine.login(target);
    const status = await engine.status(target);
    expect(status).toMatchObject({ state: 'signed-in' });
    expect(status.state === 'signed-in' && status.expiresAt).toBeUndefined();
  });

  it('without expires_in, a JWT access token’s exp is the expiry', () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const jwt = ['eyJhbGciOiJub25lIn0', Buffer.from(JSON.stringify({ exp })).toString('base64url'), 'sig'].join('.');
    expect(expiresAtOf({ access_token: jwt }, Date.now())).toBe(exp * 1000);
    expect(expiresAtOf({ access_token: 'opaque' }, 1000)).toBeUndefined();
    expect(expiresAtOf({ access_token: jwt, expires_in: 60 }, 1000)).toBe(61_000);
  });

  it.each([
    ['JSON', (json: Record<string, unknown>) => asJson({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.', ...(json.never ? json : {}) })],
    ['form-encoded', () => asForm({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' })],
  ])('an error with HTTP 200 (%s, GitHub) is an error, not a token', async (_kind, bend) => {
    const { engine, store, target } = await loginWithTokenQuirk(bend);
    await expect(engine.login(target)).rejects.toMatchObject({ code: 'token_request_failed', oauthError: 'bad_verification_code' });
    expect(await store.listTokenSets()).toHaveLength(0);
  });

  it('an ID token Keyport did not need that fails validation is dropped with a warning in the trace; the sign-in succeeds', async () => {
    const bogus = ['eyJhbGciOiJSUzI1NiJ9', Buffer.from(JSON.stringify({ iss: 'https://someone-else.example', aud: 'x', exp: 1, iat: 1, sub: 'u' })).toString('base64url'), 'c2ln'].join('.');
    const { engine, store, traces, target } = await loginWithTokenQuirk((json) => asJson({ ...json, id_token: bogus }));
    await engine.login(target);
    const [set] = await store.listTokenSets();
    expect(set?.idToken).toBeUndefined();
    const login = traces.filter((t) => t.kind === 'login' && t.outcome === 'ok').at(-1)!;
    expect(login.steps.find((s) => s.name === 'id-token-dropped')?.detail).toMatch(/failed validation .*dropped it/);
    expect(JSON.stringify(login)).not.toContain(bogus);
  });

  it('a non-OAuth 4xx that names the client reads as invalid_client', async () => {
    const r = await normalizeTokenResponse(new Response('<html><body>Client not found</body></html>', { status: 400, headers: { 'content-type': 'text/html' } }));
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'invalid_client' });
    const other = await normalizeTokenResponse(new Response('<html>Bad gateway</html>', { status: 404, headers: { 'content-type': 'text/html' } }));
    expect(await other.text()).toBe('<html>Bad gateway</html>');
  });
});

describe('a registration the authorization server has forgotten', () => {
  it('a refresh answered invalid_client drops the registration and the tokens, and the next sign-in registers again, once', async () => {
    const mock = await startMock();
    const { engine, store } = autoBrowserEngine();
    const target = { serverUrl: mock.mcpUrl };
    await engine.login(target);
    const [reg] = [await store.getRegistration(mock.issuer)];
    mock.options.rejectClients = [reg!.clientId];
    await expect(engine.refresh(target)).rejects.toMatchObject({ code: 'invalid_grant', message: expect.stringContaining('Sign in again') });
    expect(await store.getRegistration(mock.issuer)).toBeUndefined();
    expect(await store.listTokenSets()).toHaveLength(0);
    // The MCP request that needs a token signs in again: one new registration, then the request goes through.
    const r = await engine.authorizedFetch(target)(mock.mcpUrl, { method: 'POST', body: '{}' });
    expect(r.status).toBe(200);
    expect(mock.count('/register')).toBe(2);
  });

  it('never loops: a client refused again right after registering anew fails the sign-in after one retry', async () => {
    const mock = await startMock();
    const { engine } = autoBrowserEngine();
    mock.options.rejectClients = ['client-1', 'client-2', 'client-3'];
    await expect(engine.login({ serverUrl: mock.mcpUrl })).rejects.toMatchObject({ code: 'invalid_client' });
    expect(mock.count('/register')).toBe(2);
  });
});

describe('discovery that bends', () => {
  it('a 401 without WWW-Authenticate and a path-inserted well-known URL that answers HTML: the root metadata is used', async () => {
    const mock = await startMock();
    const quirk = await startQuirkServer(mock.url, {
      '/.well-known/oauth-protected-resource/mcp': () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>Sign in to continue</html>' }),
      '/.well-known/oauth-protected-resource': (_req, self) => asJson({ resource: `${self}/mcp`, authorization_servers: [mock.issuer] }),
      '/mcp': async (req) => {
        const r = await req.forward();
        return { status: r.status, headers: { 'content-type': r.headers.get('content-type') ?? 'application/json' }, body: await r.text() };
      },
    });
    quirks.push(quirk);
    const { engine } = autoBrowserEngine();
    const view = await engine.login({ serverUrl: `${quirk.url}/mcp` });
    expect(view.resource).toBe(`${quirk.url}/mcp`);
    expect(quirk.seen.map((s) => s.path)).toEqual(expect.arrayContaining(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']));
    const r = await engine.authorizedFetch({ serverUrl: `${quirk.url}/mcp` })(`${quirk.url}/mcp`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(200);
  });

  it('a JSON answer that is not resource metadata at one variant: the next variant is tried', async () => {
    const mock = await startMock();
    const quirk = await startQuirkServer(mock.url, {
      '/.well-known/oauth-protected-resource/mcp': () => asJson({ error: 'not_found' }),
      '/.well-known/oauth-protected-resource': (_req, self) => asJson({ resource: `${self}/mcp`, authorization_servers: [mock.issuer] }),
      '/mcp': () => ({ status: 401 }),
    });
    quirks.push(quirk);
    const { engine } = autoBrowserEngine();
    await expect(engine.login({ serverUrl: `${quirk.url}/mcp` })).resolves.toMatchObject({ resource: `${quirk.url}/mcp` });
  });
});
