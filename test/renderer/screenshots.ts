/**
 * `npm run screenshots`: PNGs of the window's main screens, in the light and the dark theme, into screenshots/. Uses
 * the Chromium harness (built renderer, real main handlers) and the test bed, so every screen shows real data: the
 * empty state, the server list, sign-in waiting for the browser, a failed sign-in, the overview, the token
 * inspector, the flow timeline, a tool result and a tool error; then (issue 13) the account switcher, the pasted
 * address field and the device-code panel; then (issue 14) the consent list before signing in, the step-up difference,
 * an expiry warning and a sign-in that ended (the sidebar's attention count).
 *
 * Run: `node test/renderer/screenshots.ts [outDir]` (scripts/screenshots.mjs does; KEYPORT_SKIP_BUILD=1 skips the
 * build).
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { setup as build } from '../setup/build.ts';
import { setup as startKeyring, teardown as stopKeyring } from '../setup/keyring.ts';
import { startTestBed, type TestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';
import { closeBrowser, startHarness, type Harness } from './harness.ts';

const never = () => new Promise<never>(() => undefined);

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('screenshots: the window did not reach the expected state');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
}

/** Takes every screen in one theme; returns the files written. */
async function shootTheme(bed: TestBed, theme: 'light' | 'dark', outDir: string): Promise<readonly string[]> {
  const files: string[] = [];
  const harness = await startHarness({ colorScheme: theme, viewport: { width: 1280, height: 820 } });
  const { page } = harness;
  const until = (check: () => Promise<boolean>) =>
    waitFor(check).catch(async (error: unknown) => {
      console.error((await page.locator('body').innerText()).slice(0, 1500), harness.browserErrors);
      throw error;
    });
  const shot = async (name: string) => {
    await page.waitForTimeout(150);
    const file = resolve(outDir, `${theme}-${String(files.length + 1).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  };
  try {
    await until(async () => (await page.getByTestId('app-version').count()) === 1);
    await shot('empty-state');

    await page.getByRole('button', { name: 'Add server', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add server' });
    await dialog.getByLabel('Server URL').fill(bed.mcpUrl);
    await dialog.getByLabel('Name (optional)').fill('Demo server');
    await dialog.getByText('Advanced: authorization settings').click();
    await shot('add-server-dialog');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.evaluate(() =>
      (window as unknown as { keyport: { addServer(i: unknown): Promise<unknown> } }).keyport.addServer({
        name: 'Team wiki (example)',
        url: 'https://mcp.example.com/wiki',
      }),
    );
    await until(async () => (await page.getByRole('heading', { level: 2, name: 'Demo server' }).count()) === 1);
    await shot('server-list');

    // Sign-in waiting for the browser (the "browser" never finishes), then cancelled.
    harness.setBrowser(never);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await until(async () => ((await page.getByRole('status', { name: 'Sign-in' }).textContent()) ?? '').includes('Finish signing in'));
    await shot('sign-in-waiting');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await until(async () => ((await page.getByRole('status', { name: 'Sign-in' }).textContent()) ?? '').includes('cancelled'));

    // A failed sign-in: the user presses Deny.
    harness.setBrowser((url) => completeLogin(url, { username: 'alice', password: 'password123' }, { consent: 'deny' }));
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await until(async () => (await page.getByText('Sign-in failed').count()) > 0);
    await shot('sign-in-failed');
    await tab(page, 'Flow');
    await until(async () => ((await page.getByTestId('flow-outcome').textContent()) ?? '').includes('failed'));
    await shot('flow-failed-step');

    // A successful sign-in.
    harness.setBrowser((url) => completeLogin(url, { username: 'alice', password: 'password123' }));
    await tab(page, 'Overview');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await until(async () => ((await page.getByRole('status', { name: 'Sign-in' }).textContent()) ?? '').includes('Signed in'));
    await until(async () => (await page.getByTestId('server-info-name').count()) === 1);
    await shot('overview');

    await tab(page, 'Tokens');
    await until(async () => (await page.getByTestId('token-access').count()) === 1);
    await shot('token-inspector');
    await page.getByRole('button', { name: 'Introspect' }).click();
    // The test bed introspects only opaque access tokens: a JWT gets a (well-explained) refusal, which is shown too.
    const introspection = page.getByTestId('token-access').locator('.introspection, .error-box');
    await until(async () => (await introspection.count()) > 0);
    await introspection.first().scrollIntoViewIfNeeded();
    await shot('token-introspection');

    await tab(page, 'Flow');
    const picker = page.getByRole('combobox', { name: 'Flow' });
    await picker.selectOption((await picker.locator('option', { hasText: /Sign-in.*ok/ }).first().getAttribute('value')) ?? '');
    await until(async () => (await page.getByRole('list', { name: 'Steps' }).getByRole('listitem').count()) > 2);
    await page.locator('details.exchanges summary').first().click();
    await shot('flow-timeline');

    await tab(page, 'Tools');
    await page.getByRole('option', { name: /get_user_profile/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await until(async () => (await page.getByTestId('tool-result').count()) === 1);
    await shot('tool-result');
    await page.getByRole('option', { name: /create_secure_note/ }).click();
    await shot('tool-form');
    await page.getByRole('option', { name: /fail_always/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await until(async () => (await page.getByTestId('tool-error').count()) === 1);
    await shot('tool-error');
    await page.getByRole('option', { name: /get_logo/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await until(async () => (await page.locator('img.content-image').count()) === 1);
    await shot('tool-image');

    await tab(page, 'Resources');
    await page.getByRole('button', { name: 'Your profile' }).click();
    await until(async () => (await page.getByRole('region', { name: 'Resource contents' }).count()) === 1);
    await shot('resources');
    await tab(page, 'Log');
    await shot('log');

    // Issue 13: a second account, the "Paste the address" field, the device-code panel (shot last, so the numbers of
    // the screens above stay as the docs reference them).
    await tab(page, 'Tokens');
    harness.setBrowser((url) => completeLogin(url, { username: 'bob', password: 'secret456' }));
    await page.getByRole('button', { name: 'Add another account' }).click();
    await until(async () => (await page.getByTestId('account-bob').count()) === 1);
    await page.getByRole('status', { name: 'Sign-in' }).getByRole('button', { name: 'Dismiss' }).click();
    await shot('accounts');

    harness.setBrowser(never);
    await page.getByRole('button', { name: 'Add another account' }).click();
    await until(async () => ((await page.getByRole('status', { name: 'Sign-in' }).textContent()) ?? '').includes('Finish signing in'));
    await page.getByText('Browser on another device? Paste the address it ended on').click();
    await page.getByLabel('Paste the address').fill('http://127.0.0.1:1/callback?code=example&state=not-this-sign-in');
    await page.getByRole('button', { name: 'Use this address' }).click();
    await until(async () => (await page.getByTestId('paste-result').count()) === 1);
    await shot('sign-in-paste');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await until(async () => ((await page.getByRole('status', { name: 'Sign-in' }).textContent()) ?? '').includes('cancelled'));

    const demo = await page.evaluate(() =>
      (window as unknown as { keyport: { listServers(): Promise<{ value: { id: string; name: string; url: string }[] }> } }).keyport.listServers(),
    );
    const server = demo.value.find((x) => x.name === 'Demo server')!;
    const setMethod = (signInMethod: 'device' | 'browser') =>
      page.evaluate(
        ([id, url, method]) =>
          (window as unknown as { keyport: { updateServer(i: string, s: unknown): Promise<unknown> } }).keyport.updateServer(id, { url, auth: { signInMethod: method } }),
        [server.id, server.url, signInMethod] as const,
      );
    await setMethod('device');
    await page.getByRole('button', { name: 'Add another account' }).click();
    await until(async () => (await page.getByTestId('user-code').count()) === 1);
    await shot('device-code');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await setMethod('browser');

    // Issue 14, on a second server of the same authorization server: the consent list before signing in, the step-up
    // difference, an expiry warning, and a sign-in that ended (the sidebar's attention count).
    await shootForesight(page, harness, bed, shot, until);
  } finally {
    await harness.close();
  }
  return files;
}

/** The issue-14 screens; `shot` and `until` are the theme's. */
async function shootForesight(
  page: Page,
  harness: Harness,
  bed: TestBed,
  shot: (name: string) => Promise<void>,
  until: (check: () => Promise<boolean>) => Promise<void>,
): Promise<void> {
  const team = bed.extraMcpServers?.['team'];
  if (!team) throw new Error('screenshots: the test bed has no second MCP server');
  const dismissNotice = async () => {
    const close = page.getByRole('button', { name: 'Dismiss message' });
    if ((await close.count()) > 0) await close.click();
  };
  const signInAs = async (username: string, password: string) => {
    harness.setBrowser((url) => completeLogin(url, { username, password }));
    await tab(page, 'Overview');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await until(async () => ((await page.getByRole('status', { name: 'Sign-in' }).textContent()) ?? '').includes('Signed in'));
    await page.getByRole('status', { name: 'Sign-in' }).getByRole('button', { name: 'Dismiss' }).click();
  };
  const signOut = async () => {
    await tab(page, 'Overview');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await until(async () => ((await page.getByTestId('notice').textContent()) ?? '').includes('Signed out'));
    await dismissNotice();
  };

  await dismissNotice();
  await page.evaluate((url) => (window as unknown as { keyport: { addServer(i: unknown): Promise<unknown> } }).keyport.addServer({ name: 'Team tools', url }), team.url);
  await page.getByRole('button', { name: 'Team tools' }).click();
  await tab(page, 'Overview');
  await until(async () => (await page.getByTestId('consent-list').getByRole('checkbox').count()) === 3);
  await shot('sign-in-consent');

  await signInAs('bob', 'secret456');
  await tab(page, 'Tools');
  await page.getByRole('option', { name: /write_data/ }).click();
  await page.getByRole('textbox', { name: 'key', exact: true }).fill('colour');
  await page.getByRole('textbox', { name: 'value', exact: true }).fill('green');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await until(async () => (await page.getByTestId('step-up-difference').count()) === 1);
  await shot('step-up-difference');
  await page.getByRole('dialog', { name: 'More access needed' }).getByRole('button', { name: 'Not now' }).click();
  await signOut();

  bed.authServer.setTokenTtls({ refreshToken: 5 * 3600 });
  await signInAs('alice', 'password123');
  await until(async () => ((await page.getByTestId('attention-banner').textContent()) ?? '').includes('ends soon'));
  await shot('expiry-warning');
  await tab(page, 'Tokens');
  await until(async () => (await page.getByTestId('lifetime-grant').count()) === 1);
  await shot('expiry-warning-inspector');
  await signOut();

  bed.authServer.setTokenTtls({ accessToken: 2, refreshToken: 3 });
  try {
    await signInAs('alice', 'password123');
  } finally {
    bed.authServer.setTokenTtls({ accessToken: 3600, refreshToken: 14 * 24 * 3600 });
  }
  await new Promise((r) => setTimeout(r, 3_500));
  await harness.runtime.foresight.sweep();
  await until(async () => ((await page.getByTestId('attention-banner').textContent()) ?? '').includes('Sign in again'));
  await dismissNotice();
  await shot('attention-sign-in-again');
}

/** Writes every screenshot into `outDir`. */
export async function takeScreenshots(outDir: string): Promise<readonly string[]> {
  await mkdir(outDir, { recursive: true });
  // `refresh_token_expires_in` announced, and a second MCP server for the issue-14 screens.
  const bed = await startTestBed({ authServer: { announceRefreshTokenExpiry: true }, extraMcpServers: { team: {} } });
  try {
    return [...(await shootTheme(bed, 'light', outDir)), ...(await shootTheme(bed, 'dark', outDir))];
  } finally {
    await closeBrowser();
    await bed.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = resolve(process.argv[2] ?? 'screenshots');
  build();
  await startKeyring();
  try {
    const files = await takeScreenshots(outDir);
    console.log(`screenshots: wrote ${files.length} PNGs to ${outDir}`);
  } finally {
    await stopKeyring();
  }
}
