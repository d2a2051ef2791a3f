/**
 * A minimal 2026-07-28-only MCP server (SDK v2 `createMcpHandler`, `legacy: 'reject'`) on 127.0.0.1, without auth,
 * for the parts of the modern wire the test bed's servers do not exercise: list changes and resource updates
 * delivered on a `subscriptions/listen` stream, and `x-mcp-header` mirroring. Every POST is recorded with its
 * JSON-RPC method and its `Mcp-Param-*` headers.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { readBody } from './http-host.ts';

/** One POST the server saw. */
export interface ModernRequest {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A running modern host. */
export interface ModernHost {
  readonly url: string;
  readonly requests: readonly ModernRequest[];
  readonly close: () => Promise<void>;
}

function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** Streams a web `Response` (JSON or SSE) to the node response; either side closing ends both. */
function send(response: Response, res: ServerResponse): void {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) res.end();
  else pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res, () => undefined);
}

/** Starts the modern host: tools `echo`, `add_tool` (a list change), `touch` (updates `fixture://readme`), `region` (x-mcp-header). */
export async function startModernHost(): Promise<ModernHost> {
  const requests: ModernRequest[] = [];
  let extraTools = 0;
  const build = (): McpServer => {
    const server = new McpServer({ name: 'keyport-modern-fixture', version: '1.0.0' }, { capabilities: { resources: { subscribe: true, listChanged: true } } });
    server.registerTool('echo', { description: 'Echoes its text.', inputSchema: z.object({ text: z.string() }) }, ({ text: t }) => text(t));
    server.registerTool('add_tool', { description: 'Adds a tool and says so on the listen stream.' }, () => {
      extraTools += 1;
      setImmediate(() => handler.notify.toolsChanged());
      return text(`now ${extraTools} extra`);
    });
    server.registerTool('touch', { description: 'Changes fixture://readme.' }, () => {
      setImmediate(() => handler.notify.resourceUpdated('fixture://readme'));
      return text('touched');
    });
    server.registerTool(
      'region',
      { description: 'Takes a region mirrored into a header.', inputSchema: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) }) },
      ({ region }) => text(region),
    );
    for (let i = 0; i < extraTools; i++) server.registerTool(`extra_${i}`, { description: 'Added later.' }, () => text(`extra_${i}`));
    server.registerResource('readme', 'fixture://readme', { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Read me.' }] }));
    return server;
  };
  const handler = createMcpHandler(build, { legacy: 'reject', onerror: () => undefined });

  const http = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      if (body !== undefined) {
        let method = '';
        try {
          method = String((JSON.parse(body) as { method?: unknown }).method ?? '');
        } catch {
          // the SDK answers the parse error
        }
        const params: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) if (name.startsWith('mcp-param-') && typeof value === 'string') params[name] = value;
        requests.push({ method, params });
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const response = await handler.fetch(
        new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}), signal: abort.signal }),
      );
      send(response, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    async close() {
      await handler.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
