/**
 * Issue 11 §4: what an MCP server sends is bounded. Before, a 50 MB tool list or an endless SSE event took the CLI from
 * ~130 MB to 400–570 MB, and JSON nested 100,000 levels deep ended in "Maximum call stack size exceeded". Each test
 * is named after one of those, runs a hand-written hostile server on 127.0.0.1, and checks the typed error and that
 * memory stayed bounded.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from '../../main/mcp/index.ts';
import type { McpConnection } from '../../main/mcp/index.ts';

type Hostile = 'huge-tool-list' | 'endless-sse-event' | 'deep-json-result' | 'deep-json-sse';

const DEPTH = 100_000;

/** A legacy-wire (2025-11-25) MCP server whose `tools/list` or `tools/call` answer is hostile. */
async function startHostileMcp(kind: Hostile): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const reply = (res: ServerResponse, id: unknown, result: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }));
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(body) as { id?: unknown; method: string };
      if (msg.id === undefined) return void res.writeHead(202).end();
      switch (msg.method) {
        case 'server/discover':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } }));
        case 'initialize':
          return reply(res, msg.id, { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1' } });
        case 'ping':
          return reply(res, msg.id, {});
        case 'tools/list':
          if (kind === 'huge-tool-list') {
            // 50 MB of tools, streamed without a content-length.
            res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
            res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"tools":[`);
            const tool = JSON.stringify({ name: 'x', description: 'd'.repeat(1000), inputSchema: { type: 'object' } });
            let sent = 0;
            const more = (): void => {
              while (sent < 50_000) {
                sent++;
                if (!res.write(`${sent > 1 ? ',' : ''}${tool}`)) return void res.once('drain', more);
              }
              res.end(']}}');
            };
            return more();
          }
          if (kind === 'endless-sse-event') {
            res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
            res.write(`event: message\ndata: {"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"tools":[{"name":"`);
            const chunk = 'a'.repeat(64 * 1024);
            const more = (): void => {
              while (!res.destroyed) if (!res.write(chunk)) return void res.once('drain', more);
            };
            res.on('error', () => undefined);
            return more();
          }
          return reply(res, msg.id, { tools: [{ name: 'deep', inputSchema: { type: 'object' } }] });
        case 'tools/call': {
          const deep = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
          const payload = `{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"content":[],"structuredContent":{"v":${deep}}}}`;
          if (kind === 'deep-json-sse') return void res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' }).end(`event: message\ndata: ${payload}\n\n`);
          return void res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(payload);
        }
        default:
          return reply(res, msg.id, {});
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connectTo(kind: Hostile): Promise<McpConnection> {
  const server = await startHostileMcp(kind);
  cleanups.push(server.close);
  const connection = createConnection({ id: kind, transport: 'streamable-http', url: server.url }, { reconnect: false, healthCheckMs: 0, requestTimeoutMs: 20_000 });
  cleanups.push(() => connection.disconnect());
  await connection.connect();
  return connection;
}

function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

describe('bounded MCP messages', () => {
  it('a 50 MB tool list is refused at the message limit, naming the server and the limit', async () => {
    const connection = await connectTo('huge-tool-list');
    const before = rssMb();
    const failure = (await connection.listTools().catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('message_too_large');
    expect(failure.message).toMatch(/127\.0\.0\.1:\d+ sent a message larger than Keyport accepts \(8 MB\)/);
    expect(rssMb() - before).toBeLessThan(100);
  });

  it('an endless SSE event is cut at the message limit instead of growing memory', async () => {
    const connection = await connectTo('endless-sse-event');
    const before = rssMb();
    const failure = (await connection.listTools().catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('message_too_large');
    expect(rssMb() - before).toBeLessThan(100);
  });

  it('JSON nested 100,000 levels deep is refused before any walk ("Maximum call stack size exceeded" before)', async () => {
    const connection = await connectTo('deep-json-result');
    const failure = (await connection.callTool('deep', {}).catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('message_too_large');
    expect(failure.message).toMatch(/nested deeper than 100 levels/);
    expect(failure.message).not.toMatch(/call stack/);
  });

  it('the same inside an SSE event', async () => {
    const connection = await connectTo('deep-json-sse');
    const failure = (await connection.callTool('deep', {}).catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('message_too_large');
  });
});

describe('bounded stdio results', () => {
  it('deep JSON from a stdio server is refused too', async () => {
    const script = fileURLToPath(new URL('../fixtures/mcp/deep-stdio-server.ts', import.meta.url));
    const connection = createConnection({ id: 'deep-stdio', transport: 'stdio', command: process.execPath, args: [script] }, { reconnect: false, healthCheckMs: 0 });
    cleanups.push(() => connection.disconnect());
    await connection.connect();
    const failure = (await connection.callTool('deep', {}).catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('message_too_large');
  });
});
