/**
 * What the connection keeps doing on the 2026-07-28 wire, where there are no sessions and no server→client
 * requests: tool list changes and resource updates arrive on a `subscriptions/listen` stream, an `x-mcp-header`
 * argument travels as an `Mcp-Param-*` header, and `initialize` is never sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from '../../main/mcp/connection.ts';
import type { McpConnection } from '../../main/mcp/connection.ts';
import { collectUpdates, nextEvent } from './helpers/events.ts';
import { startModernHost } from './helpers/modern-host.ts';
import type { ModernHost } from './helpers/modern-host.ts';

let host: ModernHost;
let conn: McpConnection;

beforeAll(async () => {
  host = await startModernHost();
  conn = createConnection({ id: 'modern', transport: 'streamable-http', url: host.url }, { connectTimeoutMs: 5000, reconnect: false });
  await conn.connect();
});
afterAll(async () => {
  await conn?.disconnect();
  await host?.close();
});

describe('the modern wire', () => {
  it('negotiated 2026-07-28 and never sent initialize', async () => {
    expect(conn.serverInfo()).toMatchObject({ protocolEra: 'modern', protocolVersion: '2026-07-28', name: 'keyport-modern-fixture' });
    expect((await conn.callTool('echo', { text: 'hi' })).content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(host.requests.map((r) => r.method)).not.toContain('initialize');
  });

  it('follows tools/list_changed from the listen stream', async () => {
    const before = (await conn.listTools()).length;
    await expect.poll(() => host.requests.some((r) => r.method === 'subscriptions/listen')).toBe(true);
    const changed = nextEvent(conn, 'tools-changed');
    await conn.callTool('add_tool');
    expect((await changed).tools.length).toBe(before + 1);
    expect((await conn.callTool('extra_0')).content).toEqual([{ type: 'text', text: 'extra_0' }]);
  });

  it('delivers resources/updated for a subscribed URI, and stops after unsubscribing', async () => {
    const { uris: updates, stop: off } = collectUpdates(conn);
    try {
      await conn.subscribeResource('fixture://readme');
      await conn.callTool('touch');
      await expect.poll(() => updates).toEqual(['fixture://readme']);
      await conn.unsubscribeResource('fixture://readme');
      await conn.callTool('touch');
      await new Promise((r) => setTimeout(r, 200));
      expect(updates).toEqual(['fixture://readme']);
    } finally {
      off();
    }
  });

  it('mirrors an x-mcp-header argument into its Mcp-Param header', async () => {
    await conn.listTools({ refresh: true });
    expect((await conn.callTool('region', { region: 'eu-west' })).content).toEqual([{ type: 'text', text: 'eu-west' }]);
    expect(host.requests.filter((r) => r.method === 'tools/call').at(-1)?.params).toEqual({ 'mcp-param-region': 'eu-west' });
  });
});
