/**
 * Hosts the fixture MCP server over HTTP on 127.0.0.1: Streamable HTTP at /mcp (stateful sessions, optional event
 * store for `Last-Event-ID` resumption), legacy HTTP+SSE at /sse + /messages, and an optional static-token guard
 * that answers 401/403 with RFC 6750 challenges. `restart()` drops every session and comes back on the same port,
 * as a real server restart would.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { createFixtureServer } from './fixture-server.ts';
import type { FixtureState } from './fixture-server.ts';

/** How the fixture host behaves. */
export interface HttpHostOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Which transports answer: both (default), Streamable HTTP only, or legacy SSE only (POST /mcp → 405). */
  readonly mode?: 'both' | 'streamable' | 'sse-only';
  /** Valid bearer tokens and their scopes; absent, no auth is required. */
  readonly tokens?: Readonly<Record<string, readonly string[]>>;
  /** Scope each tool needs (checked on tools/call when `tokens` is set). */
  readonly toolScopes?: Readonly<Record<string, string>>;
  /** Keep SSE events for `Last-Event-ID` resumption. */
  readonly eventStore?: boolean;
  /** Offer the standalone GET SSE stream (default true); false answers GET /mcp with 405, as many servers do. */
  readonly getStream?: boolean;
}

/** A running fixture host. */
export interface HttpHost {
  readonly port: number;
  /** Streamable HTTP endpoint (…/mcp). */
  readonly url: string;
  /** Legacy SSE endpoint (…/sse). */
  readonly sseUrl: string;
  readonly state: FixtureState;
  /** Requests seen (all paths), for benchmarks and tests. */
  readonly stats: { requests: number; unauthorized: number; forbidden: number; lastEventIds: string[]; methods: Record<string, number>; deletes: number };
  readonly close: () => Promise<void>;
  /** Stops (dropping all sessions and sockets), then starts again on the same port. */
  readonly restart: (downMs?: number) => Promise<void>;
  /** Stops without restarting (the port is left free). */
  readonly stop: () => Promise<void>;
  /** Open Streamable HTTP sessions. */
  readonly sessionCount: () => number;
  /** Starts again after `stop()`. */
  readonly start: () => Promise<void>;
}

/** The whole request body as text (fixture servers only: no size bound). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function jsonError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** Starts the fixture host. */
export async function startHttpHost(options: HttpHostOptions = {}): Promise<HttpHost> {
  const mode = options.mode ?? 'both';
  const state: FixtureState = { cancelled: 0, extraTools: 0 };
  const stats = { requests: 0, unauthorized: 0, forbidden: 0, lastEventIds: [] as string[], methods: {} as Record<string, number>, deletes: 0 };
  let instance = 0;
  let port = options.port ?? 0;
  let http: HttpServer | undefined;
  let streamable = new Map<string, StreamableHTTPServerTransport>();
  let legacy = new Map<string, SSEServerTransport>();

  function checkAuth(req: IncomingMessage, res: ServerResponse, body: unknown): boolean {
    const tokens = options.tokens;
    if (tokens === undefined) return true;
    const meta = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const scopes = token !== undefined ? tokens[token] : undefined;
    if (scopes === undefined) {
      stats.unauthorized += 1;
      res.writeHead(401, { 'www-authenticate': `Bearer error="invalid_token", resource_metadata="${meta}", scope="read"` }).end();
      return false;
    }
    const call = body as { method?: unknown; params?: { name?: unknown } } | undefined;
    if (call?.method === 'tools/call' && typeof call.params?.name === 'string') {
      const needed = options.toolScopes?.[call.params.name];
      if (needed !== undefined && !scopes.includes(needed)) {
        stats.forbidden += 1;
        res.writeHead(403, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${[...scopes, needed].join(' ')}", resource_metadata="${meta}"` }).end();
        return false;
      }
    }
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests += 1;
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const lastEventId = req.headers['last-event-id'];
    if (typeof lastEventId === 'string') stats.lastEventIds.push(lastEventId);
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req);
      try {
        body = JSON.parse(raw);
      } catch {
        jsonError(res, 400, -32700, 'Parse error');
        return;
      }
      const method = (body as { method?: unknown } | null)?.method;
      if (typeof method === 'string') stats.methods[method] = (stats.methods[method] ?? 0) + 1;
    }
    if (!checkAuth(req, res, body)) return;

    if (path === '/mcp') {
      if (req.method === 'DELETE') stats.deletes += 1;
      if (mode === 'sse-only') {
        res.writeHead(405, { allow: 'GET' }).end();
        return;
      }
      if (req.method === 'GET' && options.getStream === false) {
        res.writeHead(405, { allow: 'POST, DELETE' }).end();
        return;
      }
      const sid = req.headers['mcp-session-id'];
      if (typeof sid === 'string') {
        const t = streamable.get(sid);
        if (t === undefined) {
          jsonError(res, 404, -32001, 'Session not found');
          return;
        }
        await t.handleRequest(req, res, body);
        return;
      }
      if (req.method === 'POST' && isInitializeRequest(body)) {
        const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          ...(options.eventStore === true ? { eventStore: new InMemoryEventStore() } : {}),
          onsessioninitialized: (id) => {
            streamable.set(id, transport);
          },
        });
        transport.onclose = () => {
          if (transport.sessionId !== undefined) streamable.delete(transport.sessionId);
        };
        const server = createFixtureServer(state, { instance: `instance-${instance}` });
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
        return;
      }
      jsonError(res, 400, -32000, 'Bad Request: no valid session ID');
      return;
    }

    if (path === '/sse' && mode !== 'streamable') {
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
        return;
      }
      const transport = new SSEServerTransport('/messages', res);
      legacy.set(transport.sessionId, transport);
      transport.onclose = () => legacy.delete(transport.sessionId);
      const server = createFixtureServer(state, { instance: `instance-${instance}` });
      await server.connect(transport);
      return;
    }
    if (path === '/messages' && mode !== 'streamable' && req.method === 'POST') {
      const sid = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('sessionId') ?? '';
      const t = legacy.get(sid);
      if (t === undefined) {
        res.writeHead(404).end('unknown session');
        return;
      }
      await t.handlePostMessage(req, res, body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not found</body></html>');
  }

  async function start(): Promise<void> {
    instance += 1;
    streamable = new Map();
    legacy = new Map();
    const server = createServer((req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    http = server;
  }

  async function stop(): Promise<void> {
    const server = http;
    http = undefined;
    if (server === undefined) return;
    for (const t of [...streamable.values()]) await t.close().catch(() => undefined);
    for (const t of [...legacy.values()]) await t.close().catch(() => undefined);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}/mcp`;
    },
    get sseUrl() {
      return `http://127.0.0.1:${port}/sse`;
    },
    state,
    stats,
    sessionCount: () => streamable.size,
    close: stop,
    stop,
    start,
    async restart(downMs = 0) {
      await stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
  };
}
