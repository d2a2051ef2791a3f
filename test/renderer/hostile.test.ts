/**
 * A hostile server cannot run code in the window or make it load anything: its name, instructions, tool names,
 * descriptions, schema labels, results, errors, resources and prompts carry `<script>`, `<img onerror>`, SVG and
 * `javascript:` payloads that would set `window.__pwned`; the window shows them as text, refuses the SVG "image" and
 * the `javascript:`/`data:` links, and the page makes no request outside its own files.
 */
import { describe, expect, it } from 'vitest';
import { hostile, hostileToolNames, startHostileServer } from './fixtures/hostile-server.ts';
import { addServerThroughDialog, openTab } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

declare const window: Window & { __pwned?: unknown; __violations?: string[] };

const env = useWindowTests(() => startHostileServer());

describe('a hostile server', () => {
  it('renders every server-provided string as text: nothing executes, nothing loads', async () => {
    const harness = await env.open();
    const { page } = harness;
    await page.evaluate(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations?.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const pwned = () => page.evaluate(() => window.__pwned);

    await addServerThroughDialog(page, env.server.url, `Evil ${hostile.img}`, async (p) => {
      const dialog = p.getByRole('dialog', { name: 'Add server' });
      await dialog.getByText('Advanced: authorization settings').click();
      await dialog.getByRole('radio', { name: /No authorization/ }).check();
    });
    await openTab(page, 'Overview');
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await expect.poll(() => page.getByTestId('server-info-name').textContent(), { timeout: 15_000 }).toContain(hostile.img);
    expect(await page.getByText(`Instructions ${hostile.script}`, { exact: false }).count()).toBeGreaterThan(0);

    // Tools: names, titles, descriptions and schema labels are text; results and errors too.
    await openTab(page, 'Tools');
    await expect.poll(() => page.getByTestId('tool-count').textContent(), { timeout: 15_000 }).toBe('4 tools');
    await page.getByRole('option', { name: /Echo/ }).click();
    expect(await page.getByRole('textbox', { name: `Text ${hostile.img}` }).inputValue()).toBe(hostile.script);
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 15_000 }).toContain(`You said: ${hostile.script}`);

    await page.getByRole('option', { name: new RegExp(`^${hostileToolNames.error.slice(0, 5)}`) }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('tool-error').textContent(), { timeout: 15_000 }).toContain(hostile.img);

    await page.getByRole('option', { name: /throws/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByTestId('call-failed').count(), { timeout: 15_000 }).toBe(1);

    await page.getByRole('option', { name: /links/ }).click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    const result = page.getByTestId('tool-result');
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain(hostile.link);
    // The javascript: and data: links are shown, not clickable; the SVG "image" and the text/html "audio" are refused.
    expect(await result.getByRole('button', { name: /Link/ }).count()).toBe(0);
    expect(await result.getByRole('button', { name: 'data link' }).count()).toBe(0);
    await result.getByText(`Link ${hostile.img}`).click();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('audio').count()).toBe(0);
    // A web link is handed to main, which opens it in the system browser (after its own scheme check).
    await result.getByRole('button', { name: 'Docs' }).click();
    await expect.poll(() => harness.openedUrls).toEqual(['https://docs.example.com/evil?%3Cscript%3E']);
    // A non-web link can only be read as an MCP resource from the server, never handed to a browser.
    await result.getByRole('button', { name: `Read resource ${hostile.link}` }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Resource contents' }).textContent(), { timeout: 15_000 }).toContain(hostile.link);
    expect(await page.getByRole('tab', { name: 'Resources' }).getAttribute('aria-selected')).toBe('true');

    // Resources, templates and prompts.
    await openTab(page, 'Resources');
    await page.getByRole('button', { name: `Resource ${hostile.img}` }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Resource contents' }).textContent(), { timeout: 15_000 }).toContain(hostile.script);
    await openTab(page, 'Prompts');
    await page.getByRole('textbox', { name: /topic/ }).fill('x');
    await page.getByRole('button', { name: 'Get prompt' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Prompt messages' }).textContent(), { timeout: 15_000 }).toContain(hostile.svg);
    await openTab(page, 'Log');

    // Nothing executed, nothing was injected as markup, nothing loaded, nothing opened.
    await page.waitForTimeout(300);
    expect(await pwned()).toBeUndefined();
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('svg, iframe, object, embed, a[href]').count()).toBe(0);
    expect(harness.blockedRequests).toEqual([]);
    expect(harness.openedUrls).toEqual(['https://docs.example.com/evil?%3Cscript%3E']);
    expect(await page.evaluate(() => window.__violations)).toEqual([]);
  });
});
