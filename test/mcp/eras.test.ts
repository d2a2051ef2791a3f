/**
 * Protocol eras end to end, through the real engine: a 2026-07-28-only server, a dual-era server and the 2025-11-25
 * SDK 1.x server are each reached with version negotiation `auto`; the verdict is cached per server in the data
 * directory, so a warm start sends no `server/discover` probe; a cached verdict that went stale is repaired by one
 * fresh negotiation, and the cache follows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEraCache, eraCacheFile } from '../../main/config/era-cache.ts';
import type { EraCache } from '../../main/config/era-cache.ts';
import type { ConnectionOptions } from '../../main/mcp/config.ts';
import type { McpConnection } from '../../main/mcp/connection.ts';
import type { ElicitationRequestView, ProgressView } from '../../main/mcp/views.ts';
import { VARIANT_MCP_SERVERS } from '../servers/testbed.ts';
import type { TestBed } from '../servers/testbed.ts';
import type { McpTestServer } from '../servers/mcp-server.ts';
import { runCli } from '../cli/helpers.ts';
import { connectionFor, signIn, startBedWithClient } from './helpers/engine-bed.ts';
import type { SignedIn } from './helpers/engine-bed.ts';

let bed: TestBed;
let modern: McpTestServer;
let dual: McpTestServer;
const dirs: string[] = [];
const open: McpConnection[] = [];

beforeAll(async () => {
  bed = await startBedWithClient({ extraMcpServers: VARIANT_MCP_SERVERS });
  modern = bed.extraMcpServers!.modern!;
  dual = bed.extraMcpServers!.dual!;
});
afterAll(async () => {
  for (const c of open) await c.disconnect().catch(() => undefined);
  await bed?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-eras-'));
  dirs.push(dir);
  return dir;
}

function connect(s: SignedIn, options: ConnectionOptions = {}): McpConnection {
  const c = connectionFor(bed, s, { reconnect: false, ...options });
  open.push(c);
  return c;
}

/** The JSON-RPC methods a server saw, in order. */
function methods(server: McpTestServer): string[] {
  return server.log.flatMap((r) => r.rpcMethods);
}

describe('a 2026-07-28-only server', () => {
  it('is reached on the modern wire: no initialize, tools, a multi-round-trip elicitation, progress, resources, prompts', async () => {
    const signed = await signIn(bed, 'alice', { serverUrl: modern.url });
    const asked: ElicitationRequestView[] = [];
    const conn = connect(signed, {
      onElicitation: async (request) => {
        asked.push(request);
        return { action: 'accept', content: { confirm: true } };
      },
    });
    modern.clearLog();
    const info = await conn.connect();
    expect(info).toMatchObject({ protocolEra: 'modern', protocolVersion: '2026-07-28', transport: 'streamable-http' });
    expect(info.capabilities.tools).toBe(true);
    const tools = await conn.listTools();
    expect(tools.map((t) => t.name)).toContain('confirm_action');
    expect((await conn.callTool('public_info')).content[0]).toMatchObject({ type: 'text' });

    const confirmed = await conn.callTool('confirm_action', { action: 'deploy' });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ message: 'Confirm: deploy', defaults: { confirm: false, reason: 'none given' } });
    const first = confirmed.content[0];
    // The SDK applied the schema's defaults to the fields the user left out, then retried the call with the answer.
    expect(JSON.parse(first?.type === 'text' ? first.text : '{}')).toEqual({ action: 'accept', content: { confirm: true, reason: 'none given' } });

    const seen: ProgressView[] = [];
    await conn.callTool('long_running_task', { steps: 3, delay_ms: 5 }, { onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3]);

    expect(JSON.stringify((await conn.readResource('user://profile')).contents)).toContain('alice');
    const prompt = await conn.getPrompt('draft_note', { topic: 'keys' });
    expect(prompt.messages).toHaveLength(1);

    expect(methods(modern)).not.toContain('initialize');
    expect(modern.log.filter((r) => r.method === 'POST').every((r) => r.protocolVersion === '2026-07-28')).toBe(true);
  });

  it('cancels a running call on the modern wire', async () => {
    const signed = await signIn(bed, 'alice', { serverUrl: modern.url });
    const conn = connect(signed);
    await conn.connect();
    const ac = new AbortController();
    const p = conn.callTool('long_running_task', { steps: 50, delay_ms: 50 }, { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(conn.status().state).toBe('connected');
  });
});

describe('a dual-era server', () => {
  it('negotiates the modern wire', async () => {
    const signed = await signIn(bed, 'alice', { serverUrl: dual.url });
    const conn = connect(signed);
    expect(await conn.connect()).toMatchObject({ protocolEra: 'modern' });
    expect((await conn.callTool('public_info')).content[0]).toMatchObject({ text: expect.stringContaining('(modern era)') });
  });

  it('still speaks 2025-11-25 when told to', async () => {
    const signed = await signIn(bed, 'alice', { serverUrl: dual.url });
    const conn = connect(signed, { versionNegotiation: 'legacy' });
    expect(await conn.connect()).toMatchObject({ protocolEra: 'legacy' });
    expect((await conn.callTool('public_info')).content[0]).toMatchObject({ text: expect.stringContaining('(legacy era)') });
  });
});

describe('the era cache', () => {
  let alice: SignedIn;
  beforeAll(async () => {
    alice = await signIn(bed, 'alice', { serverUrl: modern.url });
  });

  async function session(cache: EraCache, s: SignedIn = alice): Promise<McpConnection> {
    const conn = connect(s, { eraCache: cache });
    await conn.connect();
    await conn.listTools();
    await conn.disconnect();
    return conn;
  }

  it('a warm start to a modern server sends no server/discover probe', async () => {
    const dir = cacheDir();
    modern.clearLog();
    await session(createEraCache(dir));
    expect(methods(modern).filter((m) => m === 'server/discover')).toHaveLength(1);
    expect(JSON.parse(readFileSync(eraCacheFile(dir), 'utf8')).servers[modern.url]).toMatchObject({ era: 'modern' });

    modern.clearLog();
    // A new start: a new cache object over the same folder, a new connection.
    const conn = connect(alice, { eraCache: createEraCache(dir) });
    expect(await conn.connect()).toMatchObject({ protocolEra: 'modern' });
    await conn.listTools();
    // tools/list first: nothing was sent to connect (the notification stream opens once the server has answered).
    expect(methods(modern)[0]).toBe('tools/list');
    expect(methods(modern)).not.toContain('server/discover');
    expect(methods(modern)).not.toContain('initialize');
  });

  it('a warm start to a 2025-11-25 server goes straight to initialize', async () => {
    const dir = cacheDir();
    const bob = await signIn(bed, 'bob');
    bed.mcpServer.clearLog();
    await session(createEraCache(dir), bob);
    expect(methods(bed.mcpServer)[0]).toBe('server/discover');
    bed.mcpServer.clearLog();
    await session(createEraCache(dir), bob);
    expect(methods(bed.mcpServer)[0]).toBe('initialize');
    expect(methods(bed.mcpServer)).not.toContain('server/discover');
  });

  // Regression guard for a verdict cached for a URL whose server changed: a modern verdict replayed to a 2025 server.
  it('a stale modern verdict is renegotiated once, the request still goes through, and the cache is corrected', async () => {
    const dir = cacheDir();
    const cache = createEraCache(dir);
    await session(cache);
    const modernVerdict = await cache.get(modern.url);
    const bob = await signIn(bed, 'bob');
    await cache.put(bed.mcpUrl, modernVerdict);
    bed.mcpServer.clearLog();
    const conn = connect(bob, { eraCache: cache });
    expect(await conn.connect()).toMatchObject({ protocolEra: 'modern' });
    const tools = await conn.listTools();
    expect(tools.map((t) => t.name)).toContain('read_data');
    expect(conn.serverInfo()).toMatchObject({ protocolEra: 'legacy' });
    expect(methods(bed.mcpServer).filter((m) => m === 'server/discover')).toHaveLength(1);
    expect(methods(bed.mcpServer).filter((m) => m === 'initialize')).toHaveLength(1);
    await expect.poll(async () => (await cache.get(bed.mcpUrl))?.era).toBe('legacy');
  });

  it('a stale legacy verdict for a modern-only server is renegotiated once and corrected', async () => {
    const dir = cacheDir();
    const cache = createEraCache(dir);
    await cache.put(modern.url, { era: 'legacy', at: Date.now() });
    modern.clearLog();
    const conn = connect(alice, { eraCache: cache });
    expect(await conn.connect()).toMatchObject({ protocolEra: 'modern' });
    expect(methods(modern).slice(0, 2)).toEqual(['initialize', 'server/discover']);
    await expect.poll(async () => (await cache.get(modern.url))?.era).toBe('modern');
  });

  it('a damaged cache file reads as empty and the connection negotiates', async () => {
    const dir = cacheDir();
    writeFileSync(eraCacheFile(dir), '{ "version": 1, "servers": { nope');
    modern.clearLog();
    const conn = connect(alice, { eraCache: createEraCache(dir) });
    expect(await conn.connect()).toMatchObject({ protocolEra: 'modern' });
    expect(methods(modern)).toEqual(['server/discover']);
    await expect.poll(async () => (await createEraCache(dir).get(modern.url))?.era).toBe('modern');
  });

  it('keyport servers list --json shows the era Keyport last negotiated with each server', async () => {
    const dir = cacheDir();
    expect((await runCli(['--data-dir', dir, 'servers', 'add', modern.url, '--name', 'modern'])).code).toBe(0);
    expect((await runCli(['--data-dir', dir, 'servers', 'add', bed.mcpUrl, '--name', 'classic'])).code).toBe(0);
    const before = JSON.parse((await runCli(['--data-dir', dir, '--json', 'servers', 'list'])).stdout) as { servers: { name: string; protocolEra?: string }[] };
    expect(before.servers.map((x) => x.protocolEra)).toEqual([undefined, undefined]);
    await session(createEraCache(dir));
    const after = JSON.parse((await runCli(['--data-dir', dir, '--json', 'servers', 'list'])).stdout) as { servers: { name: string; protocolEra?: string }[] };
    expect(after.servers).toEqual([expect.objectContaining({ name: 'modern', protocolEra: 'modern' }), expect.not.objectContaining({ protocolEra: expect.anything() })]);
  });
});
