/**
 * The whole journey in Chromium against the real main handlers and the test bed: add the demo server, sign in (the
 * browser step played by completeLogin), see the tools, call one, inspect the tokens, see an automatic refresh in
 * the history, sign out (the AS sees the revocation) — and no payload the window received holds a live token.
 */
import { describe, expect, it } from 'vitest';
import { startTestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';
import { addServerThroughDialog, liveTokenValues, openTab, signInThroughUi } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests(() => startTestBed({ authServer: { accessTokenTtl: 20 } }));

describe('the journey', () => {
  it('add → sign in → tools → call → inspect tokens → refresh in history → sign out revokes; no live token crossed', async () => {
    const harness = await env.open({
      browser: (url) => completeLogin(url, { username: 'alice', password: 'password123' }),
      runtime: { core: { refreshMarginMs: 10_000 } },
    });
    const { page } = harness;
    const seenTokens = new Set<string>();

    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo');
    await signInThroughUi(page);
    expect(harness.openedUrls).toHaveLength(1);
    expect(new URL(harness.openedUrls[0] ?? '').origin).toBe(env.server.issuer);
    for (const t of await liveTokenValues(harness)) seenTokens.add(t);
    expect(seenTokens.size).toBeGreaterThanOrEqual(2);

    // Tools appear; call get_user_profile.
    await openTab(page, 'Tools');
    await expect.poll(() => page.getByTestId('tool-count').textContent(), { timeout: 15_000 }).toMatch(/^\d+ tools$/);
    await page.getByRole('option', { name: /get_user_profile/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toContain('alice');

    // The inspector: claims, scopes, audience, a running expiry.
    await openTab(page, 'Tokens');
    const access = page.getByTestId('token-access');
    await expect.poll(() => access.getByRole('table', { name: 'Claims' }).textContent()).toContain('sub');
    expect(await access.getByRole('list', { name: 'Access token scopes' }).textContent()).toContain('mcp:read');
    expect(await access.getByTestId('audience-access').textContent()).toContain(env.server.mcpUrl);
    expect(await access.getByTestId('audience-access').textContent()).toContain('matches the resource');
    const countdown = access.getByTestId('expiry-countdown-access');
    const first = await countdown.textContent();
    expect(first).toMatch(/expires in \d+ s/);
    await expect.poll(() => countdown.textContent(), { timeout: 5_000 }).not.toBe(first);
    expect(await page.getByTestId('refresh-history').textContent()).toContain('No refresh yet');

    // Wait (watching the live countdown) until the token is inside the refresh margin, use it, and the refresh shows
    // in the history.
    const secondsLeft = async () => Number(/expires in (\d+) s/.exec((await countdown.textContent()) ?? '')?.[1] ?? 99);
    await expect.poll(secondsLeft, { timeout: 25_000, interval: 250 }).toBeLessThan(9);
    await openTab(page, 'Tools');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => env.server.authServer.count({ endpoint: 'token', grantType: 'refresh_token' }), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    for (const t of await liveTokenValues(harness)) seenTokens.add(t);
    await openTab(page, 'Tokens');
    await expect.poll(() => page.getByTestId('refresh-history').textContent(), { timeout: 10_000 }).toContain('refreshed');
    expect(await page.getByTestId('refresh-history').textContent()).toContain('rotated');

    // Flow: the login's steps are listed.
    await openTab(page, 'Flow');
    const flowPicker = page.getByRole('combobox', { name: 'Flow' });
    const login = await flowPicker.locator('option', { hasText: 'Sign-in' }).first().getAttribute('value');
    await flowPicker.selectOption(login ?? '');
    await expect.poll(() => page.getByRole('list', { name: 'Steps' }).getByRole('listitem').count()).toBeGreaterThan(2);

    // Sign out: the AS sees the revocation.
    const revocationsBefore = env.server.authServer.count({ endpoint: 'revocation' });
    await openTab(page, 'Overview');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Signed out');
    expect(env.server.authServer.count({ endpoint: 'revocation' })).toBeGreaterThan(revocationsBefore);
    await openTab(page, 'Tokens');
    await expect.poll(() => page.getByText('Keyport holds no tokens for this server.').count()).toBe(1);

    // No response or event the window received carried a live token value.
    expect(harness.received.length).toBeGreaterThan(20);
    for (const token of seenTokens) {
      const leaks = harness.received.filter((r) => r.json.includes(token)).map((r) => `${r.kind} ${r.channel}`);
      expect(leaks, 'a raw token reached the window').toEqual([]);
    }
    expect(harness.blockedRequests).toEqual([]);
    expect(harness.browserErrors).toEqual([]);
  });
});
