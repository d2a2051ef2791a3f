/**
 * The auth seam: a connection gets its bearer from an injected session, never sees the engine, reads 401/403
 * challenges into typed errors and statuses, and follows the engine's auth events (refreshing, signed in).
 */
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from '../../main/mcp/connection.ts';
import { AuthChallengeError, parseBearerChallenge, staticBearerSession } from '../../main/mcp/auth.ts';
import type { AuthEvent, AuthorizedSession, FetchLike } from '../../main/mcp/auth.ts';
import type { ServerStatus } from '../../preload/contract.ts';
import { startHttpHost } from './helpers/http-host.ts';
import type { HttpHost } from './helpers/http-host.ts';
import { errorOf } from './helpers/rejections.ts';

let host: HttpHost;

beforeAll(async () => {
  host = await startHttpHost({ tokens: { reader: ['read'], writer: ['read', 'write'] }, toolScopes: { add: 'write' } });
});
afterAll(async () => {
  await host.close();
});

/** A session whose token can be swapped and whose auth events the test emits, like the engine would. */
function controllableSession(initial: string): { session: AuthorizedSession; setToken: (t: string) => void; emit: (e: AuthEvent) => void; authorizations: string[] } {
  let token = initial;
  const listeners = new Set<(e: AuthEvent) => void>();
  const authorizations: string[] = [];
  const f: FetchLike = (url, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    authorizations.push(token);
    return fetch(url, { ...init, headers });
  };
  return {
    session: {
      fetch: f,
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    setToken: (t) => {
      token = t;
    },
    emit: (e) => {
      for (const l of listeners) l(e);
    },
    authorizations,
  };
}

describe('parseBearerChallenge', () => {
  it('reads error and scope, quoted or not (RFC 6750 §3)', () => {
    expect(parseBearerChallenge('Bearer error="insufficient_scope", scope="read write", resource_metadata="https://x/y"')).toEqual({
      error: 'insufficient_scope',
      scopes: ['read', 'write'],
    });
    expect(parseBearerChallenge('Bearer realm="a", error=invalid_token')).toEqual({ error: 'invalid_token', scopes: [] });
    expect(parseBearerChallenge(null)).toEqual({ scopes: [] });
  });
});

describe('bearer injection', () => {
  it('connects with the session fetch and never needs a provider', async () => {
    const conn = createConnection({ id: 's', transport: 'streamable-http', url: host.url }, { authorize: () => staticBearerSession('writer'), connectTimeoutMs: 5000 });
    try {
      await conn.connect();
      expect((await conn.callTool('add', { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 });
    } finally {
      await conn.disconnect();
    }
  });

  it('an invalid token → needs_sign_in and the needs-sign-in status; signing in reconnects', async () => {
    const c = controllableSession('expired-token');
    const statuses: ServerStatus[] = [];
    const conn = createConnection(
      { id: 's', transport: 'streamable-http', url: host.url },
      { authorize: () => c.session, connectTimeoutMs: 5000, reconnect: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, maxAttempts: 5 } },
    );
    conn.subscribe((e) => {
      if (e.type === 'status') statuses.push(e.status);
    });
    try {
      const err = await errorOf(conn.connect());
      expect(err.code).toBe('needs_sign_in');
      expect(conn.status().state).toBe('needs-sign-in');
      // The engine signs the user in, then says so: the connection comes up on its own.
      c.emit({ type: 'signing-in', authorizationServer: 'http://127.0.0.1:1/as' });
      expect(conn.status()).toMatchObject({ state: 'signing-in', authorizationServer: 'http://127.0.0.1:1/as' });
      c.setToken('reader');
      c.emit({ type: 'signed-in' });
      await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
      expect(statuses.map((s) => s.state)).toEqual(['connecting', 'needs-sign-in', 'signing-in', 'connecting', 'connected']);
    } finally {
      await conn.disconnect();
    }
  });

  it('a 403 insufficient_scope → step-up-needed with the scopes and the tool; a later success clears it', async () => {
    const c = controllableSession('reader');
    const conn = createConnection({ id: 's', transport: 'streamable-http', url: host.url }, { authorize: () => c.session, connectTimeoutMs: 5000 });
    try {
      await conn.connect();
      const err = await errorOf(conn.callTool('add', { a: 1, b: 2 }));
      expect(err.code).toBe('insufficient_scope');
      expect(err.scopes).toEqual(['read', 'write']);
      expect(err.tool).toBe('add');
      expect(conn.status()).toEqual({ state: 'step-up-needed', scopes: ['read', 'write'], tool: 'add' });
      // step-up done by the engine: the same session now carries the wider token
      c.setToken('writer');
      expect((await conn.callTool('add', { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 });
      expect(conn.status().state).toBe('connected');
    } finally {
      await conn.disconnect();
    }
  });

  it('a typed challenge thrown by the engine fetch is surfaced as is (code + scopes)', async () => {
    let fail = false;
    const engineLike: AuthorizedSession = {
      fetch: async (url, init) => {
        if (fail) throw Object.assign(new Error('needs more scope'), { code: 'insufficient_scope', scopes: ['read', 'admin'] });
        return staticBearerSession('writer').fetch(url, init);
      },
    };
    const conn = createConnection({ id: 's', transport: 'streamable-http', url: host.url }, { authorize: () => engineLike, connectTimeoutMs: 5000, reconnect: false });
    try {
      await conn.connect();
      await conn.listTools();
      fail = true;
      const err = await errorOf(conn.callTool('echo', { text: 'x' }));
      expect(err).toMatchObject({ code: 'insufficient_scope', scopes: ['read', 'admin'], tool: 'echo' });
      expect(conn.status()).toMatchObject({ state: 'step-up-needed', scopes: ['read', 'admin'] });
    } finally {
      await conn.disconnect();
    }
  });

  it('follows refreshing → refreshed without dropping the connection', async () => {
    const c = controllableSession('reader');
    const conn = createConnection({ id: 's', transport: 'streamable-http', url: host.url }, { authorize: () => c.session, connectTimeoutMs: 5000 });
    try {
      await conn.connect();
      c.emit({ type: 'refreshing' });
      expect(conn.status()).toEqual({ state: 'refreshing' });
      c.emit({ type: 'refreshed' });
      expect(conn.status().state).toBe('connected');
      expect((await conn.callTool('echo', { text: 'still here' })).isError).toBe(false);
    } finally {
      await conn.disconnect();
    }
  });

  it('AuthChallengeError carries the code, status and scopes', () => {
    const e = new AuthChallengeError('insufficient_scope', 403, ['a']);
    expect(e).toMatchObject({ code: 'insufficient_scope', status: 403, scopes: ['a'] });
  });
});

// Regression: the MCP layer had its own regex parser, which took another scheme's parameters for Bearer's.
describe('parseBearerChallenge with several challenges', () => {
  it('reads the Bearer challenge, not the parameters of another scheme next to it', () => {
    expect(parseBearerChallenge('Bearer error="insufficient_scope", scope="mcp:write", Basic realm="x", scope="other"')).toEqual({
      error: 'insufficient_scope',
      scopes: ['mcp:write'],
    });
  });
});

describe('request signals', () => {
  // Regression: the SDK passes one transport-wide AbortSignal to every request and undici leaves an abort listener on it
  // per request until garbage collection, so a busy session printed MaxListenersExceededWarning hundreds of times.
  it('gives each request its own abort signal, which still follows the transport when it closes', async () => {
    const seen: { method: string; signal: AbortSignal | undefined }[] = [];
    const base = staticBearerSession('writer');
    const session: AuthorizedSession = {
      fetch: (url, init) => {
        seen.push({ method: init?.method ?? 'GET', signal: init?.signal ?? undefined });
        return base.fetch(url, init);
      },
    };
    const conn = createConnection({ id: 'signals', transport: 'streamable-http', url: host.url }, { authorize: () => session, reconnect: false });
    await conn.connect();
    for (let i = 0; i < 200; i++) await conn.callTool('echo', { text: `n${i}` });
    const signals = seen.flatMap((s) => (s.signal ? [s.signal] : []));
    expect(signals.length).toBeGreaterThan(200);
    expect(new Set(signals).size).toBe(signals.length);
    expect(Math.max(...signals.map((s) => getEventListeners(s, 'abort').length))).toBeLessThanOrEqual(2);
    // The open notification stream (GET) is cut when the connection closes, through its own signal.
    const stream = seen.find((s) => s.method === 'GET')?.signal;
    expect(stream?.aborted).toBe(false);
    await conn.disconnect();
    await expect.poll(() => stream?.aborted).toBe(true);
  });
});
