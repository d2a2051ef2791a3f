/**
 * Issue 11 §5: errors blame the right party and say what happened. A metadata document that trickles in until the
 * timeout says which document timed out (it said "The sign-in failed. Try again."); a 100 KB `WWW-Authenticate`
 * header is an oversized answer, not "could not reach the server" (and not a reason to reconnect forever).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from '../../main/mcp/index.ts';
import { createOAuthEngine, InMemoryCredentialStore } from '../../main/oauth/index.ts';

const running: { server: Server; sockets: Set<Socket> }[] = [];
afterEach(async () => {
  for (const { server, sockets } of running.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/** An HTTP server on 127.0.0.1 whose handler the test gives. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  running.push({ server, sockets });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const engine = () => createOAuthEngine({ store: new InMemoryCredentialStore(), openBrowser: async () => undefined, requestTimeoutMs: 1_500, loginTimeoutMs: 5_000 });

describe('errors that blame the right party', () => {
  it('trickling resource metadata that hits the timeout names the document that timed out', async () => {
    const base = await serve((req, res) => {
      if (req.url?.startsWith('/.well-known/oauth-protected-resource')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const t = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(t));
        return;
      }
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    });
    const failure = (await engine().login({ serverUrl: `${base}/mcp` }).catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('network');
    expect(failure.message).toContain(`${base}/.well-known/oauth-protected-resource/mcp did not finish sending its metadata document in time`);
  });

  it('a 100 KB WWW-Authenticate header at sign-in is an oversized answer, not an unreachable server', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${'x'.repeat(100_000)}"` }).end();
    });
    const failure = (await engine().login({ serverUrl: `${base}/mcp` }).catch((e: unknown) => e)) as Error & { code: string };
    expect(failure.code).toBe('invalid_response');
    expect(failure.message).toMatch(/HTTP headers larger than Keyport accepts/);
    expect(failure.message).not.toMatch(/Could not reach/);
  });

  it('a 100 KB WWW-Authenticate header from the MCP server is reported as such, once, without a reconnect loop', async () => {
    let requests = 0;
    const base = await serve((_req, res) => {
      requests++;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${'x'.repeat(100_000)}"` }).end();
    });
    const connection = createConnection({ id: 'huge-header', transport: 'streamable-http', url: `${base}/mcp` }, { healthCheckMs: 0 });
    const failure = (await connection.connect().catch((e: unknown) => e)) as Error & { code: string };
    await connection.disconnect();
    expect(failure.code).toBe('message_too_large');
    expect(failure.message).toMatch(/HTTP headers larger than Keyport accepts/);
    await new Promise((r) => setTimeout(r, 600));
    expect(requests).toBeLessThanOrEqual(2);
  });
});
