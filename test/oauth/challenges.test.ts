/**
 * What the authorized fetch does when a resource or an authorization server misbehaves (issue 10 items 1–2, issue 11
 * §5–6): DPoP only when the resource asks for it, no silent loops on 401, errors that blame the right party, and
 * refreshes timed by the token's own lifetime. Each test is named after what went wrong before.
 */
import { describe, expect, it } from 'vitest';
import type { FlowTraceView } from '../../preload/contract.ts';
import type { OAuthEngineDeps } from '../../main/oauth/index.ts';
import { autoBrowserEngine, mockServersPerTest } from './helpers/setup.ts';
import type { MockOptions } from './helpers/mock-servers.ts';

const startMock = mockServersPerTest();

/** Mock servers and an engine on a clock the test moves with `advance`, collecting the final flow traces. */
async function setup(options: MockOptions = {}, deps: Partial<OAuthEngineDeps> = {}) {
  const mock = await startMock(options);
  let clock = Date.now();
  const traces: FlowTraceView[] = [];
  const { engine, store, opened } = autoBrowserEngine({ now: () => clock, onTrace: (t) => t.finishedAt !== undefined && traces.push(t), ...deps });
  return { mock, engine, store, opened, traces, target: { serverUrl: mock.mcpUrl }, advance: (ms: number) => (clock += ms) };
}

const post = (f: typeof fetch, url: string) => f(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });

describe('DPoP decided by the resource (RFC 9449 §5.1, §7.1)', () => {
  it('a Bearer-only resource behind a DPoP-advertising AS gets Bearer tokens and no proof goes to the token endpoint', async () => {
    const s = await setup({ dpop: true, challengeScheme: 'Bearer', refuseDPoPScheme: true, tokenLifetimeSec: 120 });
    const view = await s.engine.login(s.target);
    expect(view.binding).toMatchObject({ scheme: 'Bearer', reason: expect.stringContaining('does not ask for DPoP') });
    const f = s.engine.authorizedFetch(s.target, { interactive: false });
    expect((await post(f, s.mock.mcpUrl)).status).toBe(200);
    await s.engine.refresh(s.target);
    expect((await post(f, s.mock.mcpUrl)).status).toBe(200);
    const tokenRequests = s.mock.requests.filter((r) => r.path === '/token');
    expect(tokenRequests.length).toBe(2);
    expect(tokenRequests.every((r) => r.headers.dpop === undefined)).toBe(true);
    expect(s.mock.requests.filter((r) => r.path === '/mcp' && r.headers.authorization?.startsWith('DPoP '))).toEqual([]);
  });

  it('a resource that challenges with the DPoP scheme gets DPoP-bound tokens, and says why', async () => {
    const s = await setup({ dpop: true });
    const view = await s.engine.login(s.target);
    expect(view.binding).toMatchObject({ scheme: 'DPoP', reason: expect.stringContaining('DPoP scheme') });
    expect(s.mock.requests.find((r) => r.path === '/token')!.headers.dpop).toBeTruthy();
  });

  it('a resource that lists DPoP algorithms in its metadata gets DPoP-bound tokens', async () => {
    const s = await setup({ dpop: true, challengeScheme: 'Bearer', prmExtra: { dpop_signing_alg_values_supported: ['ES256'] } });
    expect((await s.engine.login(s.target)).binding?.scheme).toBe('DPoP');
  });

  it('a resource that requires DPoP behind an AS without DPoP fails before the browser opens, storing nothing', async () => {
    const s = await setup({ prmExtra: { dpop_bound_access_tokens_required: true } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'dpop_required', message: expect.stringContaining('accepts only DPoP-bound tokens') });
    expect(s.opened).toEqual([]);
    expect(await s.store.listTokenSets()).toEqual([]);
  });

  it('a DPoP token request answered with a Bearer token is refused and nothing is stored (RFC 9449 §5)', async () => {
    const s = await setup({ dpop: true, tokenResponseOverride: { token_type: 'Bearer' } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'dpop_required' });
    expect(await s.store.listTokenSets()).toEqual([]);
  });

  it('a stored DPoP-bound token refused with a Bearer-only challenge is replaced by an unbound one, never presented twice', async () => {
    const s = await setup({ dpop: true });
    await s.engine.login(s.target);
    expect((await s.store.listTokenSets())[0]!.tokenType).toBe('DPoP');
    // The server now takes Bearer only (an upgrade, or a gateway in front of it).
    s.mock.options.refuseDPoPScheme = true;
    const f = s.engine.authorizedFetch(s.target, { interactive: false });
    expect((await post(f, s.mock.mcpUrl)).status).toBe(200);
    expect((await post(f, s.mock.mcpUrl)).status).toBe(200);
    const [record] = await s.store.listTokenSets();
    expect(record).toMatchObject({ tokenType: 'Bearer', binding: { scheme: 'Bearer', reason: expect.stringContaining('refused a DPoP-bound token') } });
    expect(record!.dpopKey).toBeUndefined();
    const refresh = s.mock.requests.filter((r) => r.path === '/token' && new URLSearchParams(r.body).get('grant_type') === 'refresh_token');
    expect(refresh.length).toBe(1);
    expect(refresh[0]!.headers.dpop).toBeUndefined();
    expect(s.mock.requests.filter((r) => r.path === '/mcp' && r.headers.authorization?.startsWith('DPoP ')).length).toBe(1);
  });
});

describe('no silent loops on 401', () => {
  it('a second 401 with a fresh token ends in token_rejected with the server’s own words, after one refresh', async () => {
    const s = await setup({ rejectAllTokens: 'token audience is not accepted here' });
    await s.engine.login(s.target);
    const f = s.engine.authorizedFetch(s.target, { interactive: false });
    const failure = await post(f, s.mock.mcpUrl).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'token_rejected', message: expect.stringContaining('token audience is not accepted here') });
    expect((failure as Error).message).not.toMatch(/needs you to sign in/);
    // The refused token is opaque and no audience is configured: the advice names the Audience setting (Auth0).
    expect((failure as Error).message).toMatch(/Edit → Advanced → Audience/);
    expect(s.mock.count('/token', 'refresh_token')).toBe(1);
    expect(s.mock.requests.filter((r) => r.path === '/mcp' && r.headers.authorization).length).toBe(2);
    // The flow trace shows both exchanges with the MCP server and the refresh between them.
    const flow = s.traces.find((t) => t.steps.some((st) => st.name === 'resource-challenge'))!;
    expect(flow.outcome).toBe('failed');
    expect(flow.steps.map((st) => st.name)).toEqual(['resource-challenge', 'refresh', 'retry', 'token-rejected']);
    expect(flow.steps.find((st) => st.name === 'retry')!.exchanges[0]).toMatchObject({ status: 401 });
  });

  it('the server’s words are length-capped in the error', async () => {
    const s = await setup({ rejectAllTokens: 'x'.repeat(5000) });
    await s.engine.login(s.target);
    const failure = (await post(s.engine.authorizedFetch(s.target, { interactive: false }), s.mock.mcpUrl).catch((e: unknown) => e)) as Error;
    expect(failure.message.length).toBeLessThan(600);
  });
});

describe('errors that blame the right party', () => {
  it('an authorization server answering 503 during a refresh is named, not the healthy MCP server, and the tokens are kept', async () => {
    const s = await setup({ tokenLifetimeSec: 60, refreshStatus: 503 });
    await s.engine.login(s.target);
    s.advance(120_000);
    const failure = (await post(s.engine.authorizedFetch(s.target, { interactive: false }), s.mock.mcpUrl).catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('authorization_server_unavailable');
    expect(failure.message).toContain(s.mock.issuer);
    expect(failure.message).toMatch(/tokens are kept/);
    expect(await s.store.listTokenSets()).toHaveLength(1);
    // The expired token was not sent only to earn a 401 and a second refresh attempt.
    expect(s.mock.count('/token', 'refresh_token')).toBe(1);
    expect(s.mock.requests.filter((r) => r.path === '/mcp' && r.headers.authorization).length).toBe(0);
  });
});

describe('refresh timing follows the token lifetime', () => {
  it('a 6-second access token is refreshed once near its end, not on every request (six refreshes for one call before)', async () => {
    const s = await setup({ tokenLifetimeSec: 6 });
    await s.engine.login(s.target);
    const f = s.engine.authorizedFetch(s.target, { interactive: false });
    for (let i = 0; i < 20; i++) {
      expect((await post(f, s.mock.mcpUrl)).status).toBe(200);
      s.advance(250);
    }
    expect(s.mock.count('/token', 'refresh_token')).toBe(1);
  });
});
