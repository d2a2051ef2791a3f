/**
 * The device authorization grant (RFC 8628) in the engine, against oidc-provider's device flow on the test bed: the
 * user's half is the automated user agent at the real verification page. Covers the login states, registration with
 * the device grant, `resource` + scope, `slow_down` (+5 s), `access_denied`, `expired_token` / expiry, cancel, the
 * collapsed polling step, and that the device code never reaches a state, a trace or an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthEngine, InMemoryCredentialStore, localBrowserAvailable } from '../../main/oauth/index.ts';
import type { LoginState, OAuthEngineDeps, ServerTarget } from '../../main/oauth/index.ts';
import type { FlowTraceView } from '../../preload/contract.ts';
import { DEVICE_CODE_GRANT } from '../../main/oauth/device-authorization.ts';
import { redactBody, redactUrl } from '../../main/oauth/trace.ts';
import { startTestBed, type TestBed, type TestBedOptions } from '../servers/testbed.ts';
import { completeDeviceLogin } from '../servers/user-agent.ts';
import { ACCOUNTS } from '../servers/accounts.ts';

type DeviceState = Extract<LoginState, { state: 'awaiting-device' }>;

const beds: TestBed[] = [];
async function bed(options: TestBedOptions = {}): Promise<TestBed> {
  const b = await startTestBed(options);
  beds.push(b);
  return b;
}
afterAll(async () => {
  await Promise.all(beds.map((b) => b.close()));
});

/** An engine that never opens a browser, recording states and traces; the device code seen on the wire is kept. */
function deviceEngine(extra: Partial<OAuthEngineDeps> = {}) {
  const states: LoginState[] = [];
  const traces: FlowTraceView[] = [];
  const deviceCodes: string[] = [];
  const store = new InMemoryCredentialStore();
  const engine = createOAuthEngine({
    store,
    openBrowser: async () => {
      throw new Error('a device login must not open a browser');
    },
    onLoginState: (_url, s) => states.push(s),
    onTrace: (t) => traces.push(t),
    // Sees the raw device authorization response, so the test can check the device code appears nowhere else.
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith('/device/auth') && response.ok) {
        const body = (await response.clone().json()) as { device_code?: string };
        if (body.device_code) deviceCodes.push(body.device_code);
      }
      return response;
    },
    ...extra,
  });
  /** Resolves with the first `awaiting-device` state. */
  const awaitingDevice = async (): Promise<DeviceState> => {
    for (let i = 0; i < 200; i++) {
      const found = states.find((s): s is DeviceState => s.state === 'awaiting-device');
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no awaiting-device state');
  };
  return { engine, states, traces, store, deviceCodes, awaitingDevice };
}

const device = (b: TestBed): ServerTarget => ({ serverUrl: b.mcpUrl, settings: { signInMethod: 'device' } });

describe('device authorization grant (RFC 8628)', () => {
  let b: TestBed;
  beforeAll(async () => {
    b = await bed({ authServer: { deviceFlow: { interval: 1 } } });
  });

  it('signs bob in with a code entered at the verification page, with resource and scope, registered for the device grant', async () => {
    const { engine, states, traces, deviceCodes, store, awaitingDevice } = deviceEngine();
    const login = engine.login(device(b));
    const shown = await awaitingDevice();
    expect(shown).toMatchObject({ issuer: b.issuer, interval: 1, verificationUri: `${b.issuer}/device` });
    expect(shown.userCode).toMatch(/^[A-Z0-9-]{6,}$/);
    expect(shown.verificationUriComplete).toContain(encodeURIComponent(shown.userCode).replace(/%2D/g, '-'));
    expect(shown.expiresAt - Date.now()).toBeGreaterThan(590_000);
    await completeDeviceLogin(shown.verificationUriComplete!, { username: ACCOUNTS.bob.username, password: ACCOUNTS.bob.password });
    const view = await login;
    expect(view).toMatchObject({ issuer: b.issuer, resource: b.mcpUrl, registration: 'dynamic', scopes: expect.arrayContaining(['mcp:read']) });
    expect(view.tokens.find((t) => t.kind === 'access')?.subject).toBe('bob');
    expect(states.map((s) => s.state)).toEqual(['discovering', 'registering', 'awaiting-device', 'requesting-token', 'signed-in']);
    const reg = (await store.getRegistration(b.issuer))!;
    expect(reg.grantTypes).toContain(DEVICE_CODE_GRANT);
    expect(b.authServer.count({ endpoint: 'device_authorization', status: 200 })).toBeGreaterThanOrEqual(1);
    // One polling step for every poll, with a count; the device code nowhere in a state, a trace or an error.
    const trace = traces.at(-1)!;
    const polling = trace.steps.find((s) => s.name === 'device-polling')!;
    expect(polling.detail).toMatch(/^\d+ polls?: \d+ authorization_pending; tokens issued$/);
    expect(trace.steps.filter((s) => s.name === 'device-polling')).toHaveLength(1);
    expect(polling.exchanges.length).toBeLessThanOrEqual(2);
    expect(deviceCodes).toHaveLength(1);
    const everything = JSON.stringify([states, traces]);
    expect(everything).not.toContain(deviceCodes[0]);
    expect(everything).toContain('[redacted]');
  });

  it('backs off by 5 s on slow_down (RFC 8628 §3.5) and still signs in', async () => {
    const slow = await bed({ authServer: { deviceFlow: { interval: 1, slowDownPolls: 1 } } });
    const { engine, traces, states, awaitingDevice } = deviceEngine();
    const started = Date.now();
    const login = engine.login(device(slow));
    const shown = await awaitingDevice();
    // The user is slow: the first poll is still pending, and the server answers it with slow_down.
    await new Promise((r) => setTimeout(r, 1_500));
    await completeDeviceLogin(shown.verificationUriComplete!, { username: 'alice', password: ACCOUNTS.alice.password });
    await login;
    const tokenPolls = slow.authServer.log.filter((r) => r.endpoint === 'token' && r.grantType === DEVICE_CODE_GRANT);
    expect(tokenPolls.map((r) => r.error ?? 'ok')).toEqual(['slow_down', 'ok']);
    // After slow_down the interval is 1 + 5 = 6 s.
    expect(tokenPolls[1]!.time - tokenPolls[0]!.time).toBeGreaterThanOrEqual(5_900);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(states.filter((s) => s.state === 'awaiting-device').map((s) => (s as DeviceState).interval)).toEqual([1, 6]);
    expect(traces.at(-1)!.steps.find((s) => s.name === 'device-polling')!.detail).toMatch(/1 slow_down \(now every 6 s\); tokens issued/);
  }, 20_000);

  it('ends with access_denied when the user declines on the verification page', async () => {
    const { engine, awaitingDevice } = deviceEngine();
    const login = engine.login(device(b));
    login.catch(() => undefined);
    const shown = await awaitingDevice();
    await completeDeviceLogin(shown.verificationUriComplete!, { username: 'alice', password: ACCOUNTS.alice.password }, { consent: 'deny' }).catch(() => undefined);
    await expect(login).rejects.toMatchObject({ code: 'access_denied', message: expect.stringMatching(/declined/) });
  });

  it('stops when the code expires (expired_token), saying to start again', async () => {
    const short = await bed({ authServer: { deviceFlow: { interval: 1, codeTtl: 2 } } });
    const { engine, traces, deviceCodes } = deviceEngine();
    const error = await engine.login(device(short)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'login_timeout', message: expect.stringMatching(/expired.*Start it again/) });
    expect(traces.at(-1)!.steps.find((s) => s.name === 'device-polling-summary')?.detail).toMatch(/authorization_pending; login_timeout$/);
    expect(JSON.stringify(traces)).not.toContain(deviceCodes[0]);
  });

  it('cancels while polling: the signal ends the login at once', async () => {
    const { engine, awaitingDevice } = deviceEngine();
    const controller = new AbortController();
    const login = engine.login(device(b), { signal: controller.signal });
    login.catch(() => undefined);
    await awaitingDevice();
    const at = Date.now();
    controller.abort();
    await expect(login).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - at).toBeLessThan(500);
  });

  it('automatic uses the device grant only when no browser can open here', async () => {
    expect(localBrowserAvailable({}, 'linux')).toBe(false);
    expect(localBrowserAvailable({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(localBrowserAvailable({}, 'darwin')).toBe(true);
    const { engine, states, awaitingDevice } = deviceEngine({ browserAvailable: () => false });
    const controller = new AbortController();
    const login = engine.login({ serverUrl: b.mcpUrl, settings: { signInMethod: 'automatic' } }, { signal: controller.signal });
    login.catch(() => undefined);
    await awaitingDevice();
    controller.abort();
    await login.catch(() => undefined);
    expect(states.some((s) => s.state === 'awaiting-user')).toBe(false);
  });

  it('says so when a pre-registered client may not use the device grant', async () => {
    const pre = await bed({
      authServer: {
        deviceFlow: { interval: 1 },
        clients: [{ client_id: 'browser-only', application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/callback'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
      },
    });
    const { engine, states } = deviceEngine();
    const error = await engine.login({ serverUrl: pre.mcpUrl, settings: { signInMethod: 'device', mode: 'preregistered', clientId: 'browser-only' } }).catch((e: unknown) => e);
    // oidc-provider answers invalid_request (a server may also say unauthorized_client): the message names the grant.
    expect(error).toMatchObject({ code: 'token_request_failed', oauthError: 'invalid_request', message: expect.stringMatching(/refused device sign-in for client browser-only \(invalid_request\)\. If it does not allow the device_code grant.*browser sign-in/) });
    expect(states.some((s) => s.state === 'awaiting-device')).toBe(false);
  });

  it('refuses device sign-in where the authorization server offers none, saying what to choose instead', async () => {
    const { engine } = deviceEngine();
    const noDevice = await bed({ authServer: { discovery: (doc: Record<string, unknown>) => delete doc.device_authorization_endpoint } });
    await expect(engine.login(device(noDevice))).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/browser sign-in/) });
  });
});

describe('the device code in traces', () => {
  it('is masked by field name, even before the engine knows its value', () => {
    const poll = `grant_type=${encodeURIComponent(DEVICE_CODE_GRANT)}&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS&client_id=c1`;
    expect(redactBody(poll)).not.toContain('GmRhmhcx');
    expect(redactBody(JSON.stringify({ device_code: 'GmRhmhcxhwAzkoEqiMEg', user_code: 'WDJB-MJHT', expires_in: 600 }))).toBe(
      '{"device_code":"[redacted]","user_code":"WDJB-MJHT","expires_in":600}',
    );
    expect(redactUrl('https://as.example/token?device_code=GmRhmhcxhwAzkoEqiMEg')).not.toContain('GmRhmhcx');
  });
});
