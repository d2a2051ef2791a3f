/**
 * Servers that are not (good) MCP servers, on 127.0.0.1: an HTML site, a 404 everywhere, invalid JSON, valid JSON
 * that is not JSON-RPC, an unsupported protocol version, a socket that hangs, one that is cut, an SSE stream of
 * garbage. The connection layer must turn each into a typed error without crashing or hanging.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Which misbehaviour the server shows. */
export type HostileKind = 'html' | 'not-found' | 'bad-json' | 'not-jsonrpc' | 'wrong-version' | 'hang' | 'cut' | 'sse-garbage';

/** A running hostile server. */
export interface HostileServer {
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Starts a hostile server of the given kind on an ephemeral port. */
export async function startHostileServer(kind: HostileKind): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      switch (kind) {
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Welcome</title><h1>Hello</h1>');
          return;
        case 'not-found':
          res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
          return;
        case 'bad-json':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc": "2.0", "result": {oops');
          return;
        case 'not-jsonrpc':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello": "world"}');
          return;
        case 'wrong-version': {
          let id: unknown = 0;
          try {
            id = (JSON.parse(body) as { id?: unknown }).id;
          } catch {
            // ignore
          }
          if (req.method !== 'POST' || id === undefined) {
            res.writeHead(202).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({ jsonrpc: '2.0', id, result: { protocolVersion: '1999-01-01', capabilities: {}, serverInfo: { name: 'old', version: '0' } } }),
          );
          return;
        }
        case 'hang':
          return; // never answer
        case 'cut':
          req.socket.destroy();
          return;
        case 'sse-garbage':
          if (req.method === 'POST') {
            res.writeHead(405).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: nonsense\ndata: {{{{\n\n');
          res.write('data: not json at all\n\n');
          return; // never sends an endpoint event
        default: {
          const never: never = kind;
          return never;
        }
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
