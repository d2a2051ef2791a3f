/**
 * Issue 10 journeys in the window (real React app in Chromium, real main handlers): the Bearer-only MCP server behind
 * the DPoP-advertising authorization server, and the 2026-07-28-only server. Add → sign in → tools → call → the
 * inspector says how the token is presented → refresh → sign out; no live token reaches the window.
 */
import { describe, expect, it } from 'vitest';
import { startTestBed, VARIANT_MCP_SERVERS, type TestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';
import { addServerThroughDialog, liveTokenValues, openTab, signInThroughUi } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests<TestBed>(() => startTestBed({ extraMcpServers: { 'bearer-only': VARIANT_MCP_SERVERS['bearer-only'], modern: VARIANT_MCP_SERVERS.modern } }));

describe.each([
  { variant: 'bearer-only', label: 'Bearer only', era: /Legacy/, binding: 'Bearer — the resource does not ask for DPoP' },
  { variant: 'modern', label: 'Modern only', era: /Modern \(2026-07-28/, binding: 'DPoP' },
] as const)('the $variant server in the window', ({ variant, label, era, binding }) => {
  it('add → sign in → tools → call → inspect → refresh → sign out; no live token crossed', async () => {
    const harness = await env.open({ browser: (url) => completeLogin(url, { username: 'alice', password: 'password123' }) });
    const { page } = harness;
    const url = env.server.extraMcpServers![variant]!.url;

    await addServerThroughDialog(page, url, label);
    await signInThroughUi(page);
    const tokens = new Set(await liveTokenValues(harness));
    expect(tokens.size).toBeGreaterThanOrEqual(1);

    await openTab(page, 'Tools');
    await expect.poll(() => page.getByTestId('tool-count').textContent(), { timeout: 15_000 }).toMatch(/^\d+ tools$/);
    await page.getByRole('option', { name: /get_user_profile/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toContain('alice');

    await openTab(page, 'Overview');
    await expect.poll(() => page.getByTestId('server-info-era').textContent(), { timeout: 10_000 }).toMatch(era);

    await openTab(page, 'Tokens');
    await expect.poll(() => page.getByTestId('token-binding').textContent()).toContain(binding);
    const refreshesBefore = env.server.authServer.count({ endpoint: 'token', grantType: 'refresh_token' });
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await expect.poll(() => env.server.authServer.count({ endpoint: 'token', grantType: 'refresh_token' }), { timeout: 15_000 }).toBe(refreshesBefore + 1);
    for (const t of await liveTokenValues(harness)) tokens.add(t);

    // The call still works with the refreshed token.
    await openTab(page, 'Tools');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toContain('alice');

    await openTab(page, 'Overview');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Signed out');

    for (const token of tokens) {
      const leaks = harness.received.filter((r) => r.json.includes(token)).map((r) => `${r.kind} ${r.channel}`);
      expect(leaks, 'a raw token reached the window').toEqual([]);
    }
    expect(harness.blockedRequests).toEqual([]);
    expect(harness.browserErrors).toEqual([]);
  });
});
