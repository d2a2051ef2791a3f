/**
 * The test bed's protected MCP server: the SDK's `McpServer` over `StreamableHTTPServerTransport` (stateful, one
 * session per `initialize`) on node:http at 127.0.0.1 — or, for clients' fallback tests, over the legacy 2024-11-05
 * HTTP+SSE transport (`SSEServerTransport`: a GET opens the event stream, whose first `endpoint` event names
 * `/messages?sessionId=…` for the client's POSTs), or both — behind an OAuth resource-server layer:
 *
 * - RFC 9728 protected resource metadata at `/.well-known/oauth-protected-resource<resourcePath>` (and at the root
 *   `/.well-known/oauth-protected-resource`, for clients that fall back to it);
 * - every method on the resource path needs a JWT access token for this resource (see mcp-auth.ts); otherwise
 *   `401` with `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` (+ `error="invalid_token"` when a token
 *   was presented; the `DPoP` scheme for DPoP-bound tokens);
 * - step-up: before the SDK sees a POST, its JSON-RPC body is inspected; a `tools/call` (alone or in a batch) of a
 *   tool listed in `TOOL_SCOPES` whose scope the token lacks is answered `403` with
 *   `error="insufficient_scope", scope="<needed scope>"`.
 *
 * `stop()` / `start()` / `restart()` keep the port (sessions are lost, as with a real restart; data is kept).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthServer } from './auth-server.ts';
import type { DpopMode, TokenVerifier } from './mcp-auth.ts';
import { createTestBedMcpServer } from './mcp-tools.ts';
import type { TestBedState } from './mcp-tools.ts';
import { readBody } from './net.ts';
import { authInfoFor, sendJson, summarizeRpc } from './resource-gate.ts';
import type { ResourceGateOptions, ScopeVocabulary } from './resource-gate.ts';
import { createResourceShell, headerValue } from './resource-shell.ts';
import type { MutableMcpRecord } from './resource-shell.ts';

export { discoverJwksUri, matchesMcpRecord } from './resource-shell.ts';
export type { MutableMcpRecord } from './resource-shell.ts';

/** Options of {@link startMcpServer}. Give either `authServer` or `issuer` (+ optionally `jwksUri`). */
export interface McpServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks an ephemeral one, kept across `restart()`. */
  readonly port?: number;
  /**
   * The port clients reach this server on, when something sits in front of it (a latency proxy): the resource URL
   * and the metadata URL carry it. Default: the port it listens on.
   */
  readonly advertisedPort?: number;
  /** The test bed's authorization server: its issuer and keys are used, and it learns this resource's URL. */
  readonly authServer?: AuthServer;
  /** Issuer of accepted tokens (required without `authServer`). */
  readonly issuer?: string;
  /** Where the issuer's keys are; default: the `jwks_uri` of the issuer's RFC 8414 metadata. */
  readonly jwksUri?: string;
  /** Path of the MCP endpoint (default `/mcp`); the resource URL is `http://127.0.0.1:<port><resourcePath>`. */
  readonly resourcePath?: string;
  /** The `scope` of 401 challenges (default `mcp:read mcp:write`). */
  readonly challengeScope?: string;
  /** Keep SSE events so streams can resume with `Last-Event-ID` (default true). */
  readonly resumable?: boolean;
  /** Shared data; pass one to keep notes/data across separately started servers. */
  readonly state?: TestBedState;
  /**
   * Which MCP transport to serve (default `streamable-http`). `sse`: only the legacy 2024-11-05 HTTP+SSE transport,
   * as an old server: a GET to the MCP URL (or to `/sse`) opens the event stream, messages are POSTed to
   * `/messages?sessionId=…`, and a POST to the MCP URL answers {@link McpServerOptions.ssePostStatus} (before any
   * auth check: an old server has no such route), which is what makes a client fall back (MCP spec, transports,
   * "Backwards Compatibility"). `both`: Streamable HTTP on the MCP URL and the legacy transport on `/sse` +
   * `/messages`, like the SDK's compatible servers. Auth, 401/403 challenges and resource metadata are the same.
   */
  readonly transport?: McpTransportMode;
  /** Status of a POST to the MCP URL in `sse` mode: 405 (default, with `Allow: GET`) or 404 (`not_found`). */
  readonly ssePostStatus?: 404 | 405;
  /**
   * What the resource says about DPoP (default `supported`): `supported` lists `dpop_signing_alg_values_supported`
   * in its metadata and challenges with both schemes; `required` also sets `dpop_bound_access_tokens_required` and
   * refuses Bearer; `bearer-only` says nothing about DPoP and answers the `DPoP` scheme (and DPoP-bound tokens)
   * with 401 `invalid_token`, as the SDK 1.x `requireBearerAuth` does. See {@link DpopMode}.
   */
  readonly dpop?: DpopMode;
  /**
   * Checks tokens instead of the JWT verifier (the provider zoo: opaque tokens looked up at their AS, a provider's
   * own audience or scheme rules). Gets this server's resource URL once it is known.
   */
  readonly verifier?: (resource: string) => TokenVerifier;
  /** How the provider spells the MCP scopes (challenges, metadata, step-up); default the test bed's names. */
  readonly scopes?: ScopeVocabulary;
  /** `authorization_servers` of the metadata (default: the issuer). */
  readonly authorizationServers?: readonly string[];
  /** Rewrites the RFC 9728 document, or `false` for a resource that publishes none (404). */
  readonly metadata?: ResourceGateOptions['metadata'];
  /** `resource_name` of the metadata and the MCP server name (default `Keyport test bed`). */
  readonly resourceName?: string;
  /** Adds tools/resources to each SDK 1.x `McpServer` this server creates (a provider's own tools). */
  readonly customize?: (server: McpServer) => void;
}

/**
 * The protocol era(s) a test MCP server speaks: `legacy` = the 2025-11-25 wire (`initialize`, sessions; the SDK 1.x
 * server), `modern` = only the 2026-07-28 stateless wire, `dual` = both (the SDK v2 servers, see mcp-server-v2.ts).
 */
export type McpEra = 'legacy' | 'modern' | 'dual';

/** The MCP transports {@link startMcpServer} can serve (see {@link McpServerOptions.transport}). */
export type McpTransportMode = 'streamable-http' | 'sse' | 'both';

/** Where the legacy HTTP+SSE transport opens its stream (also the MCP URL itself in `sse` mode). */
export const LEGACY_SSE_PATH = '/sse';

/** Where legacy HTTP+SSE clients POST their messages (`?sessionId=<id from the endpoint event>`). */
export const LEGACY_MESSAGES_PATH = '/messages';

/** One HTTP request the MCP server saw (no tokens). `status` is 0 until the response is complete. */
export interface McpRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** JSON-RPC methods in a POST body (several for a batch). */
  readonly rpcMethods: readonly string[];
  /** `params.name` of a `tools/call`. */
  readonly toolName: string | undefined;
  readonly sessionId: string | undefined;
  /** The `MCP-Protocol-Version` request header, when sent. */
  readonly protocolVersion: string | undefined;
  /** The token's `sub` when the request was authorized. */
  readonly subject: string | undefined;
  readonly time: number;
}

/** Filter for {@link McpTestServer.count}: every given field must match (`rpcMethod` matches any of the batch). */
export interface McpLogFilter {
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly rpcMethod?: string;
  readonly toolName?: string;
  readonly subject?: string;
  readonly protocolVersion?: string;
}

/** A running protected MCP server. */
export interface McpTestServer {
  readonly port: number;
  /** Origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The MCP endpoint and resource identifier, e.g. `http://127.0.0.1:9001/mcp`. */
  readonly url: string;
  /** Where the RFC 9728 metadata is (the URL in `resource_metadata`). */
  readonly resourceMetadataUrl: string;
  readonly issuer: string;
  /** The transport(s) served. */
  readonly transport: McpTransportMode;
  /** The protocol era(s) served (`legacy` for this SDK 1.x server). */
  readonly era: McpEra;
  /** What the resource says about DPoP. */
  readonly dpop: DpopMode;
  /** `${origin}/sse`, the legacy HTTP+SSE stream URL, when that transport is served (`sse`, `both`); else undefined. */
  readonly sseUrl: string | undefined;
  /** Every request seen, oldest first (live view). */
  readonly log: readonly McpRequestRecord[];
  /** Number of open MCP sessions (Streamable HTTP sessions plus open legacy SSE streams). */
  readonly sessionCount: number;
  /** True while listening. */
  readonly running: boolean;
  /** The per-user data. */
  readonly state: TestBedState;
  /** Counts logged requests matching the filter (all without one). */
  count(filter?: McpLogFilter): number;
  clearLog(): void;
  /** Stops listening, ends every session and drops connections (the port stays reserved for `start()`). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly close: () => Promise<void>;
}

interface SseSession {
  readonly transport: SSEServerTransport;
  readonly close: () => Promise<void>;
}

/** Starts the protected MCP server and resolves once it listens. */
export async function startMcpServer(options: McpServerOptions): Promise<McpTestServer> {
  const shell = await createResourceShell(options, 'Keyport test bed');
  const { gate, issuer, resourcePath, state, resourceName } = shell;
  const resumable = options.resumable ?? true;
  const mode = options.transport ?? 'streamable-http';
  const legacy = mode !== 'streamable-http';
  if (legacy && resourcePath === LEGACY_MESSAGES_PATH) throw new TypeError(`resourcePath ${LEGACY_MESSAGES_PATH} is taken by the legacy SSE transport`);
  if (mode === 'both' && resourcePath === LEGACY_SSE_PATH) throw new TypeError(`resourcePath ${LEGACY_SSE_PATH} is taken by the legacy SSE transport`);
  const sessions = new Map<string, Session>();
  const sseSessions = new Map<string, SseSession>();
  const newMcp = () => {
    const mcp = createTestBedMcpServer(state, { name: 'keyport-testbed', version: '1.0.0', issuer, resource: shell.endpoints.url, title: resourceName });
    options.customize?.(mcp);
    return mcp;
  };


  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? `127.0.0.1:${shell.endpoints.port}`}`);
    const record = shell.record(req, res, requestUrl);
    if (gate.serveMetadata(req, res, requestUrl.pathname, resourcePath, shell.endpoints.url)) return;
    const path = requestUrl.pathname;
    const legacyStream = legacy && (path === LEGACY_SSE_PATH || (mode === 'sse' && path === resourcePath));
    const legacyMessages = legacy && path === LEGACY_MESSAGES_PATH;
    if (path !== resourcePath && !legacyStream && !legacyMessages) return sendJson(res, 404, { error: 'not_found' });
    if (legacyStream && req.method !== 'GET') {
      // An old server has no POST (or DELETE) route on its SSE URL: refused before any auth check.
      if (mode === 'sse' && path === resourcePath && options.ssePostStatus === 404) return sendJson(res, 404, { error: 'not_found' });
      res.setHeader('Allow', 'GET');
      return sendJson(res, 405, { error: 'method_not_allowed' });
    }
    if (legacyMessages && req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendJson(res, 405, { error: 'method_not_allowed' });
    }
    if (legacyMessages) record.sessionId = requestUrl.searchParams.get('sessionId') ?? undefined;

    const outcome = await shell.verify(req, requestUrl);
    if (!outcome.ok) return gate.unauthorized(res, outcome, shell.endpoints.resourceMetadataUrl);
    const token = outcome.token;
    record.subject = token.subject;

    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
      }
      const rpc = summarizeRpc(body);
      record.rpcMethods = rpc.methods;
      record.toolName = rpc.toolName;
      if (gate.stepUp(res, token, rpc, shell.endpoints.resourceMetadataUrl)) return;
    }

    (req as IncomingMessage & { auth?: unknown }).auth = authInfoFor(outcome.raw, token, shell.endpoints.url, gate.callerScopes(token));
    if (legacyStream) return openLegacyStream(res, record);
    if (legacyMessages) {
      const session = record.sessionId ? sseSessions.get(record.sessionId) : undefined;
      if (!session) return sendJson(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      try {
        await session.transport.handlePostMessage(req as IncomingMessage & { auth?: AuthInfo }, res, body);
      } catch (error) {
        // The SDK has already answered (500 when the stream is gone); nothing more to send.
        if (!res.headersSent) throw error;
      }
      return;
    }
    const sessionId = headerValue(req, 'mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session) return sendJson(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitialize(body)) {
      return sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no valid session ID provided' }, id: null });
    }

    const mcp = newMcp();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      ...(resumable ? { eventStore: createEventStore() } : {}),
      onsessioninitialized: (id) => {
        sessions.set(id, {
          transport,
          close: async () => {
            await mcp.close();
          },
        });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  /** Legacy HTTP+SSE: one McpServer per GET stream; the SDK writes the `endpoint` event first. */
  async function openLegacyStream(res: ServerResponse, record: MutableMcpRecord): Promise<void> {
    const mcp = newMcp();
    const transport = new SSEServerTransport(LEGACY_MESSAGES_PATH, res);
    const id = transport.sessionId;
    record.sessionId = id;
    sseSessions.set(id, {
      transport,
      close: async () => {
        await mcp.close();
      },
    });
    transport.onclose = () => {
      sseSessions.delete(id);
    };
    try {
      await mcp.connect(transport);
    } catch (error) {
      sseSessions.delete(id);
      throw error;
    }
  }

  const server: Server = shell.serve('mcp-server', handle);
  const start = () => shell.bind(server);
  const stop = async () => {
    const open = [...sessions.values(), ...sseSessions.values()];
    sessions.clear();
    sseSessions.clear();
    await Promise.allSettled(open.map((session) => session.close()));
    await shell.unbind(server);
  };
  await start();
  return shell.view({
    server,
    transport: mode,
    era: 'legacy',
    sseUrl: () => (legacy ? `${shell.endpoints.origin}${LEGACY_SSE_PATH}` : undefined),
    sessionCount: () => sessions.size + sseSessions.size,
    stop,
    start,
  });
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => (m as { method?: unknown })?.method === 'initialize');
}

/** A per-session in-memory event store so SSE streams can be resumed with `Last-Event-ID`. */
function createEventStore(): EventStore {
  const events: { id: string; streamId: string; message: JSONRPCMessage }[] = [];
  let counter = 0;
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}_${++counter}`;
      events.push({ id, streamId, message });
      if (events.length > 1000) events.shift();
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.find((event) => event.id === eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const index = events.findIndex((event) => event.id === lastEventId);
      if (index < 0) return '';
      const streamId = events[index]!.streamId;
      for (const event of events.slice(index + 1)) {
        if (event.streamId === streamId) await send(event.id, event.message);
      }
      return streamId;
    },
  };
}
