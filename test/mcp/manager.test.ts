/**
 * The connection manager: connections by server id, one tagged event stream, connect/disconnect/remove.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createConnectionManager } from '../../main/mcp/manager.ts';
import type { ManagerEvent } from '../../main/mcp/manager.ts';
import { McpConnectionError } from '../../main/mcp/errors.ts';
import { startHttpHost } from './helpers/http-host.ts';
import type { HttpHost } from './helpers/http-host.ts';

const stdioServer = fileURLToPath(new URL('../fixtures/mcp/stdio-server.ts', import.meta.url));
let host: HttpHost;

beforeAll(async () => {
  host = await startHttpHost();
});
afterAll(async () => {
  await host.close();
});

describe('createConnectionManager', () => {
  it('holds HTTP and stdio connections by id and tags their events', async () => {
    const events: ManagerEvent[] = [];
    const manager = createConnectionManager({
      servers: [
        { id: 'http', transport: 'streamable-http', url: host.url },
        { id: 'local', transport: 'stdio', command: process.execPath, args: [stdioServer] },
      ],
      connectTimeoutMs: 10_000,
    });
    manager.subscribe((e) => events.push(e));
    try {
      expect(manager.ids()).toEqual(['http', 'local']);
      expect(manager.statuses()).toEqual({ http: { state: 'disconnected' }, local: { state: 'disconnected' } });
      await Promise.all([manager.connect('http'), manager.connect('local')]);
      expect(manager.status('http').state).toBe('connected');
      expect(manager.status('local').state).toBe('connected');
      expect((await manager.require('local').callTool('echo', { text: 'hi' })).content).toEqual([{ type: 'text', text: 'hi' }]);
      expect(events.filter((e) => e.type === 'status' && e.status.state === 'connected').map((e) => e.serverId).sort()).toEqual(['http', 'local']);
      await manager.disconnect('http');
      expect(manager.status('http')).toEqual({ state: 'disconnected' });
      expect(await manager.remove('local')).toBe(true);
      expect(await manager.remove('local')).toBe(false);
      expect(manager.ids()).toEqual(['http']);
      expect(() => manager.require('local')).toThrow(McpConnectionError);
    } finally {
      await manager.closeAll();
    }
  });

  it('replacing a server disconnects the old connection', async () => {
    const manager = createConnectionManager({ connectTimeoutMs: 5000 });
    try {
      const first = manager.add({ id: 'a', transport: 'streamable-http', url: host.url });
      await first.connect();
      const second = manager.add({ id: 'a', transport: 'sse', url: host.sseUrl });
      await expect.poll(() => first.status().state).toBe('disconnected');
      expect((await second.connect()).transport).toBe('sse');
      expect(manager.get('a')).toBe(second);
    } finally {
      await manager.closeAll();
    }
  });
});
