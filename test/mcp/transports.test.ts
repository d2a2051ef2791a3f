/**
 * Transport selection: Streamable HTTP, the spec's fallback to legacy HTTP+SSE when the first POST gets a 4xx,
 * an explicitly configured SSE server, and stdio servers (listed, called, stderr surfaced, env passed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createConnection } from '../../main/mcp/connection.ts';
import type { ConnectionEvent } from '../../main/mcp/connection.ts';
import { startHttpHost } from './helpers/http-host.ts';
import type { HttpHost } from './helpers/http-host.ts';
import { codeOf } from './helpers/rejections.ts';

const stdioServer = fileURLToPath(new URL('../fixtures/mcp/stdio-server.ts', import.meta.url));

describe('HTTP transports', () => {
  let sseOnly: HttpHost;
  beforeAll(async () => {
    sseOnly = await startHttpHost({ mode: 'sse-only' });
  });
  afterAll(async () => {
    await sseOnly.close();
  });

  it('falls back to HTTP+SSE when the first POST is answered 405', async () => {
    // A legacy server: POST to its SSE endpoint is not allowed, GET opens the event stream.
    const conn = createConnection({ id: 'legacy', transport: 'streamable-http', url: sseOnly.sseUrl }, { connectTimeoutMs: 5000 });
    try {
      const info = await conn.connect();
      expect(info.transport).toBe('sse');
      expect((await conn.listTools()).length).toBeGreaterThan(3);
      expect((await conn.callTool('echo', { text: 'over sse' })).content).toEqual([{ type: 'text', text: 'over sse' }]);
    } finally {
      await conn.disconnect();
    }
  });

  it('uses SSE directly when configured so', async () => {
    const conn = createConnection({ id: 'legacy2', transport: 'sse', url: sseOnly.sseUrl }, { connectTimeoutMs: 5000 });
    try {
      expect((await conn.connect()).transport).toBe('sse');
      expect((await conn.callTool('add', { a: 1, b: 1 })).structuredContent).toEqual({ sum: 2 });
      expect((await conn.readResource('fixture://readme')).contents).toHaveLength(1);
    } finally {
      await conn.disconnect();
    }
  });

  it('disconnect ends the Streamable HTTP session at the server (DELETE)', async () => {
    const host = await startHttpHost();
    const conn = createConnection({ id: 'bye', transport: 'streamable-http', url: host.url }, { connectTimeoutMs: 5000 });
    try {
      await conn.connect();
      expect(host.sessionCount()).toBe(1);
      await conn.disconnect();
      expect(host.stats.deletes).toBe(1);
      await expect.poll(() => host.sessionCount()).toBe(0);
    } finally {
      await host.close();
    }
  });

  it('does not fall back on 401 (that is a sign-in, not an old server)', async () => {
    const guarded = await startHttpHost({ tokens: { good: ['read'] } });
    const conn = createConnection({ id: 'guarded', transport: 'streamable-http', url: guarded.url }, { connectTimeoutMs: 5000 });
    try {
      expect(await codeOf(conn.connect())).toBe('needs_sign_in');
      expect(conn.status()).toMatchObject({ state: 'needs-sign-in' });
      // One POST (the era probe), refused: no retry over legacy HTTP+SSE.
      expect(guarded.stats.requests).toBe(1);
    } finally {
      await conn.disconnect();
      await guarded.close();
    }
  });
});

describe('stdio', () => {
  it('lists and calls tools of a stdio server, passing env and surfacing stderr', async () => {
    const events: ConnectionEvent[] = [];
    const conn = createConnection(
      { id: 'stdio', transport: 'stdio', command: process.execPath, args: [stdioServer], env: { FIXTURE_GREETING: 'hello-from-env' } },
      { connectTimeoutMs: 10_000 },
    );
    conn.subscribe((e) => events.push(e));
    try {
      const info = await conn.connect();
      expect(info).toMatchObject({ transport: 'stdio', name: 'keyport-fixture' });
      const tools = await conn.listTools();
      expect(tools.map((t) => t.name)).toContain('echo');
      expect((await conn.callTool('echo', { text: 'via stdio' })).content).toEqual([{ type: 'text', text: 'via stdio' }]);
      expect((await conn.callTool('all_content')).content).toHaveLength(6);
      await expect
        .poll(() => events.some((e) => e.type === 'log' && e.message.source === 'stderr' && String(e.message.data).includes('hello-from-env')), { timeout: 3000 })
        .toBe(true);
    } finally {
      await conn.disconnect();
    }
    expect(conn.status()).toEqual({ state: 'disconnected' });
  });

  it('reports a command that does not exist as invalid_config', async () => {
    const conn = createConnection({ id: 'nope', transport: 'stdio', command: '/nonexistent/keyport-mcp-server' }, { connectTimeoutMs: 3000 });
    expect(await codeOf(conn.connect())).toBe('invalid_config');
    expect(conn.status()).toMatchObject({ state: 'error', error: { code: 'invalid_config' } });
    await conn.disconnect();
  });

  it('reports a process that prints garbage as protocol_error', async () => {
    const conn = createConnection({ id: 'garbage', transport: 'stdio', command: process.execPath, args: [stdioServer, '--garbage'] }, { connectTimeoutMs: 10_000, reconnect: false });
    expect(await codeOf(conn.connect())).toBe('protocol_error');
    await conn.disconnect();
  });

  it('reports a process that exits at once as server_unreachable', async () => {
    const conn = createConnection({ id: 'exits', transport: 'stdio', command: process.execPath, args: [stdioServer, '--exit'] }, { connectTimeoutMs: 5000, reconnect: false });
    expect(await codeOf(conn.connect())).toBe('server_unreachable');
    await conn.disconnect();
  });

  it('restarts a stdio server that died', async () => {
    const conn = createConnection(
      { id: 'respawn', transport: 'stdio', command: process.execPath, args: [stdioServer] },
      { connectTimeoutMs: 10_000, reconnect: { initialDelayMs: 50, maxDelayMs: 200, factor: 2, maxAttempts: 20 } },
    );
    try {
      await conn.connect();
      const first = await conn.callTool('whoami');
      const pid = Number((first.content[0]?.type === 'text' ? first.content[0].text : '').replace('pid-', ''));
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      await expect.poll(() => conn.status().state, { timeout: 10_000 }).not.toBe('connected');
      await expect.poll(() => conn.status().state, { timeout: 10_000 }).toBe('connected');
      const second = await conn.callTool('whoami');
      expect(second.content[0]).not.toEqual(first.content[0]);
    } finally {
      await conn.disconnect();
    }
  });
});
