/**
 * The window's half of issue 11 §3: a server whose tool names, titles, descriptions and results carry terminal escape
 * sequences (OSC 52, OSC 8, CSI, C1) and bidi overrides gets them shown as inert text — the exact characters in a
 * text node, no element or attribute made from them, no link, no title change, nothing loaded or opened.
 */
import { describe, expect, it } from 'vitest';
import { hostileTools, seq, startTerminalHostileServers } from '../cli/fixtures/terminal-hostile.ts';
import { addServerThroughDialog, openTab } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests(() => startTerminalHostileServers().then((s) => ({ ...s, url: s.mcpUrl })));

describe('terminal escape sequences in the window', () => {
  it('a tool description with ESC/OSC sequences and bidi controls is shown as inert text', async () => {
    const harness = await env.open();
    const { page } = harness;
    const titleBefore = await page.title();
    await addServerThroughDialog(page, env.server.url, 'Sequences', async (p) => {
      const dialog = p.getByRole('dialog', { name: 'Add server' });
      await dialog.getByText('Advanced: authorization settings').click();
      await dialog.getByRole('radio', { name: /No authorization/ }).check();
    });
    await openTab(page, 'Overview');
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await openTab(page, 'Tools');
    await expect.poll(() => page.getByTestId('tool-count').textContent(), { timeout: 15_000 }).toBe('4 tools');

    // The list rows: the exact characters, as text.
    const rows = await page.locator('.tool-row').evaluateAll((els) => els.map((el) => ({ text: el.textContent, elements: el.querySelectorAll('*').length })));
    const clearRow = rows.find((r) => r.text?.includes('Clears'));
    expect(clearRow?.text).toContain(`Clears${seq.clear} the screen ${seq.bidi}${seq.bell}`);
    expect(rows.some((r) => r.text?.includes(hostileTools.linked))).toBe(true);
    // A name span, a description span and, with a title, the name as code: nothing more.
    expect(rows.every((r) => r.elements <= 3)).toBe(true);

    // The chosen tool's panel: the description is one text node in its own block, so an override ends with it.
    await page.getByRole('option').filter({ hasText: 'Clears' }).click();
    const panel = page.locator('.tool-panel');
    const description = panel.locator('p.server-text');
    await expect.poll(() => description.count(), { timeout: 15_000 }).toBe(1);
    const shape = await description.evaluate((el) => ({
      text: el.textContent,
      children: el.children.length,
      nodes: el.childNodes.length,
      display: getComputedStyle(el).display,
    }));
    expect(shape).toEqual({ text: `Clears${seq.clear} the screen ${seq.bidi}${seq.bell}`, children: 0, nodes: 1, display: 'block' });
    expect(await panel.locator('h3').textContent()).toBe(`Clear ${seq.c1Osc}`);

    // The OSC 8 tool: its name is text, not a link; calling it shows the result as text too.
    await page.getByRole('option').filter({ hasText: 'open' }).click();
    await expect.poll(() => page.locator('.tool-panel h3').textContent(), { timeout: 15_000 }).toBe(hostileTools.linked);
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toContain(`Result ${seq.clear}${seq.clipboard}`);

    // Nothing was made of the sequences: no link, no event-handler or odd attribute, no URL attribute, no title.
    expect(await page.locator('a[href]').count()).toBe(0);
    const injected = await page.evaluate(() =>
      [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes]
          .filter((a) => /^on/i.test(a.name) || !/^[a-z][a-z0-9:-]*$/.test(a.name) || (/^(href|src|srcset|action|formaction)$/.test(a.name) && /evil/.test(a.value)))
          .map((a) => a.name),
      ),
    );
    expect(injected).toEqual([]);
    expect(await page.title()).toBe(titleBefore);
    expect(harness.openedUrls).toEqual([]);
    expect(harness.blockedRequests).toEqual([]);
  });
});
