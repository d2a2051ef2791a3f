/**
 * Issue 14 in the window (real React app in Chromium, real main handlers, the test bed): the consent list before the
 * browser opens and unticking an optional scope, the sidebar's attention count and a notice's click focusing the
 * server's sign-in, the expiry warning in the overview and the inspector, saving a flow's report, and the removal
 * report.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NativeNotice } from '../../main/app/notices.ts';
import { startTestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';
import { addServerThroughDialog, openTab, signInThroughUi } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests(() => startTestBed({ authServer: { announceRefreshTokenExpiry: true } }));
const alice = (url: string) => completeLogin(url, { username: 'alice', password: 'password123' });

/** A notifier that records, for the harness's runtime. */
function recorder() {
  const shown: { notice: NativeNotice; click: () => void }[] = [];
  return { shown, notifier: { notify: (notice: NativeNotice, click: () => void) => shown.push({ notice, click }), setBadgeCount: () => undefined } };
}

describe('consent you can read', () => {
  it('lists the scopes with their meaning before the browser opens; an unticked optional scope is not asked for', async () => {
    const harness = await env.open({ browser: alice });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    const list = page.getByRole('region', { name: 'What signing in asks for' });
    await expect.poll(() => list.getByRole('checkbox').count(), { timeout: 15_000 }).toBe(3);
    expect(await list.textContent()).toMatch(/mcp:read — Read data through the server’s tools\. \(the server asks for it, required\)/);
    const read = list.getByRole('checkbox', { name: /mcp:read/ });
    expect(await read.isChecked()).toBe(true);
    expect(await read.isDisabled()).toBe(true);
    const offline = list.getByRole('checkbox', { name: /offline_access/ });
    expect(await offline.isDisabled()).toBe(false);
    await offline.uncheck();
    expect(harness.openedUrls).toEqual([]);

    await signInThroughUi(page);
    expect(new URL(harness.openedUrls[0]!).searchParams.get('scope')).toBe('mcp:read mcp:write');
    expect(await list.count()).toBe(0);
  });
});

describe('notices and warnings', () => {
  it('a sign-in that ended: the sidebar counts it, the row is marked, and the notice’s click focuses the Sign in button', async () => {
    const notices = recorder();
    const harness = await env.open({
      browser: alice,
      runtime: { notifier: notices.notifier, expiryWarnings: { grantMs: 0, clientSecretMs: 0 }, foresightTiming: { expiryIntervalMs: 0, groupWindowMs: 200 } },
    });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    env.server.authServer.setTokenTtls({ accessToken: 2, refreshToken: 3 });
    try {
      await signInThroughUi(page);
    } finally {
      env.server.authServer.setTokenTtls({ accessToken: 3600, refreshToken: 14 * 24 * 3600 });
    }
    await openTab(page, 'Tools');
    await new Promise((r) => setTimeout(r, 3_300));
    await harness.runtime.foresight.sweep();

    await expect.poll(() => page.getByTestId('attention-count').textContent(), { timeout: 10_000 }).toMatch(/1 server needs your attention/);
    // The row says it: the marker, or the status badge when the connection already knows.
    expect(await page.locator('.server-row', { hasText: 'Demo' }).textContent()).toMatch(/Sign in again|Sign-in needed/);
    await expect.poll(() => notices.shown.map((s) => s.notice.title)).toEqual(['Sign in again to Demo']);

    notices.shown[0]!.click();
    await expect.poll(() => page.getByRole('tab', { name: 'Overview', exact: true }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Sign in');
    expect(await page.getByTestId('attention-banner').textContent()).toMatch(/Sign in again\..*Your sign-in has ended/);
    expect(await page.getByTestId('lifetime-grant').textContent()).toMatch(/Sign-in ended/);

    await signInThroughUi(page);
    await expect.poll(() => page.getByTestId('attention-count').count()).toBe(0);
  });

  it('a sign-in that ends within a day is warned about in the overview and the inspector', async () => {
    const harness = await env.open({ browser: alice });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    env.server.authServer.setTokenTtls({ refreshToken: 5 * 3600 });
    try {
      await signInThroughUi(page);
    } finally {
      env.server.authServer.setTokenTtls({ refreshToken: 14 * 24 * 3600 });
    }
    await expect.poll(() => page.getByTestId('attention-banner').textContent(), { timeout: 10_000 }).toMatch(/Your sign-in ends soon\./);
    expect(await page.getByTestId('lifetime-grant').textContent()).toMatch(/Sign-in ends.*▲|▲.*in (4|5) h/s);
    expect(await page.getByTestId('attention-marker').textContent()).toContain('Ends soon');
    await openTab(page, 'Tokens');
    await expect.poll(() => page.getByTestId('lifetime-grant').textContent()).toMatch(/refresh token’s lifetime, as the authorization server said/);
  });
});

describe('reports and removal', () => {
  it('“Save sign-in report…” writes the chosen flow to the file the user picks; removing the server says what was revoked', async () => {
    const out = await mkdtemp(join(tmpdir(), 'keyport-window-report-'));
    try {
      const file = join(out, 'report.html');
      const harness = await env.open({ browser: alice, runtime: { chooseSaveFile: async () => file } });
      const { page } = harness;
      await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
      await signInThroughUi(page);
      await openTab(page, 'Flow');
      await page.getByRole('button', { name: 'Save sign-in report…' }).click();
      await expect.poll(() => page.getByTestId('notice').textContent()).toContain(`Report saved to ${file}`);
      const html = await readFile(file, 'utf8');
      expect(html).toContain('Keyport sign-in report: Demo');
      expect(html).toMatch(/Content-Security-Policy/);

      await page.getByRole('button', { name: 'Remove…' }).click();
      await page.getByRole('alertdialog', { name: 'Remove server?' }).getByRole('button', { name: 'Remove' }).click();
      await expect.poll(() => page.getByTestId('notice').textContent(), { timeout: 15_000 }).toMatch(
        /Removed Demo and forgot its tokens, but the access token \(unsupported_token_type\) could not be revoked at the authorization server: it stays valid there until it expires\./,
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
