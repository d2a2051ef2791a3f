/**
 * The proxy and private-CA test bed (issue 12 item 5), all on 127.0.0.1: a certificate authority and a server
 * certificate made with openssl for names that resolve nowhere (`*.keyport.test`), an https authorization server and
 * protected MCP server under that certificate, and an HTTP CONNECT proxy that alone knows those names (it dials
 * 127.0.0.1 and nothing else). A request that reaches the bed went through the proxy and trusted the CA.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** The CA and the server certificate, as files (PEM). */
export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

/** Makes a CA and a certificate for `names`, signed by it (openssl, a few hundred milliseconds). */
export function makeTestPki(names: readonly string[]): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-pki-'));
  const f = (n: string): string => join(dir, n);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Keyport Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', `/CN=${names[0]}`);
  writeFileSync(f('ext.cnf'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  return { dir, caCert: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key') };
}

/** An HTTP CONNECT proxy on 127.0.0.1 that resolves only the names it is given (to 127.0.0.1). */
export interface TestProxy {
  readonly url: string;
  /** Every CONNECT target asked for, e.g. `bed.keyport.test:443`. */
  readonly connects: string[];
  /** Targets refused (names it does not know). */
  readonly refused: string[];
  close(): Promise<void>;
}

/** Starts the proxy; `names` maps a host name to the 127.0.0.1 port it stands for. */
export async function startConnectProxy(names: ReadonlyMap<string, number>): Promise<TestProxy> {
  const connects: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const target = req.url ?? '';
    const [host, port] = [target.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(target)?.[1] ?? '443')];
    const local = names.get(host);
    if (local === undefined || local !== port) {
      refused.push(target);
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    connects.push(target);
    const upstream = connect(local, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    refused,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** One request the https bed received. */
export interface BedRequest {
  readonly method: string;
  readonly path: string;
  readonly grant?: string;
}

/** The https authorization server + MCP server. */
export interface HttpsBed {
  readonly origin: string;
  readonly mcpUrl: string;
  readonly port: number;
  readonly requests: BedRequest[];
  close(): Promise<void>;
}

/**
 * Starts the bed on 127.0.0.1 with the PKI's certificate; it calls itself `https://<name>:<port>`. Dynamic
 * registration, an authorization endpoint that redirects at once (the "user" approves), codes checked against PKCE,
 * short-lived tokens with refresh, and an MCP endpoint (one `whoami` tool) that wants a Bearer token.
 */
export async function startHttpsBed(pki: TestPki, name: string, tokenTtlSeconds = 3600): Promise<HttpsBed> {
  const requests: BedRequest[] = [];
  const codes = new Map<string, string>();
  const tokens = new Map<string, number>();
  const refreshTokens = new Set<string>();
  let origin = '';
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const issue = (res: ServerResponse): void => {
    const at = `at-${randomBytes(12).toString('base64url')}`;
    const rt = `rt-${randomBytes(12).toString('base64url')}`;
    tokens.set(at, Date.now() + tokenTtlSeconds * 1000);
    refreshTokens.add(rt);
    json(res, 200, { access_token: at, token_type: 'Bearer', expires_in: tokenTtlSeconds, refresh_token: rt, scope: 'mcp' });
  };
  const server = createHttpsServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', origin);
      const form = new URLSearchParams(body);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, ...(form.get('grant_type') ? { grant: form.get('grant_type')! } : {}) });
      switch (url.pathname) {
        case '/.well-known/oauth-protected-resource/mcp':
          return json(res, 200, { resource: `${origin}/mcp`, authorization_servers: [origin], scopes_supported: ['mcp'] });
        case '/.well-known/oauth-authorization-server':
          return json(res, 200, {
            issuer: origin,
            authorization_endpoint: `${origin}/authorize`,
            token_endpoint: `${origin}/token`,
            registration_endpoint: `${origin}/register`,
            response_types_supported: ['code'],
            code_challenge_methods_supported: ['S256'],
            token_endpoint_auth_methods_supported: ['none'],
          });
        case '/register':
          return json(res, 201, { ...(JSON.parse(body) as object), client_id: `client-${randomBytes(4).toString('hex')}`, token_endpoint_auth_method: 'none' });
        case '/authorize': {
          const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
          const code = `code-${randomBytes(12).toString('base64url')}`;
          codes.set(code, url.searchParams.get('code_challenge') ?? '');
          redirect.searchParams.set('code', code);
          redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
          res.writeHead(302, { location: redirect.href }).end();
          return;
        }
        case '/token': {
          if (form.get('grant_type') === 'authorization_code') {
            const challenge = codes.get(form.get('code') ?? '');
            codes.delete(form.get('code') ?? '');
            const verifier = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
            if (challenge === undefined || challenge !== verifier) return json(res, 400, { error: 'invalid_grant' });
            return issue(res);
          }
          if (form.get('grant_type') === 'refresh_token' && refreshTokens.delete(form.get('refresh_token') ?? '')) return issue(res);
          return json(res, 400, { error: 'invalid_grant' });
        }
        case '/mcp': {
          const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
          const exp = token === undefined ? undefined : tokens.get(token);
          if (exp === undefined || exp < Date.now()) {
            res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"${token ? ', error="invalid_token"' : ''}` }).end();
            return;
          }
          const mcp = new McpServer({ name: 'https-bed', version: '1.0.0' });
          mcp.registerTool('whoami', { description: 'Says who the bed is' }, async () => ({ content: [{ type: 'text', text: `reached ${name} through TLS` }] }));
          const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
          res.on('close', () => void transport.close());
          void mcp.connect(transport).then(() => transport.handleRequest(req, res, body === '' ? undefined : (JSON.parse(body) as unknown)));
          return;
        }
        default:
          res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  origin = `https://${name}:${port}`;
  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * What a browser behind the proxy does with an authorization URL: follows the redirects (through `fetchFn`) and
 * delivers the loopback callback. True once the callback answered.
 */
export async function followToCallback(fetchFn: (url: string, init?: RequestInit) => Promise<Response>, start: string): Promise<boolean> {
  let current = start;
  for (let i = 0; i < 6; i++) {
    const response = await fetchFn(current, { redirect: 'manual' });
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) return false;
    current = new URL(location, current).href;
    const host = new URL(current).hostname;
    if (host === '127.0.0.1' || host === 'localhost') {
      const callback = await fetchFn(current);
      await callback.body?.cancel();
      return callback.ok;
    }
  }
  return false;
}
