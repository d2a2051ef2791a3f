/**
 * Issue 11 §2 and §4: everything visible in the metadata and the registration is judged before the user is sent
 * anywhere, and values received from an authorization server are checked when they arrive, never stored malformed.
 * Each test is named after what a hostile or broken server could do before.
 */
import { describe, expect, it } from 'vitest';
import { autoBrowserEngine, mockServersPerTest } from './helpers/setup.ts';
import type { MockOptions } from './helpers/mock-servers.ts';

const startMock = mockServersPerTest();

async function setup(options: MockOptions) {
  const mock = await startMock(options);
  const { engine, store, opened } = autoBrowserEngine();
  return { mock, engine, store, opened, target: { serverUrl: mock.mcpUrl } };
}

describe('refused before the browser opens', () => {
  it('an authorization endpoint with a user name and password in its URL', async () => {
    const s = await setup({});
    s.mock.options.asMetadataOverride = { authorization_endpoint: `${s.mock.url.replace('http://', 'http://user:pass@')}/authorize` };
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'unsafe_url' });
    expect(s.opened).toEqual([]);
  });

  it('a plain-http token endpoint on another host (was refused only at the code exchange, after the user signed in)', async () => {
    const s = await setup({ asMetadataOverride: { token_endpoint: 'http://tokens.example.net/token' } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'unsafe_url', message: expect.stringContaining('token endpoint') });
    expect(s.opened).toEqual([]);
    expect(s.mock.count('/register')).toBe(0);
  });

  it.each(['registration_endpoint', 'revocation_endpoint', 'introspection_endpoint'])('a plain-http %s on another host', async (field) => {
    const s = await setup({ asMetadataOverride: { [field]: 'http://as.example.net/x' } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'unsafe_url' });
    expect(s.opened).toEqual([]);
  });

  it('a registration answered for other redirect URIs than Keyport asked for (RFC 7591 §3.2.1)', async () => {
    const s = await setup({ registrationOverride: { redirect_uris: ['https://attacker.example/callback'] } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'invalid_response' });
    expect(s.opened).toEqual([]);
    expect(await s.store.getRegistration(s.mock.issuer)).toBeUndefined();
  });

  it.each([
    ['HTML', '<img src=x onerror=alert(1)>'],
    ['CR/LF', 'client\r\nSet-Cookie: x=1'],
    ['an escape sequence', 'client\u001b]52;c;SGVsbG8=\u0007'],
  ])('a registered client_id with %s in it (RFC 6749 Appendix A.1)', async (_what, clientId) => {
    const s = await setup({ registrationOverride: { client_id: clientId } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'invalid_response' });
    expect(s.opened).toEqual([]);
    expect(await s.store.getRegistration(s.mock.issuer)).toBeUndefined();
  });
});

describe('token responses checked when received', () => {
  it('an access token with control characters is refused and nothing is stored', async () => {
    const s = await setup({ tokenResponseOverride: { access_token: 'abc\u001b[2Jdef' } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'invalid_response' });
    expect(await s.store.listTokenSets()).toEqual([]);
  });

  it('a refresh token with a newline is refused and nothing is stored', async () => {
    const s = await setup({ tokenResponseOverride: { refresh_token: 'rt\nforged' } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'invalid_response' });
    expect(await s.store.listTokenSets()).toEqual([]);
  });

  it('expires_in of 1e300 is clamped: status and views still work ("Invalid time value" before)', async () => {
    const s = await setup({ tokenResponseOverride: { expires_in: 1e300 } });
    const view = await s.engine.login(s.target);
    const access = view.tokens.find((t) => t.kind === 'access')!;
    expect(Number.isFinite(access.expiresAt ?? Number.NaN) ? new Date(access.expiresAt!).toISOString() : 'none').not.toBe('none');
    const status = await s.engine.status(s.target);
    expect(status.state).toBe('signed-in');
    if (status.state === 'signed-in') expect(() => new Date(status.expiresAt!).toISOString()).not.toThrow();
  });

  it.each([
    ['negative', -5],
    ['not a number', 'soon'],
  ])('expires_in that is %s is refused when received', async (_what, value) => {
    const s = await setup({ tokenResponseOverride: { expires_in: value } });
    await expect(s.engine.login(s.target)).rejects.toMatchObject({ code: 'token_request_failed' });
    expect(await s.store.listTokenSets()).toEqual([]);
  });

  it('expires_in as a numeric string is read as a number', async () => {
    const s = await setup({ tokenResponseOverride: { expires_in: '3599' } });
    await s.engine.login(s.target);
    const [record] = await s.store.listTokenSets();
    expect(record!.expiresAt! - record!.obtainedAt).toBe(3_599_000);
  });

  it('a 50 MB token response is refused at 1 MB, not read into memory', async () => {
    const s = await setup({ hugeTokenResponseMb: 50 });
    const before = process.memoryUsage().rss;
    const failure = (await s.engine.login(s.target).catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('invalid_response');
    expect(failure.message).toMatch(/larger than Keyport accepts \(1 MB\)/);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
    expect(await s.store.listTokenSets()).toEqual([]);
  });

  it('an AS that offers device sign-in but refuses to register the device grant still gets a client for browser sign-in', async () => {
    const s = await setup({ registrationRefusesGrant: 'urn:ietf:params:oauth:grant-type:device_code' });
    s.mock.options.asMetadataOverride = {
      device_authorization_endpoint: `${s.mock.url}/device`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    };
    await s.engine.login(s.target);
    expect(s.mock.count('/register')).toBe(2);
    expect(await s.store.listTokenSets()).toHaveLength(1);
  });
});
