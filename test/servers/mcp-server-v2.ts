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
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import type { McpServerOptions, McpTestServer } from './mcp-server.ts';
import { createTestBedMcpServerV2 } from './mcp-tools-v2.ts';
import { readBody } from './net.ts';
import { authInfoFor, sendJson, summarizeRpc } from './resource-gate.ts';
import { createResourceShell } from './resource-shell.ts';

/** The SDK v2 servers' protocol versions: the modern wire, and the 2025 one a dual-era server also speaks. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Options of {@link startMcpServerV2}: those of the SDK 1.x server minus its transport choices, plus the era. */
export interface McpServerV2Options extends Omit<McpServerOptions, 'transport' | 'ssePostStatus' | 'resumable' | 'customize'> {
  /** `modern`: the 2026-07-28 wire only; `dual`: that and the 2025 wire (stateless). */
  readonly era: 'modern' | 'dual';
}


/** Starts an SDK v2 protected MCP server on 127.0.0.1; resolves once it listens. Same shape as the 1.x server's. */
export async function startMcpServerV2(options: McpServerV2Options): Promise<McpTestServer> {
  const shell = await createResourceShell(options, options.era === 'modern' ? 'Keyport test bed (2026-07-28 only)' : 'Keyport test bed (both eras)');
  const { gate, issuer, resourcePath, state, resourceName } = shell;
  let handler: McpHttpHandler | undefined;

  const newHandler = () =>
    createMcpHandler(
      ({ era }) =>
        createTestBedMcpServerV2(state, { name: `keyport-testbed-${options.era}`, version: '2.0.0', issuer, resource: shell.endpoints.url, title: resourceName }, era),
      {
        legacy: options.era === 'modern' ? 'reject' : 'stateless',
        onerror: () => {
          // Rejected requests (e.g. -32022 for `initialize` on the modern-only server) are answered to the client and
          // visible in the log; nothing to report here.
        },
      },
    );


  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? `127.0.0.1:${shell.endpoints.port}`}`);
    const record = shell.record(req, res, requestUrl);
    if (gate.serveMetadata(req, res, requestUrl.pathname, resourcePath, shell.endpoints.url)) return;
    if (requestUrl.pathname !== resourcePath) return sendJson(res, 404, { error: 'not_found' });

    const outcome = await shell.verify(req, requestUrl);
    if (!outcome.ok) return gate.unauthorized(res, outcome, shell.endpoints.resourceMetadataUrl);
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
      if (gate.stepUp(res, outcome.token, rpc, shell.endpoints.resourceMetadataUrl)) return;
    }

    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const request = new Request(requestUrl, {
      method: req.method ?? 'GET',
      headers: webHeaders(req),
      ...(text !== undefined ? { body: text } : {}),
      signal: abort.signal,
    });
    const authInfo = authInfoFor(outcome.raw, outcome.token, shell.endpoints.url, gate.callerScopes(outcome.token));
    const response = await handler!.fetch(request, { authInfo, ...(parsed !== undefined ? { parsedBody: parsed } : {}) });
    await writeResponse(response, res, abort.signal);
  }

  const server: Server = shell.serve('mcp-server-v2', handle);
  const start = async () => {
    await shell.bind(server);
    handler = newHandler();
  };
  const stop = async () => {
    await handler?.close();
    await shell.unbind(server);
  };
  await start();
  return shell.view({
    server,
    transport: 'streamable-http',
    era: options.era,
    sseUrl: () => undefined,
    // Stateless on both eras: there are no sessions to count.
    sessionCount: () => 0,
    stop,
    start,
  });
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
