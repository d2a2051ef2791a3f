/**
 * Issue 13 in the window (Chromium, the real main handlers, the test bed): the device-code panel (the user code large,
 * its QR code, a countdown) completed by a scripted user at the verification page; the "Paste the address" field
 * refusing a forged address without repeating it and accepting the real one; the account switcher with alice and bob
 * on one server (switching reconnects as the other identity, signing one out keeps the other). No payload the window
 * received holds a token, the authorization code or the device code.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestBed } from '../servers/testbed.ts';
import { completeDeviceLogin, completeLogin } from '../servers/user-agent.ts';
import { ACCOUNTS } from '../servers/accounts.ts';
import type { Harness } from './harness.ts';
import { openTab } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests(() => startTestBed({ authServer: { deviceFlow: { interval: 1 } } }));

/** Adds the bed's MCP server through the bridge (the dialog itself is covered elsewhere) and selects it. */
async function addServer(page: Page, name: string, signInMethod?: 'device'): Promise<void> {
  await page.evaluate(
    ([url, n, method]) =>
      (window as unknown as { keyport: { addServer(i: unknown): Promise<unknown> } }).keyport.addServer({
        name: n,
        url,
        ...(method ? { auth: { signInMethod: method } } : {}),
      }),
    [env.server.mcpUrl, name, signInMethod] as const,
  );
  await page.locator('button.server-item', { hasText: name }).click();
  await expect.poll(() => page.getByRole('heading', { level: 2, name, exact: true }).count()).toBe(1);
}

/** Every token value in the keychain right now, for every account. */
async function allTokenValues(harness: Harness): Promise<string[]> {
  const sets = await harness.runtime.context.core.secrets().credentials.listTokenSets();
  return sets.flatMap((s) => [s.accessToken, s.refreshToken, s.idToken].filter((v): v is string => typeof v === 'string'));
}

function expectNotReceived(harness: Harness, secrets: Iterable<string>): void {
  for (const secret of secrets) {
    const leaks = harness.received.filter((r) => r.json.includes(secret)).map((r) => `${r.kind} ${r.channel}`);
    expect(leaks, 'a secret reached the window').toEqual([]);
  }
}

describe('signing in without a browser on this machine', () => {
  it('shows the device code large, its QR code and a countdown, and signs in once the code is entered', async () => {
    const harness = await env.open();
    const { page } = harness;
    await addServer(page, 'Device bed', 'device');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const code = page.getByTestId('user-code');
    await expect.poll(() => code.count(), { timeout: 15_000 }).toBe(1);
    const userCode = (await code.textContent())!.trim();
    expect(userCode).toMatch(/^[A-Z0-9-]{6,}$/);
    expect(await page.getByTestId('device-uri').textContent()).toBe(`${env.server.issuer}/device`);
    expect(await page.getByTestId('device-qr').getAttribute('aria-label')).toMatch(/QR code/);
    const countdown = page.getByTestId('device-countdown');
    expect(await countdown.textContent()).toMatch(/The code expires in (9:\d\d|10:00)\./);
    const deviceCode = (
      await (env.server.authServer.provider as unknown as { DeviceCode: { findByUserCode(c: string): Promise<{ jti: string } | undefined> } }).DeviceCode.findByUserCode(
        userCode.replace(/\W/g, ''),
      )
    )?.jti;
    expect(deviceCode).toBeTruthy();
    expect(harness.openedUrls).toEqual([]);

    await completeDeviceLogin(`${env.server.issuer}/device`, { username: 'bob', password: ACCOUNTS.bob.password }, { userCode });
    await expect.poll(() => page.getByRole('status', { name: 'Sign-in' }).textContent(), { timeout: 15_000 }).toContain('Signed in');
    expect(await page.getByTestId('user-code').count()).toBe(0);
    expectNotReceived(harness, [deviceCode!, ...(await allTokenValues(harness))]);
    expect(harness.received.some((r) => r.channel === 'auth:onDeviceCode' && r.json.includes(userCode))).toBe(true);
  });

  it('refuses a forged pasted address without repeating it, then signs in with the real one', async () => {
    let real: string | undefined;
    const harness = await env.open({
      browser: async (url) => {
        const result = await completeLogin(url, { username: 'alice', password: ACCOUNTS.alice.password }, { followCallback: false });
        real = result.callbackUrl;
      },
    });
    const { page } = harness;
    await addServer(page, 'Paste bed');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Sign-in' }).textContent(), { timeout: 15_000 }).toContain('Finish signing in');
    await expect.poll(() => real, { timeout: 15_000 }).toBeDefined();
    const forged = new URL(real!);
    forged.searchParams.set('state', 'forged-state-0123456789');
    await page.getByText('Browser on another device? Paste the address it ended on').click();
    const field = page.getByLabel('Paste the address');
    await field.fill(forged.href);
    await page.getByRole('button', { name: 'Use this address' }).click();
    const answer = page.getByTestId('paste-result');
    await expect.poll(() => answer.textContent()).toMatch(/refused the pasted address: its state did not match this sign-in/);
    expect(await answer.textContent()).not.toContain('forged-state');
    expect(await field.inputValue()).toBe('');
    await field.fill(real!);
    await page.getByRole('button', { name: 'Use this address' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Sign-in' }).textContent(), { timeout: 15_000 }).toContain('Signed in');
    const code = new URL(real!).searchParams.get('code')!;
    expectNotReceived(harness, [code, ...(await allTokenValues(harness))]);
    for (const r of harness.received) expect(r.json).not.toContain('forged-state');
  });
});

describe('several accounts on one server', () => {
  it('adds bob next to alice, switches the connection to bob and back, signs bob out and keeps alice', async () => {
    let who: 'alice' | 'bob' = 'alice';
    const harness = await env.open({ browser: (url) => completeLogin(url, { username: who, password: ACCOUNTS[who].password }) });
    const { page } = harness;
    await addServer(page, 'Accounts bed');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Sign-in' }).textContent(), { timeout: 15_000 }).toContain('Signed in');
    await openTab(page, 'Tokens');
    await expect.poll(() => page.getByTestId('account-default').textContent()).toContain('alice');

    who = 'bob';
    await page.getByRole('button', { name: 'Add another account' }).click();
    await expect.poll(() => page.getByTestId('account-bob').textContent(), { timeout: 15_000 }).toContain('bob');
    // The second identity was asked for with prompt=login (the AS does not offer select_account).
    expect(new URL(harness.openedUrls.at(-1)!).searchParams.get('prompt')).toContain('login');
    expect(await page.getByTestId('account-default').getAttribute('aria-current')).toBe('true');

    await page.getByTestId('account-bob').getByRole('button', { name: 'Use this account' }).click();
    await expect.poll(() => page.getByTestId('account-bob').getAttribute('aria-current')).toBe('true');
    await expect.poll(() => page.getByTestId('token-access').textContent()).toMatch(/Subject\s*bob/);
    await openTab(page, 'Tools');
    await page.getByRole('option', { name: /get_user_profile/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toMatch(/"sub": "bob"/);

    await openTab(page, 'Tokens');
    await page.getByTestId('account-bob').getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Name of this account').fill('Bob (test)');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('account-bob').textContent()).toContain('Bob (test)');

    const revocations = env.server.authServer.count({ endpoint: 'revocation' });
    await page.getByRole('button', { name: 'Sign out Bob (test)' }).click();
    await expect.poll(() => page.getByTestId('account-bob').count()).toBe(0);
    expect(env.server.authServer.count({ endpoint: 'revocation' })).toBeGreaterThan(revocations);
    await expect.poll(() => page.getByTestId('account-default').getAttribute('aria-current')).toBe('true');
    await expect.poll(() => page.getByTestId('token-access').textContent()).toMatch(/Subject\s*alice/);
    expectNotReceived(harness, await allTokenValues(harness));
  });
});
