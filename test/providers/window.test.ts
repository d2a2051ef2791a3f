/**
 * Provider journeys in the window (issue 12 item 1): the add-server dialog with its Advanced settings filled in as the
 * provider notes say, for Entra ID (resource off, qualified scopes, S256 assumed, an extra parameter), GitHub (manual
 * endpoints, client secret, client_secret_post), a Slack-style provider (callback host, port and path), Google
 * (extra parameters, accepted issuer) and Auth0 (audience) — then
 * sign in, tools, a call, a refresh after expiry, and sign out; the Edit dialog shows every setting as entered.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { KeyportEntry } from '../servers/providers/index.ts';
import { startProvider, type ProviderEmulation, type ProviderId } from '../servers/providers/index.ts';
import { openTab, signInThroughUi } from '../renderer/steps.ts';
import { useWindowTests } from '../renderer/window-tests.ts';
import { freePort } from './journey-helpers.ts';

const env = useWindowTests();
const TTL = 3;

/** Fills the Advanced section of an open server dialog with what the provider notes say. */
async function fillAdvanced(dialog: Locator, entry: KeyportEntry): Promise<void> {
  const s = entry.settings;
  await dialog.getByText('Advanced: authorization settings').click();
  if (entry.clientId !== undefined) {
    await dialog.getByRole('radio', { name: /Pre-registered client/ }).check();
    await dialog.getByLabel('Client ID', { exact: true }).fill(entry.clientId);
    if (entry.clientSecret !== undefined) await dialog.getByLabel(/^Client secret/).fill(entry.clientSecret);
    if (s.tokenEndpointAuthMethod !== undefined) await dialog.getByLabel('Token endpoint authentication').selectOption(s.tokenEndpointAuthMethod);
  }
  if (s.scope !== undefined) await dialog.getByLabel(/^Scopes to request/).fill(s.scope);
  if (s.callbackPort !== undefined) await dialog.getByLabel(/^Callback port/).fill(String(s.callbackPort));
  if (s.resourceParameter === 'off') await dialog.getByLabel(/^Resource parameter/).selectOption('off');
  if (typeof s.resourceParameter === 'object') {
    await dialog.getByLabel(/^Resource parameter/).selectOption('custom');
    await dialog.getByLabel(/^Resource value/).fill(s.resourceParameter.value);
  }
  if (s.audience !== undefined) await dialog.getByLabel(/^Audience/).fill(s.audience);
  const params = Object.entries(s.extraAuthorizationParams ?? {});
  if (params.length > 0) await dialog.getByLabel(/^Extra sign-in parameters/).fill(params.map(([k, v]) => `${k}=${v}`).join('\n'));
  if (s.callbackHost !== undefined) await dialog.getByLabel(/^Callback host/).selectOption(s.callbackHost);
  if (s.callbackPath !== undefined) await dialog.getByLabel(/^Callback path/).fill(s.callbackPath);
  if (s.acceptedIssuer !== undefined) await dialog.getByLabel(/^Accepted issuer/).fill(s.acceptedIssuer);
  if (s.authorizationEndpoint !== undefined) await dialog.getByLabel(/^Authorization endpoint/).fill(s.authorizationEndpoint);
  if (s.tokenEndpoint !== undefined) await dialog.getByLabel(/^Token endpoint\s*—/).fill(s.tokenEndpoint);
  if (s.acceptS256WithoutAdvertisement === true) await dialog.getByLabel(/^Supports PKCE S256/).check();
}

/** What the Edit dialog shows for each setting the notes name (the round trip through main and back). */
async function expectShown(page: Page, name: string, entry: KeyportEntry): Promise<void> {
  const s = entry.settings;
  await page.getByRole('button', { name: 'Edit…' }).click();
  const dialog = page.getByRole('dialog', { name: `Edit ${name}` });
  if (entry.clientId !== undefined) expect(await dialog.getByLabel('Client ID', { exact: true }).inputValue()).toBe(entry.clientId);
  if (s.scope !== undefined) expect(await dialog.getByLabel(/^Scopes to request/).inputValue()).toBe(s.scope);
  if (s.resourceParameter === 'off') expect(await dialog.getByLabel(/^Resource parameter/).inputValue()).toBe('off');
  if (s.callbackHost !== undefined) expect(await dialog.getByLabel(/^Callback host/).inputValue()).toBe(s.callbackHost);
  if (s.callbackPort !== undefined) expect(await dialog.getByLabel(/^Callback port/).inputValue()).toBe(String(s.callbackPort));
  if (s.callbackPath !== undefined) expect(await dialog.getByLabel(/^Callback path/).inputValue()).toBe(s.callbackPath);
  if (s.authorizationEndpoint !== undefined) expect(await dialog.getByLabel(/^Authorization endpoint/).inputValue()).toBe(s.authorizationEndpoint);
  if (s.tokenEndpoint !== undefined) expect(await dialog.getByLabel(/^Token endpoint\s*—/).inputValue()).toBe(s.tokenEndpoint);
  if (s.acceptS256WithoutAdvertisement === true) expect(await dialog.getByLabel(/^Supports PKCE S256/).isChecked()).toBe(true);
  if (s.audience !== undefined) expect(await dialog.getByLabel(/^Audience/).inputValue()).toBe(s.audience);
  if (s.acceptedIssuer !== undefined) expect(await dialog.getByLabel(/^Accepted issuer/).inputValue()).toBe(s.acceptedIssuer);
  if (s.tokenEndpointAuthMethod !== undefined && entry.clientId !== undefined) expect(await dialog.getByLabel('Token endpoint authentication').inputValue()).toBe(s.tokenEndpointAuthMethod);
  const params = Object.entries(s.extraAuthorizationParams ?? {});
  if (params.length > 0) expect(await dialog.getByLabel(/^Extra sign-in parameters/).inputValue()).toBe(params.map(([k, v]) => `${k}=${v}`).join('\n'));
  await dialog.getByRole('button', { name: 'Cancel' }).click();
}

const refreshes = (p: ProviderEmulation): number => p.authServer.log.filter((r) => r.endpoint === 'token' && r.grantType === 'refresh_token' && r.status === 200).length;

describe.each(['entra', 'github', 'slack', 'google', 'auth0'] as const satisfies readonly ProviderId[])('%s in the window', (id) => {
  it(`${id}: Advanced settings in the add dialog → sign in → tools → call → refresh after expiry → sign out`, async () => {
    const provider = await startProvider(id, { accessTokenTtl: TTL, ...(id === 'slack' ? { callbackPort: await freePort() } : {}) });
    try {
      const harness = await env.open({ browser: (url) => provider.login(url) });
      const { page } = harness;
      await page.getByRole('button', { name: 'Add server', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Add server' });
      await dialog.getByLabel('Server URL').fill(provider.mcpUrl);
      await dialog.getByLabel('Name (optional)').fill(id);
      await fillAdvanced(dialog, provider.entry);
      await dialog.getByRole('button', { name: 'Add', exact: true }).click();
      await expect.poll(() => page.getByRole('heading', { level: 2, name: id, exact: true }).count(), { timeout: 10_000 }).toBe(1);

      // What main stored is what was entered (and the secret only as "stored").
      const [server] = await harness.runtime.services.servers.list();
      expect(server?.auth.hasClientSecret).toBe(provider.entry.clientSecret !== undefined);
      await expectShown(page, id, provider.entry);

      await signInThroughUi(page);
      await openTab(page, 'Tools');
      await expect.poll(() => page.getByTestId('tool-count').textContent(), { timeout: 15_000 }).toMatch(/^\d+ tools$/);
      await page.getByRole('option', { name: /get_user_profile/ }).click();
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toContain('alice');

      const before = refreshes(provider);
      await new Promise((r) => setTimeout(r, TTL * 1000 + 500));
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await expect.poll(() => refreshes(provider), { timeout: 15_000 }).toBeGreaterThan(before);

      await openTab(page, 'Overview');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect.poll(() => page.getByTestId('notice').textContent(), { timeout: 10_000 }).toContain('Signed out');
      if (provider.entry.clientSecret !== undefined) {
        for (const payload of harness.received) expect(payload.json).not.toContain(provider.entry.clientSecret);
      }
    } finally {
      await provider.close();
    }
  });
});
