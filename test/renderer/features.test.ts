/**
 * The window's features one by one, in Chromium against the real main handlers and the test bed: the sign-in
 * waiting state (authorization server named, Copy link through main, Cancel), tool progress and Cancel, an
 * elicitation form with defaults, Reveal hidden again on blur and Copy through main, and keyboard use of the
 * sidebar (reorder, remove with confirmation) and the tabs.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';
import { addServerThroughDialog, liveTokenValues, openTab, signInThroughUi } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests(() => startTestBed());
const alice = (url: string) => completeLogin(url, { username: 'alice', password: 'password123' });

describe('sign-in UX', () => {
  it('says to finish in the browser, names the authorization server, copies the link through main, and cancels', async () => {
    const harness = await env.open({ browser: () => new Promise(() => undefined) });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const banner = page.getByRole('status', { name: 'Sign-in' });
    await expect.poll(() => banner.textContent(), { timeout: 15_000 }).toContain('Finish signing in in your browser');
    await expect.poll(() => banner.textContent()).toContain(new URL(env.server.issuer).host);

    await expect.poll(() => harness.openedUrls.length).toBe(1);
    await banner.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => harness.clipboardWrites.length).toBe(1);
    expect(harness.clipboardWrites[0]).toBe(harness.openedUrls[0]);
    expect(harness.received.some((r) => r.json.includes(harness.openedUrls[0] ?? '-'))).toBe(false);

    await banner.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain('Sign-in cancelled');
    expect(await page.getByRole('button', { name: 'Sign in again' }).count()).toBe(1);
  });
});

describe('sign-in failure', () => {
  it('shows the error code and main’s advice when the user denies consent, and the Flow tab marks the sign-in failed', async () => {
    const harness = await env.open({ browser: (url) => completeLogin(url, { username: 'alice', password: 'password123' }, { consent: 'deny' }) });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const error = page.locator('.error-box').filter({ hasText: 'Sign-in failed' });
    await expect.poll(() => error.textContent(), { timeout: 15_000 }).toContain('access_denied');
    expect(await error.textContent()).toMatch(/Sign in again|approve/i);
    expect(await error.getByRole('button', { name: 'Try again' }).count()).toBe(1);
    await openTab(page, 'Flow');
    await expect.poll(() => page.getByTestId('flow-outcome').textContent()).toContain('failed');
  });
});

describe('tools', () => {
  it('shows progress while a call runs and Cancel stops it; an elicitation form starts from its defaults', async () => {
    const harness = await env.open({ browser: alice });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    await signInThroughUi(page);
    await openTab(page, 'Tools');
    await page.getByRole('searchbox', { name: 'Search tools' }).fill('long_running');
    await expect.poll(() => page.getByTestId('tool-count').textContent()).toMatch(/^1 of \d+ tools$/);
    await page.getByRole('option', { name: /long_running_task/ }).click();
    expect(await page.getByRole('spinbutton', { name: /steps/ }).inputValue()).toBe('5');
    await page.getByRole('spinbutton', { name: /steps/ }).fill('40');
    await page.getByRole('spinbutton', { name: /delay_ms/ }).fill('250');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    const running = page.getByRole('status', { name: 'Call in progress' });
    await expect.poll(() => running.textContent(), { timeout: 15_000 }).toMatch(/step \d+ of 40/);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => page.getByText('Call cancelled.').count(), { timeout: 15_000 }).toBe(1);

    await page.getByRole('searchbox', { name: 'Search tools' }).fill('confirm');
    await page.getByRole('option', { name: /confirm_action/ }).click();
    await page.getByRole('textbox', { name: 'action', exact: true }).fill('delete everything');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    const form = page.getByRole('dialog', { name: 'Demo asks for input' });
    await expect.poll(() => form.textContent(), { timeout: 15_000 }).toContain('Confirm: delete everything');
    expect(await form.getByRole('textbox', { name: 'Reason' }).inputValue()).toBe('none given');
    expect(await form.getByRole('checkbox', { name: 'Confirm' }).isChecked()).toBe(false);
    await form.getByRole('checkbox', { name: 'Confirm' }).check();
    await form.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toContain('"action": "accept"');
    expect(await page.getByTestId('tool-result').textContent()).toContain('"confirm": true');
  });
});

describe('tokens', () => {
  it('Copy goes through main to the clipboard; Reveal shows the value only when asked and hides it on blur; Refresh now', async () => {
    const harness = await env.open({ browser: alice });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    await signInThroughUi(page);
    const [accessToken] = await liveTokenValues(harness);
    await openTab(page, 'Tokens');
    const card = page.getByTestId('token-access');
    await card.getByRole('button', { name: 'Copy access token' }).click();
    await expect.poll(() => harness.clipboardWrites).toEqual([accessToken]);
    expect(harness.received.some((r) => r.json.includes(accessToken ?? '-'))).toBe(false);
    expect(await page.locator('body').textContent()).not.toContain(accessToken);

    await card.getByRole('button', { name: 'Reveal access token' }).click();
    const revealed = card.getByRole('group', { name: /Revealed token value/ });
    await expect.poll(() => revealed.textContent()).toContain(accessToken);
    await page.getByRole('tab', { name: 'Tokens' }).focus();
    await expect.poll(() => revealed.count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain(accessToken);

    // Refresh now: a new access token (new fingerprint), and the refresh in the history.
    const before = await card.locator('.token-header code').textContent();
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await expect.poll(() => page.getByTestId('refresh-history').textContent(), { timeout: 10_000 }).toContain('refreshed');
    expect(await page.getByTestId('token-access').locator('.token-header code').textContent()).not.toBe(before);
  });
});

describe('keyboard', () => {
  it('reorders servers with Alt+Arrow and by dragging, moves between tabs with arrows, and asks before Delete removes', async () => {
    const harness = await env.open();
    const { page } = harness;
    await addServerThroughDialog(page, 'http://127.0.0.1:9/one', 'One');
    await addServerThroughDialog(page, 'https://example.com/two', 'Two');
    const names = () => page.locator('.server-list .server-name').allTextContents();
    expect(await names()).toEqual(['One', 'Two']);

    await page.getByRole('button', { name: /^Two/ }).focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(names).toEqual(['Two', 'One']);
    await expect.poll(async () => (await harness.runtime.services.servers.list()).map((s) => s.name)).toEqual(['Two', 'One']);
    // With the mouse: drag One above Two, then back with the keyboard.
    await page.locator('.server-row', { hasText: 'One' }).dragTo(page.locator('.server-row', { hasText: 'Two' }));
    await expect.poll(names).toEqual(['One', 'Two']);
    await page.getByRole('button', { name: /^Two/ }).focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(names).toEqual(['Two', 'One']);
    await expect.poll(async () => (await harness.runtime.services.servers.list()).map((s) => s.name)).toEqual(['Two', 'One']);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByRole('heading', { level: 2 }).first().textContent()).toBe('One');

    // Keyboard focus is visible.
    await page.keyboard.press('Tab');
    // Polled: selecting a server re-renders the list, which can land the Tab on the next element a moment later.
    await expect
      .poll(() =>
        page.evaluate(() => {
          const el = document.activeElement;
          return el && el !== document.body ? getComputedStyle(el).outlineStyle : 'none';
        }),
      )
      .not.toBe('none');

    await page.getByRole('tab', { name: 'Overview' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByRole('tab', { name: 'Tokens' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tab-tokens');
    await page.keyboard.press('End');
    await expect.poll(() => page.getByRole('tab', { name: 'Log' }).getAttribute('aria-selected')).toBe('true');

    await page.getByRole('button', { name: /^One/ }).focus();
    await page.keyboard.press('Delete');
    const confirm = page.getByRole('alertdialog', { name: 'Remove server?' });
    await expect.poll(() => confirm.count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await names()).toEqual(['Two', 'One']);
    await page.getByRole('button', { name: /^One/ }).focus();
    await page.keyboard.press('Delete');
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(names).toEqual(['Two']);
  });
});

describe('server dialogs', () => {
  it('validates the URL as you type, shows the exact redirect URI for a pre-registered client, and imports', async () => {
    const harness = await env.open({ importFile: fileURLToPath(new URL('../fixtures/import/vscode/mcp.json', import.meta.url)) });
    const { page } = harness;
    await page.getByRole('button', { name: 'Add server', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add server' });
    const url = dialog.getByLabel('Server URL');
    await url.fill('http://example.com/mcp');
    await expect.poll(() => dialog.getByRole('alert').first().textContent()).toContain('only allowed for servers on this computer');
    await url.fill('https://mcp.example.com/wiki');
    await expect.poll(() => dialog.locator('#server-url-problem').textContent()).toContain('Looks like a server address');
    await dialog.getByLabel('Name (optional)').fill('Wiki');
    await dialog.getByText('Advanced: authorization settings').click();
    await dialog.getByRole('radio', { name: /Pre-registered client/ }).check();
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => dialog.getByRole('alert').first().textContent()).toContain('client ID');
    await dialog.getByRole('textbox', { name: 'Client ID', exact: true }).fill('keyport-desktop');
    await dialog.getByLabel(/Callback port/).fill('53682');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Wiki' }).count()).toBe(1);
    const stored = (await harness.runtime.services.servers.list()).find((s) => s.name === 'Wiki');
    expect(stored?.auth).toMatchObject({ mode: 'preregistered', clientId: 'keyport-desktop', callbackPort: 53682 });

    await page.getByRole('button', { name: 'Edit…' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Wiki' });
    await expect.poll(() => edit.getByTestId('redirect-uri').textContent()).toBe('http://127.0.0.1:53682/callback');
    await edit.getByRole('button', { name: 'Copy redirect URI' }).click();
    await expect.poll(() => edit.locator('.redirect-uri [role="status"]').textContent()).toMatch(/Copied|Ctrl\+C/);
    await edit.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Import…' }).click();
    const report = page.getByRole('region', { name: 'Import result' });
    await expect.poll(() => report.textContent(), { timeout: 10_000 }).toContain('github');
    expect(await report.textContent()).toContain('skipped');
    await expect.poll(() => page.locator('.server-list .server-name').allTextContents()).toContain('github');
  });
});
