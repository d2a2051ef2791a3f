/**
 * Step-up in the window: bob signs in with mcp:read only, calls write_data, and the window asks — naming the tool and
 * the scope — before opening the browser; after bob consents, the call is retried and succeeds.
 */
import { describe, expect, it } from 'vitest';
import { startTestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';
import { addServerThroughDialog, openTab, signInThroughUi } from './steps.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests(() => startTestBed());

describe('step-up', () => {
  it('bob → write_data → the prompt names mcp:write → after consent the call succeeds', async () => {
    const harness = await env.open({ browser: (url) => completeLogin(url, { username: 'bob', password: 'secret456' }) });
    const { page } = harness;
    await addServerThroughDialog(page, env.server.mcpUrl, 'Demo', async (p) => {
      const dialog = p.getByRole('dialog', { name: 'Add server' });
      await dialog.getByText('Advanced: authorization settings').click();
      await dialog.getByLabel('Scopes to request (optional; space-separated)').fill('mcp:read');
    });
    await signInThroughUi(page);
    expect(harness.openedUrls).toHaveLength(1);

    await openTab(page, 'Tools');
    await page.getByRole('option', { name: /write_data/ }).click();
    await page.getByRole('textbox', { name: 'key', exact: true }).fill('colour');
    await page.getByRole('textbox', { name: 'value', exact: true }).fill('green');
    await page.getByRole('button', { name: 'Call', exact: true }).click();

    // The prompt says which tool needs which scope, and nothing opened before the user agreed.
    const prompt = page.getByRole('dialog', { name: 'More access needed' });
    await expect.poll(() => prompt.getByTestId('step-up-reason').textContent(), { timeout: 15_000 }).toMatch(/write_data needs mcp:write/);
    // The difference (issue 14): what the sign-in holds, and what the tool asks for in addition.
    expect(await prompt.getByTestId('step-up-difference').textContent()).toMatch(/^You holdmcp:readwrite_data asks for\+ mcp:write$/);
    expect(harness.openedUrls).toHaveLength(1);
    expect(env.server.mcpServer.count({ rpcMethod: 'tools/call', toolName: 'write_data', status: 403 })).toBeGreaterThanOrEqual(1);

    // In the browser, bob ticks the extra scope the consent page offers and allows.
    harness.setBrowser((url) => completeLogin(url, { username: 'bob', password: 'secret456' }, { approveScopes: 'all' }));
    await prompt.getByRole('button', { name: 'Continue in browser' }).click();
    await expect.poll(() => page.getByTestId('tool-result').textContent(), { timeout: 20_000 }).toContain('stored colour');
    expect(harness.openedUrls).toHaveLength(2);
    expect(await prompt.count()).toBe(0);
    expect(env.server.mcpServer.count({ rpcMethod: 'tools/call', toolName: 'write_data', status: 200 })).toBe(1);
    expect(harness.browserErrors).toEqual([]);
  });
});
