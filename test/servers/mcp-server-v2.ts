/**
 * Protected MCP servers on the MCP SDK v2 (`@modelcontextprotocol/server` 2.4, `createMcpHandler`), next to the SDK
 * 1.x server of mcp-server.ts, for clients that must reach both protocol eras:
 *
 * - `era: 'modern'` serves only the 2026-07-28 stateless wire (`legacy: 'reject'`): no `initialize`, no sessions;
 *   every request carries `MCP-Protocol-Version` and the `_meta` envelope; an `initialize` (or any 2025-era request)
 *   is answered with JSON-RPC error -32022 naming the supported versions.
 * - `era: 'dual'` serves both (`legacy: 'stateless'`, the SDK's default): 2026-07-28 requests as above, and 2025-era
 *   requests (`initialize`, then calls without a session) statelessly, one fresh server instance per request (GET
 *   and DELETE answer 405).
 *
 * The OAuth side is the test bed's (resource-gate.ts, mcp-auth.ts): RFC 9728 metadata, JWT/DPoP/Bearer checks, the
 * same 401 challenges and `403 insufficient_scope` step-up before the SDK sees a call. Every request is logged with
 * its JSON-RPC methods and `MCP-Protocol-Version`, so a test can assert e.g. that a warm start sent no
 * `server/discover` probe, or that a modern client never sent `initialize`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, createRemoteJWKSet } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { createTokenVerifier } from './mcp-auth.ts';
import type { TokenVerifier } from './mcp-auth.ts';
import { discoverJwksUri, matchesMcpRecord } from './mcp-server.ts';
import type { McpRequestRecord, McpServerOptions, McpTestServer } from './mcp-server.ts';
import { createTestBedState } from './mcp-tools.ts';
import { createTestBedMcpServerV2 } from './mcp-tools-v2.ts';
import { closeServer, listen, readBody } from './net.ts';
import { authInfoFor, createResourceGate, sendJson, summarizeRpc } from './resource-gate.ts';

/** The SDK v2 servers' protocol versions: the modern wire, and the 2025 one a dual-era server also speaks. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Options of {@link startMcpServerV2}: those of the SDK 1.x server minus its transport choices, plus the era. */
export interface McpServerV2Options extends Omit<McpServerOptions, 'transport' | 'ssePostStatus' | 'resumable' | 'customize'> {
  /** `modern`: the 2026-07-28 wire only; `dual`: that and the 2025 wire (stateless). */
  readonly era: 'modern' | 'dual';
}

type MutableRecord = { -readonly [K in keyof McpRequestRecord]: McpRequestRecord[K] };

/** Starts an SDK v2 protected MCP server on 127.0.0.1; resolves once it listens. Same shape as the 1.x server's. */
export async function startMcpServerV2(options: McpServerV2Options): Promise<McpTestServer> {
  const issuerOption = options.authServer?.issuer ?? options.issuer;
  if (!issuerOption) throw new TypeError('startMcpServerV2 needs authServer or issuer');
  const issuer: string = issuerOption;
  const resourcePath = options.resourcePath ?? '/mcp';
  const challengeScope = options.challengeScope ?? 'mcp:read mcp:write';
  const state = options.state ?? createTestBedState();
  const dpop = options.dpop ?? 'supported';
  const resourceName = options.resourceName ?? (options.era === 'modern' ? 'Keyport test bed (2026-07-28 only)' : 'Keyport test bed (both eras)');
  const keys: JWTVerifyGetKey | undefined = options.verifier
    ? undefined
    : options.authServer
      ? createLocalJWKSet({ keys: [...options.authServer.jwks.keys] })
      : createRemoteJWKSet(new URL(options.jwksUri ?? (await discoverJwksUri(issuer))));
  const gate = createResourceGate({
    dpop,
    challengeScope,
    authorizationServers: () => options.authorizationServers ?? [issuer],
    resourceName,
    ...(options.scopes ? { scopes: options.scopes } : {}),
    ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
  });

  const log: MutableRecord[] = [];
  let verify: TokenVerifier | undefined;
  let handler: McpHttpHandler | undefined;
  let port = options.port ?? 0;
  let origin = '';
  let url = '';
  let resourceMetadataUrl = '';

  const newHandler = () =>
    createMcpHandler(
      ({ era }) =>
        createTestBedMcpServerV2(state, { name: `keyport-testbed-${options.era}`, version: '2.0.0', issuer, resource: url, title: resourceName }, era),
      {
        legacy: options.era === 'modern' ? 'reject' : 'stateless',
        onerror: () => {
          // Rejected requests (e.g. -32022 for `initialize` on the modern-only server) are answered to the client and
          // visible in the log; nothing to report here.
        },
      },
    );

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[mcp-server-v2] request failed:', error);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? `127.0.0.1:${port}`}`);
    const record: MutableRecord = {
      method: req.method ?? 'GET',
      path: requestUrl.pathname,
      status: 0,
      rpcMethods: [],
      toolName: undefined,
      sessionId: headerValue(req, 'mcp-session-id'),
      protocolVersion: headerValue(req, 'mcp-protocol-version'),
      subject: undefined,
      time: Date.now(),
    };
    log.push(record);
    res.once('close', () => {
      record.status = res.statusCode;
    });

    if (requestUrl.pathname === `/.well-known/oauth-protected-resource${resourcePath}` || requestUrl.pathname === '/.well-known/oauth-protected-resource') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method_not_allowed' });
      const document = gate.metadata(url);
      if (!document) return sendJson(res, 404, { error: 'not_found' });
      res.setHeader('Access-Control-Allow-Origin', '*');
      return sendJson(res, 200, document);
    }
    if (requestUrl.pathname !== resourcePath) return sendJson(res, 404, { error: 'not_found' });

    const outcome = await verify!(req, requestUrl);
    if (!outcome.ok) return gate.unauthorized(res, outcome, resourceMetadataUrl);
    record.subject = outcome.token.subject;

    let text: string | undefined;
    let parsed: unknown;
    if (req.method === 'POST') {
      text = await readBody(req, 4 * 1024 * 1024);
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined; // the SDK answers the parse error
      }
      const rpc = summarizeRpc(parsed);
      record.rpcMethods = rpc.methods;
      record.toolName = rpc.toolName;
      if (gate.stepUp(res, outcome.token, rpc, resourceMetadataUrl)) return;
    }

    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const request = new Request(requestUrl, {
      method: req.method ?? 'GET',
      headers: webHeaders(req),
      ...(text !== undefined ? { body: text } : {}),
      signal: abort.signal,
    });
    const authInfo = authInfoFor(outcome.raw, outcome.token, url, gate.callerScopes(outcome.token));
    const response = await handler!.fetch(request, { authInfo, ...(parsed !== undefined ? { parsedBody: parsed } : {}) });
    await writeResponse(response, res, abort.signal);
  }

  const start = async () => {
    await listen(server, port);
    port = (server.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${options.advertisedPort ?? port}`;
    url = `${origin}${resourcePath}`;
    resourceMetadataUrl = `${origin}/.well-known/oauth-protected-resource${resourcePath}`;
    verify ??= options.verifier ? options.verifier(url) : createTokenVerifier({ issuer, audience: url, keys: keys!, dpop });
    handler = newHandler();
    options.authServer?.addResource(url);
  };
  const stop = async () => {
    await handler?.close();
    await closeServer(server);
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await start();

  return {
    get port() {
      return port;
    },
    get origin() {
      return origin;
    },
    get url() {
      return url;
    },
    get resourceMetadataUrl() {
      return resourceMetadataUrl;
    },
    issuer,
    transport: 'streamable-http',
    era: options.era,
    dpop,
    sseUrl: undefined,
    log,
    // Stateless on both eras: there are no sessions to count.
    sessionCount: 0,
    get running() {
      return server.listening;
    },
    state,
    count: (filter = {}) => log.filter((record) => matchesMcpRecord(record, filter)).length,
    clearLog: () => {
      log.length = 0;
    },
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close: stop,
  };
}

/** The node request's headers as web `Headers` (repeated headers joined as fetch would). */
function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

/** Streams a web `Response` (JSON or SSE) to the node response; stops when the client goes away. */
async function writeResponse(response: Response, res: ServerResponse, signal: AbortSignal): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res, signal);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves on `drain`, or at once when the client has gone (the next read is then cancelled). */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
