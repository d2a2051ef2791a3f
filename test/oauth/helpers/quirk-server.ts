/**
 * A server on 127.0.0.1 that stands in front of the mock authorization server and MCP endpoint and bends one thing the
 * way real providers do (a token response form-encoded, an error with HTTP 200, a challenge without
 * `WWW-Authenticate`, a well-known URL that answers HTML…). Each route is a small function of the request; anything
 * without a route is forwarded to the mock unchanged.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a route sees it. */
export interface QuirkRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Sends the request on to the mock (same path, method, headers and body). */
  forward(): Promise<Response>;
}

/** What a route answers. */
export interface QuirkAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A running quirk server. */
export interface QuirkServer {
  readonly url: string;
  readonly seen: QuirkRequest[];
  close(): Promise<void>;
}

/** Starts a quirk server in front of `upstream` (the mock's base URL). */
export async function startQuirkServer(upstream: string, routes: Readonly<Record<string, (req: QuirkRequest, self: string) => Promise<QuirkAnswer> | QuirkAnswer>>): Promise<QuirkServer> {
  const seen: QuirkRequest[] = [];
  let self = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', self);
      const forward = async (): Promise<Response> => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers.set(k, v);
        return fetch(`${upstream}${url.pathname}${url.search}`, { method: req.method ?? 'GET', headers, ...(body !== '' ? { body } : {}), redirect: 'manual' });
      };
      const request: QuirkRequest = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body, forward };
      seen.push(request);
      const route = routes[url.pathname];
      void (async () => {
        try {
          if (route) {
            const answer = await route(request, self);
            res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
            return;
          }
          const r = await forward();
          const headers: Record<string, string> = {};
          r.headers.forEach((v, k) => {
            if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
          });
          res.writeHead(r.status, headers).end(Buffer.from(await r.arrayBuffer()));
        } catch {
          res.writeHead(502).end();
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
