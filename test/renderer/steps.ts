/** Steps the renderer tests share: what a user does in the window, written once. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Harness } from './harness.ts';

/** Opens the add dialog, fills URL and name, adds, and waits for the server to be selected. */
export async function addServerThroughDialog(page: Page, url: string, name: string, advanced?: (page: Page) => Promise<void>): Promise<void> {
  await page.getByRole('button', { name: 'Add server', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add server' });
  await dialog.getByLabel('Server URL').fill(url);
  await dialog.getByLabel('Name (optional)').fill(name);
  if (advanced) await advanced(page);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { level: 2, name, exact: true }).count()).toBe(1);
}

/** Presses Sign in on the Overview tab and waits for the success banner. */
export async function signInThroughUi(page: Page, timeout = 20_000): Promise<void> {
  await openTab(page, 'Overview');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect.poll(() => page.getByRole('status', { name: 'Sign-in' }).textContent(), { timeout }).toContain('Signed in');
}

/** Selects a tab of the server view. */
export async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await expect.poll(() => page.getByRole('tab', { name, exact: true }).getAttribute('aria-selected')).toBe('true');
}

/** The raw token values main holds right now for every signed-in server (read from the keychain, test side). */
export async function liveTokenValues(harness: Harness): Promise<readonly string[]> {
  const values: string[] = [];
  const servers = await harness.runtime.services.servers.list();
  for (const server of servers) {
    const view = await harness.runtime.services.auth.tokens(server.id).catch(() => null);
    if (!view) continue;
    const record = await harness.runtime.context.core
      .secrets()
      .credentials.getTokenSet({ issuer: view.issuer, resource: view.resource, account: 'default' });
    for (const v of [record?.accessToken, record?.refreshToken, record?.idToken]) if (v) values.push(v);
  }
  return values;
}
