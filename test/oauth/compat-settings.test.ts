/**
 * Per-server compatibility settings (issue 12 item 2): each one changes what goes on the wire, asserted on the
 * requests the authorization server received; and the strict defaults stay strict without them.
 */
import { describe, expect, it } from 'vitest';
import type { FlowTraceView } from '../../preload/contract.ts';
import type { ServerAuthSettings } from '../../main/oauth/index.ts';
import { prepareAuthorizationRequest } from '../../main/oauth/authorize.ts';
import { autoBrowserEngine, mockServersPerTest } from './helpers/setup.ts';
import type { MockOptions } from './helpers/mock-servers.ts';

const startMock = mockServersPerTest();

async function setup(settings: ServerAuthSettings, options: MockOptions = {}) {
  const mock = await startMock(options);
  const traces: FlowTraceView[] = [];
  const { engine, store, opened } = autoBrowserEngine({ onTrace: (t) => traces.push(t) });
  return { mock, engine, store, opened, traces, target: { serverUrl: mock.mcpUrl, settings } };
}

function authorizeQuery(mock: { requests: { path: string; query: URLSearchParams }[] }): URLSearchParams {
  const request = mock.requests.find((r) => r.path === '/authorize');
  if (!request) throw new Error('no authorization request reached the AS');
  return request.query;
}

function tokenBodies(mock: { requests: { path: string; body: string }[] }, grant: string): URLSearchParams[] {
  return mock.requests.filter((r) => r.path === '/token').map((r) => new URLSearchParams(r.body)).filter((b) => b.get('grant_type') === grant);
}

function lastLogin(traces: readonly FlowTraceView[]): FlowTraceView {
  const login = traces.filter((t) => t.kind === 'login' && t.outcome !== 'running').at(-1);
  if (!login) throw new Error('no finished login trace');
  return login;
}

describe('compatibility settings on the wire', () => {
  it('extra authorization parameters and audience reach the authorization request, next to Keyport’s own', async () => {
    const { engine, mock, target } = await setup({ authorizationParams: { access_type: 'offline', prompt: 'consent' }, audience: 'https://api.example.com' });
    await engine.login(target);
    const q = authorizeQuery(mock);
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('audience')).toBe('https://api.example.com');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('resource')).toBe(mock.mcpUrl);
  });

  it('an extra parameter can never replace state, the PKCE challenge, the redirect URI or the client id', async () => {
    const as = { issuer: 'http://127.0.0.1:1', authorization_endpoint: 'http://127.0.0.1:1/authorize' };
    const request = await prepareAuthorizationRequest(as, {
      clientId: 'real-client',
      redirectUri: 'http://127.0.0.1:5/callback',
      extra: { state: 'forged', code_challenge: 'forged', code_challenge_method: 'plain', redirect_uri: 'https://evil.example/', client_id: 'evil', response_type: 'token', request_uri: 'urn:x', scope: 'all', login_hint: 'a@b' },
    });
    const q = request.url.searchParams;
    expect(q.get('state')).toBe(request.state);
    expect(q.get('code_challenge')).not.toBe('forged');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('redirect_uri')).toBe('http://127.0.0.1:5/callback');
    expect(q.get('client_id')).toBe('real-client');
    expect(q.get('response_type')).toBe('code');
    expect(q.has('request_uri')).toBe(false);
    expect(q.has('scope')).toBe(false);
    expect(q.get('login_hint')).toBe('a@b');
  });

  it('a custom resource value is sent in the authorization, code exchange and refresh requests, with the audience on refresh', async () => {
    const { engine, mock, target } = await setup({ resourceOverride: 'api://keyport-test', audience: 'aud-1' });
    await engine.login(target);
    expect(authorizeQuery(mock).get('resource')).toBe('api://keyport-test');
    expect(tokenBodies(mock, 'authorization_code')[0]?.get('resource')).toBe('api://keyport-test');
    const view = await engine.refresh(target);
    expect(view.resource).toBe(mock.mcpUrl);
    const refresh = tokenBodies(mock, 'refresh_token')[0];
    expect(refresh?.get('resource')).toBe('api://keyport-test');
    expect(refresh?.get('audience')).toBe('aud-1');
  });

  it('resource parameter off: no resource in the authorization, code exchange or refresh requests', async () => {
    const { engine, mock, target } = await setup({ sendResourceParameter: false });
    await engine.login(target);
    await engine.refresh(target);
    expect(authorizeQuery(mock).has('resource')).toBe(false);
    expect(tokenBodies(mock, 'authorization_code')[0]?.has('resource')).toBe(false);
    expect(tokenBodies(mock, 'refresh_token')[0]?.has('resource')).toBe(false);
  });

  it('callback host localhost and a fixed path make the redirect URI http://localhost:<port>/<path>, and the login completes there', async () => {
    const { engine, mock, target } = await setup({ callbackHost: 'localhost', callbackPath: '/oauth/done' });
    await engine.login(target);
    expect(authorizeQuery(mock).get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/oauth\/done$/);
    const registration = JSON.parse(mock.requests.find((r) => r.path === '/register')!.body) as { redirect_uris: string[] };
    expect(registration.redirect_uris[0]).toMatch(/^http:\/\/localhost:\d+\/oauth\/done$/);
    expect(tokenBodies(mock, 'authorization_code')[0]?.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/oauth\/done$/);
  });

  it('callback host [::1] puts the redirect URI on the IPv6 loopback, and the login completes there', async () => {
    const { engine, mock, target } = await setup({ callbackHost: '[::1]' });
    await engine.login(target);
    expect(authorizeQuery(mock).get('redirect_uri')).toMatch(/^http:\/\/\[::1\]:\d+\/callback$/);
  });

  it('scopes to request replace the discovered ones', async () => {
    const { engine, mock, target } = await setup({ scope: 'api://app/read' }, { challengeScope: 'mcp:read', scopesSupported: ['mcp:read'] });
    await engine.login(target);
    expect(authorizeQuery(mock).get('scope')).toBe('api://app/read');
  });

  it('a pinned token endpoint auth method is what the token request uses (client_secret_post)', async () => {
    const { engine, mock, target } = await setup({ mode: 'preregistered', clientId: 'figma-like', clientSecret: 's3cret-value', tokenEndpointAuthMethod: 'client_secret_post' });
    await engine.login(target);
    const body = tokenBodies(mock, 'authorization_code')[0]!;
    expect(body.get('client_id')).toBe('figma-like');
    expect(body.get('client_secret')).toBe('s3cret-value');
    expect(mock.requests.find((r) => r.path === '/token')?.headers.authorization).toBeUndefined();
  });
});

describe('issuer and PKCE strictness, and what the settings accept', () => {
  it('an issuer that disagrees is refused, naming the setting; the same issuer entered exactly is accepted', async () => {
    const strict = await setup({}, { metadataIssuer: 'https://login.example.com/tenant/v2.0' });
    await expect(strict.engine.login(strict.target)).rejects.toMatchObject({ code: 'issuer_mismatch', message: expect.stringContaining('--accept-issuer') });
    expect(strict.opened).toHaveLength(0);
    const mock = strict.mock;
    const accepting = autoBrowserEngine();
    // Another spelling is still refused: the comparison stays exact.
    await expect(accepting.engine.login({ serverUrl: mock.mcpUrl, settings: { acceptedIssuer: 'https://login.example.com/tenant/v2.0/' } })).rejects.toMatchObject({ code: 'issuer_mismatch' });
    const view = await accepting.engine.login({ serverUrl: mock.mcpUrl, settings: { acceptedIssuer: 'https://login.example.com/tenant/v2.0' } });
    expect(view.issuer).toBe('https://login.example.com/tenant/v2.0');
  });

  it('an AS that does not advertise S256 is refused before the browser, naming the setting, and the refusal is in the trace', async () => {
    const { engine, opened, traces, target } = await setup({}, { codeChallengeMethods: [] });
    await expect(engine.login(target)).rejects.toMatchObject({ code: 'pkce_unsupported', message: expect.stringContaining('--assume-pkce-s256') });
    expect(opened).toHaveLength(0);
    const step = lastLogin(traces).steps.find((s) => s.name === 'pkce');
    expect(step).toMatchObject({ outcome: 'failed', error: { code: 'pkce_unsupported' } });
  });

  it('with "supports S256" set, the login sends S256 and the trace says it was assumed', async () => {
    const { engine, mock, traces, target } = await setup({ assumePkceS256: true }, { codeChallengeMethods: [] });
    await engine.login(target);
    expect(authorizeQuery(mock).get('code_challenge_method')).toBe('S256');
    expect(lastLogin(traces).steps.find((s) => s.name === 'pkce')?.detail).toMatch(/assumed/);
  });
});

describe('manual authorization server endpoints (a server that publishes no metadata)', () => {
  it('skips AS discovery and signs in with the entered endpoints and a pre-registered client', async () => {
    const mock = await startMock();
    const { engine } = autoBrowserEngine();
    const settings: ServerAuthSettings = { mode: 'preregistered', clientId: 'gh-app', clientSecret: 'gh-secret', authorizationEndpoint: `${mock.url}/authorize`, tokenEndpoint: `${mock.url}/token`, assumePkceS256: true };
    const view = await engine.login({ serverUrl: mock.mcpUrl, settings });
    expect(view.issuer).toBe(mock.issuer);
    expect(mock.requests.some((r) => r.path.startsWith('/.well-known/oauth-authorization-server') || r.path.startsWith('/.well-known/openid-configuration'))).toBe(false);
    expect(authorizeQuery(mock).get('client_id')).toBe('gh-app');
  });

  it('still refuses an endpoint on the network over plain http, before the browser opens', async () => {
    const mock = await startMock();
    const { engine, opened } = autoBrowserEngine();
    const settings: ServerAuthSettings = { clientId: 'x', authorizationEndpoint: 'http://auth.example.com/authorize', tokenEndpoint: `${mock.url}/token`, assumePkceS256: true };
    await expect(engine.login({ serverUrl: mock.mcpUrl, settings })).rejects.toMatchObject({ code: 'unsafe_url' });
    expect(opened).toHaveLength(0);
  });

  it('without "supports S256" a manual authorization server is refused like any that does not advertise it', async () => {
    const mock = await startMock();
    const { engine, opened } = autoBrowserEngine();
    const settings: ServerAuthSettings = { clientId: 'x', authorizationEndpoint: `${mock.url}/authorize`, tokenEndpoint: `${mock.url}/token` };
    await expect(engine.login({ serverUrl: mock.mcpUrl, settings })).rejects.toMatchObject({ code: 'pkce_unsupported' });
    expect(opened).toHaveLength(0);
  });
});
