import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FlowTraceView } from '../../preload/contract.ts';
import { createOAuthEngine, InMemoryCredentialStore } from '../../main/oauth/index.ts';
import { FlowRecorder, REDACTED, redactBody, redactUrl } from '../../main/oauth/trace.ts';
import { autoBrowser } from './helpers/mock-servers.ts';
import { mockServersPerTest } from './helpers/setup.ts';

const startMock = mockServersPerTest();

describe('redaction helpers', () => {
  it('masks secret form fields, JSON members and query parameters', () => {
    expect(redactBody('grant_type=authorization_code&code=abc123&code_verifier=vvv&redirect_uri=x')).toBe(`grant_type=authorization_code&code=${REDACTED}&code_verifier=${REDACTED}&redirect_uri=x`);
    expect(JSON.parse(redactBody('{"access_token":"a","refresh_token":"r","expires_in":3,"nested":{"client_secret":"s"}}'))).toEqual({ access_token: REDACTED, refresh_token: REDACTED, expires_in: 3, nested: { client_secret: REDACTED } });
    expect(redactUrl('http://127.0.0.1:1/callback?code=abc&state=s')).toBe(`http://127.0.0.1:1/callback?code=${encodeURIComponent(REDACTED)}&state=s`);
  });

  it('masks registered values anywhere, and headers by name', () => {
    const r = new FlowRecorder('login', 'https://x', () => 0);
    r.addSecret('super-secret-value');
    r.recordExchange({ method: 'POST', url: 'https://x/a', durationMs: 1, requestHeaders: { authorization: 'Bearer abcdef', dpop: 'eyJ.x.y' }, responseHeaders: {}, responseBody: 'free text super-secret-value here' });
    const text = JSON.stringify(r.view());
    expect(text).not.toContain('super-secret-value');
    expect(text).not.toContain('abcdef');
    expect(text).not.toContain('eyJ.x.y');
    expect(text).toContain(`Bearer ${REDACTED}`);
  });
});

describe('no secret value appears in any trace', () => {
  it('across login, refresh, introspection, revocation, client credentials (secret and private_key_jwt) and DPoP', async () => {
    const mock = await startMock({ dpop: true, tokenAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'], registrationAuthMethod: 'client_secret_basic' });
    const traces: FlowTraceView[] = [];
    const store = new InMemoryCredentialStore();
    const engine = createOAuthEngine({ store, openBrowser: autoBrowser, onTrace: (t) => traces.push(t), loginTimeoutMs: 5_000 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const secrets = new Set<string>(['pre-registered-secret-1', pem, 'svc-secret-value-2']);

    // Dynamic registration with a client secret (basic), DPoP-bound tokens.
    const target = { serverUrl: mock.mcpUrl };
    await engine.login(target);
    await engine.refresh(target);
    const f = engine.authorizedFetch(target);
    await f(mock.mcpUrl, { method: 'POST', body: '{}' });
    await engine.introspect(target);
    for (const r of await store.listTokenSets()) {
      for (const v of [r.accessToken, r.refreshToken, r.idToken, r.dpopKey?.privateJwk.d]) if (v) secrets.add(v);
    }
    const reg = await store.getRegistration(mock.issuer);
    for (const v of [reg?.clientSecret, reg?.registrationAccessToken]) if (v) secrets.add(v);
    await engine.logout(target);

    // Pre-registered client with client_secret_post.
    await engine.login({ serverUrl: mock.mcpUrl, settings: { mode: 'preregistered', clientId: 'pre', clientSecret: 'pre-registered-secret-1', tokenEndpointAuthMethod: 'client_secret_post', dpop: 'off' } });
    // Client credentials: secret, then private_key_jwt.
    await engine.login({ serverUrl: mock.mcpUrl, settings: { mode: 'client-credentials', clientId: 'svc', clientSecret: 'svc-secret-value-2' } }, { account: 'svc' });
    await engine.login({ serverUrl: mock.mcpUrl, settings: { mode: 'client-credentials', clientId: 'svc2', privateKeyPem: pem, tokenEndpointAuthMethod: 'private_key_jwt' } }, { account: 'svc2' });

    // Everything secret that went over the wire.
    for (const r of mock.requests) {
      const form = new URLSearchParams(r.body);
      for (const k of ['code', 'code_verifier', 'refresh_token', 'client_secret', 'client_assertion', 'token', 'assertion']) {
        const v = form.get(k);
        if (v) secrets.add(v);
      }
      const code = r.query.get('code');
      if (code) secrets.add(code);
      for (const h of [r.headers.authorization, r.headers.dpop]) if (typeof h === 'string') secrets.add(h.replace(/^(Bearer|DPoP|Basic) /, ''));
    }
    for (const r of await store.listTokenSets()) {
      for (const v of [r.accessToken, r.refreshToken]) if (v) secrets.add(v);
    }

    expect(traces.length).toBeGreaterThan(10);
    const kinds = new Set(traces.map((t) => t.kind));
    expect([...kinds].sort()).toEqual(['client-credentials', 'introspection', 'login', 'refresh', 'revocation']);
    const all = JSON.stringify(traces);
    const leaked = [...secrets].filter((s) => s.length >= 6 && all.includes(s));
    expect(leaked).toEqual([]);
    expect(all).toContain(REDACTED);

    // Final traces hold complete exchanges (bodies are recorded asynchronously, but before the step closes).
    for (const t of traces.filter((x) => x.finishedAt !== undefined)) for (const step of t.steps) for (const e of step.exchanges) expect(e.method).not.toBe('');

    // The login trace shows the steps in order, with exchanges.
    const login = traces.filter((t) => t.kind === 'login' && t.outcome === 'ok')[0]!;
    expect(login.steps.map((s) => s.name)).toEqual(['probe', 'protected-resource-metadata', 'authorization-server-metadata', 'pkce', 'scope', 'token-binding', 'dynamic-registration', 'authorization', 'token-exchange', 'account']);
    expect(login.steps.find((s) => s.name === 'token-exchange')!.exchanges[0]).toMatchObject({ method: 'POST', status: 200 });
  });
});
