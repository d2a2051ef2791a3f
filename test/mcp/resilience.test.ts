/**
 * Failure handling: a server restarted mid-session, a server that goes away and comes back, a server that is
 * down, a URL that is not an MCP server, servers that send garbage or hang. Each ends in a typed error and a
 * status the UI can show, within a bounded time, never a crash or a hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from '../../main/mcp/connection.ts';
import type { McpConnection } from '../../main/mcp/connection.ts';
import type { ServerStatus } from '../../preload/contract.ts';
import { startHttpHost } from './helpers/http-host.ts';
import { freePort, startHostileServer } from './helpers/hostile.ts';
import type { HostileKind } from './helpers/hostile.ts';
import { errorOf } from './helpers/rejections.ts';

const fastReconnect = { initialDelayMs: 50, maxDelayMs: 300, factor: 2, maxAttempts: Infinity };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function track(conn: McpConnection): ServerStatus[] {
  const statuses: ServerStatus[] = [];
  conn.subscribe((e) => {
    if (e.type === 'status') statuses.push(e.status);
  });
  cleanups.push(() => conn.disconnect());
  return statuses;
}

function text(r: { content: readonly { type: string; text?: string }[] }): string | undefined {
  const first = r.content[0];
  return first?.type === 'text' ? first.text : undefined;
}

describe('server restart', () => {
  it('a call after the server restarted goes through on a new session', async () => {
    const host = await startHttpHost();
    cleanups.push(() => host.close());
    const conn = createConnection({ id: 'r', transport: 'streamable-http', url: host.url }, { connectTimeoutMs: 5000, reconnect: false });
    track(conn);
    await conn.connect();
    expect(text(await conn.callTool('whoami'))).toBe('instance-1');
    await host.restart();
    await new Promise((r) => setTimeout(r, 50));
    // The old session id is unknown to the new process (404): the request provably did not run, so the
    // connection re-initializes and resends it, even with background reconnection switched off.
    expect(text(await conn.callTool('whoami'))).toBe('instance-2');
    expect(host.stats.methods.initialize).toBe(2);
    expect(conn.status().state).toBe('connected');
  });

  it('a legacy SSE connection re-initializes after the server restarted', async () => {
    const host = await startHttpHost({ mode: 'sse-only' });
    cleanups.push(() => host.close());
    const conn = createConnection({ id: 'sse', transport: 'sse', url: host.sseUrl }, { connectTimeoutMs: 5000, reconnect: fastReconnect });
    track(conn);
    await conn.connect();
    expect(text(await conn.callTool('whoami'))).toBe('instance-1');
    await host.restart(100);
    await expect.poll(() => host.stats.methods.initialize ?? 0, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
    expect(text(await conn.callTool('whoami'))).toBe('instance-2');
  });

  it('an idle connection notices the restart and reconnects by itself', async () => {
    const host = await startHttpHost();
    cleanups.push(() => host.close());
    const conn = createConnection({ id: 'r', transport: 'streamable-http', url: host.url }, { connectTimeoutMs: 5000, reconnect: fastReconnect });
    const statuses = track(conn);
    await conn.connect();
    await conn.listTools();
    await host.restart(300);
    await expect.poll(() => host.stats.methods.initialize ?? 0, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
    expect(statuses.map((s) => s.state)).toContain('connecting');
    expect(text(await conn.callTool('whoami'))).toBe('instance-2');
  });

  it('a server that stays down shows server_unreachable, and recovers when it is back', async () => {
    const host = await startHttpHost();
    cleanups.push(() => host.close());
    const conn = createConnection({ id: 'r', transport: 'streamable-http', url: host.url }, { connectTimeoutMs: 2000, reconnect: fastReconnect });
    track(conn);
    await conn.connect();
    await host.stop();
    const err = await errorOf(conn.callTool('echo', { text: 'x' }));
    expect(['server_unreachable', 'not_connected']).toContain(err.code);
    await expect.poll(() => conn.status(), { timeout: 5000 }).toMatchObject({ state: 'error', error: { code: 'server_unreachable' } });
    await host.start();
    await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
    expect(text(await conn.callTool('echo', { text: 'back' }))).toBe('back');
  });
});

describe('health check', () => {
  it('an idle connection without a server stream notices a dead server by pinging, and comes back', async () => {
    const host = await startHttpHost({ getStream: false });
    cleanups.push(() => host.close());
    const conn = createConnection(
      { id: 'h', transport: 'streamable-http', url: host.url },
      { connectTimeoutMs: 2000, healthCheckMs: 100, reconnect: fastReconnect },
    );
    track(conn);
    await conn.connect();
    // idle: the health check pings (there is no GET stream to notice anything with)
    await expect.poll(() => host.stats.methods.ping ?? 0, { timeout: 3000 }).toBeGreaterThan(0);
    await host.stop();
    await expect.poll(() => conn.status(), { timeout: 5000 }).toMatchObject({ state: 'error', error: { code: 'server_unreachable' } });
    await host.start();
    await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
  });
});

describe('a call cut mid-flight', () => {
  it('is not resent (it may have run) but reported, and the connection recovers', async () => {
    const host = await startHttpHost();
    cleanups.push(() => host.close());
    const conn = createConnection({ id: 'r', transport: 'streamable-http', url: host.url }, { connectTimeoutMs: 5000, reconnect: fastReconnect });
    track(conn);
    await conn.connect();
    await conn.listTools();
    const call = conn.callTool('slow', { steps: 20, delayMs: 50 });
    await new Promise((r) => setTimeout(r, 120));
    await host.restart();
    const err = await errorOf(call);
    expect(err.code).toBe('server_unreachable');
    expect(err.message).toMatch(/may or may not have run/);
    await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
    expect(text(await conn.callTool('whoami'))).toBe('instance-2');
  });
});

describe('unusable servers', () => {
  it('a server that is down → server_unreachable, quickly', async () => {
    const port = await freePort();
    const conn = createConnection({ id: 'down', transport: 'streamable-http', url: `http://127.0.0.1:${port}/mcp` }, { connectTimeoutMs: 2000, reconnect: false });
    track(conn);
    const started = Date.now();
    const err = await errorOf(conn.connect());
    expect(err.code).toBe('server_unreachable');
    expect(err.message).toMatch(/127\.0\.0\.1/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(conn.status()).toMatchObject({ state: 'error', error: { code: 'server_unreachable' } });
  });

  it('a down server keeps being retried in the background and connects when it comes up', async () => {
    const port = await freePort();
    const conn = createConnection({ id: 'later', transport: 'streamable-http', url: `http://127.0.0.1:${port}/mcp` }, { connectTimeoutMs: 2000, reconnect: fastReconnect });
    track(conn);
    expect((await errorOf(conn.connect())).code).toBe('server_unreachable');
    const host = await startHttpHost({ port });
    cleanups.push(() => host.close());
    await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
  });

  it('an invalid URL → invalid_config', async () => {
    const conn = createConnection({ id: 'bad', transport: 'streamable-http', url: 'ftp://example.invalid/mcp' }, { reconnect: false });
    track(conn);
    expect((await errorOf(conn.connect())).code).toBe('invalid_config');
  });

  it('calling before connecting → not_connected', async () => {
    const conn = createConnection({ id: 'idle', transport: 'streamable-http', url: 'http://127.0.0.1:1/mcp' });
    expect((await errorOf(conn.listTools())).code).toBe('not_connected');
  });

  const cases: [HostileKind, string][] = [
    ['html', 'not_mcp_server'],
    ['not-found', 'not_mcp_server'],
    ['bad-json', 'protocol_error'],
    ['not-jsonrpc', 'protocol_error'],
    ['wrong-version', 'protocol_error'],
    ['hang', 'timeout'],
    ['cut', 'server_unreachable'],
    // 405 to the POST, then an event stream that never names an endpoint: not an MCP server at all.
    ['sse-garbage', 'not_mcp_server'],
  ];
  for (const [kind, code] of cases) {
    it(`a "${kind}" server → ${code} and an error status, within the connect timeout`, async () => {
      const server = await startHostileServer(kind);
      cleanups.push(() => server.close());
      const conn = createConnection({ id: kind, transport: 'streamable-http', url: server.url }, { connectTimeoutMs: 800, reconnect: false });
      track(conn);
      const started = Date.now();
      const err = await errorOf(conn.connect());
      expect(err.code).toBe(code);
      expect(err.message.length).toBeGreaterThan(10);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(conn.status()).toMatchObject({ state: 'error', error: { code } });
      // the message never echoes what the server sent
      expect(err.message).not.toMatch(/Welcome|oops|hello|nonsense/);
    });
  }
});
