import { describe, expect, it } from 'vitest';
import type { KeyportApi } from '../../preload/contract.ts';
import { useWindowTests } from './window-tests.ts';

declare const window: Window & { keyport: KeyportApi };

const env = useWindowTests();

describe('the renderer in Chromium against the real main handlers', () => {
  it('shows the app version and data folder that main reports through app:info', async () => {
    const harness = await env.open();
    const { page } = harness;
    await expect.poll(() => page.getByTestId('app-version').textContent()).toBe('Keyport 0.1.0');
    await expect.poll(() => page.getByText(harness.dataDir).count()).toBe(1);
    expect(harness.received.some((r) => r.channel === 'app:info' && r.json.includes('"ok":true'))).toBe(true);
  });

  it('adding a server by clicking goes through servers:add and the sidebar shows it', async () => {
    const harness = await env.open();
    const { page } = harness;
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByLabel('Server URL').fill('ftp://example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('https://');

    await page.getByLabel('Server URL').fill('http://127.0.0.1:9001/mcp');
    await page.getByLabel('Name (optional)').fill('Local demo');
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    await expect.poll(() => page.getByRole('list', { name: 'Configured servers' }).getByRole('listitem').count()).toBe(1);
    await expect.poll(() => page.getByRole('heading', { name: 'Local demo' }).count()).toBe(1);
    const stored = await harness.runtime.services.servers.list();
    expect(stored.map((s) => [s.name, s.url])).toEqual([['Local demo', 'http://127.0.0.1:9001/mcp']]);
    expect(harness.received.filter((r) => r.channel === 'servers:add')).toHaveLength(1);
  });

  it('loads nothing but its own files', async () => {
    const harness = await env.open();
    await expect.poll(() => harness.page.getByTestId('app-version').count()).toBe(1);
    expect(harness.blockedRequests).toEqual([]);
    const outcome = await harness.page.evaluate(async () => {
      try {
        await fetch('http://127.0.0.1:1/');
        return 'fetched';
      } catch {
        return 'refused';
      }
    });
    expect(outcome).toBe('refused');
  });

  it('a malformed call from the page is answered with a typed error, not a crash', async () => {
    const harness = await env.open();
    const { page } = harness;
    await expect.poll(() => page.getByTestId('app-version').count()).toBe(1);
    const result = await page.evaluate(() => window.keyport.listServers());
    expect(result).toMatchObject({ ok: true });
    const malformed = await page.evaluate(() =>
      (window.keyport.removeServer as unknown as (x: unknown) => Promise<unknown>)({ not: 'a string' }),
    );
    expect(malformed).toMatchObject({ ok: false, error: { code: 'ipc_invalid_arguments' } });
  });
});
