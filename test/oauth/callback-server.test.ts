import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  CALLBACK_LIMITS,
  FAILURE_PAGE,
  NOT_FOUND_PAGE,
  REFUSED_PAGE,
  SUCCESS_PAGE,
  startCallbackServer,
  type CallbackRefusal,
  type CallbackServer,
  type CallbackServerOptions,
} from '../../main/oauth/callback-server.ts';

const expectations = { state: 'st-123', issuer: 'https://as.example', issRequired: false };

/** A receiver that is waiting for `st-123`, recording its refusals. */
async function waiting(options: CallbackServerOptions = {}): Promise<{ cb: CallbackServer; refused: CallbackRefusal[] }> {
  const refused: CallbackRefusal[] = [];
  const cb = await startCallbackServer({ onRefused: (r) => refused.push(r), ...options });
  cb.expect(expectations);
  return { cb, refused };
}

/** Sends raw bytes on a fresh connection and returns everything the receiver answered before closing. */
function raw(port: number, bytes: string | Buffer, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => socket.write(bytes));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

/** True while the login has not been decided. */
async function stillPending(cb: CallbackServer): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([cb.result.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r(marker), 50))]);
  return winner === marker;
}

describe('loopback callback server (RFC 8252)', () => {
  it('binds 127.0.0.1 on an ephemeral port and resolves with the query on a valid callback', async () => {
    const cb = await startCallbackServer();
    expect(cb.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    cb.expect(expectations);
    const r = await fetch(`${cb.redirectUri}?code=abc&state=st-123`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(SUCCESS_PAGE);
    expect((await cb.result).get('code')).toBe('abc');
    expect(cb.completedBy()).toBe('browser');
    await cb.close();
  });

  it('a forged callback with a wrong state does not cancel the pending sign-in', async () => {
    const { cb, refused } = await waiting();
    const forged = ['code=forged-code', 'code=forged-code&state=other', 'code=forged-code&state=st-123x', 'error=access_denied&state=wrong', 'state=&code=forged-code'];
    for (const q of forged) {
      const r = await fetch(`${cb.redirectUri}?${q}&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
      expect(r.status).toBe(400);
      expect(r.headers.get('connection')).toBe('close');
      const html = await r.text();
      expect(html).toBe(REFUSED_PAGE);
      expect(html).not.toContain('script>alert');
    }
    expect(await stillPending(cb)).toBe(true);
    expect(refused.map((r) => r.reason)).toEqual(['missing-state', 'wrong-state', 'wrong-state', 'wrong-state', 'wrong-state']);
    // Reasons only: nothing a request carried is kept.
    expect(JSON.stringify(cb.refusals())).not.toMatch(/forged|other|script|access_denied/);
    // The real browser still finds the listener and completes the sign-in.
    const real = await fetch(`${cb.redirectUri}?code=real&state=st-123`);
    expect(real.status).toBe(200);
    expect((await cb.result).get('code')).toBe('real');
    expect(cb.refusals()).toMatchObject({ total: 5, byReason: { 'missing-state': 1, 'wrong-state': 4 } });
    await cb.close();
  });

  it('a forged callback with a wrong or missing iss does not cancel the pending sign-in (RFC 9207)', async () => {
    const { cb, refused } = await waiting();
    expect((await fetch(`${cb.redirectUri}?code=a&state=st-123&iss=https%3A%2F%2Fevil.example`)).status).toBe(400);
    expect((await fetch(`${cb.redirectUri}?code=a&state=bad&iss=https%3A%2F%2Fevil.example`)).status).toBe(400);
    expect(await stillPending(cb)).toBe(true);
    // state is judged before iss.
    expect(refused.map((r) => r.reason)).toEqual(['wrong-iss', 'wrong-state']);
    await fetch(`${cb.redirectUri}?code=good&state=st-123&iss=https%3A%2F%2Fas.example`);
    expect((await cb.result).get('code')).toBe('good');
    await cb.close();

    const required = await waiting();
    required.cb.expect({ ...expectations, issRequired: true });
    expect((await fetch(`${required.cb.redirectUri}?code=a&state=st-123`)).status).toBe(400);
    expect(required.refused.map((r) => r.reason)).toEqual(['missing-iss']);
    await fetch(`${required.cb.redirectUri}?code=b&state=st-123&iss=https%3A%2F%2Fas.example`);
    expect((await required.cb.result).get('code')).toBe('b');
    await required.cb.close();
  });

  it('a repeated code does not show Signed in', async () => {
    const { cb, refused } = await waiting();
    for (const q of ['code=a&code=b&state=st-123', 'code=a&state=st-123&state=st-123', 'code=a&state=st-123&iss=https%3A%2F%2Fas.example&iss=https%3A%2F%2Fas.example', 'code=a&error=x&state=st-123', 'state=st-123']) {
      const r = await fetch(`${cb.redirectUri}?${q}`);
      expect(r.status).toBe(400);
      const html = await r.text();
      expect(html).toBe(REFUSED_PAGE);
      expect(html).not.toContain('Signed in');
      expect(html).toContain('Sign-in not completed');
    }
    expect(refused.map((r) => r.reason)).toEqual(['repeated-parameter', 'repeated-parameter', 'repeated-parameter', 'missing-code', 'missing-code']);
    expect(await stillPending(cb)).toBe(true);
    await fetch(`${cb.redirectUri}?code=one&state=st-123`);
    expect((await cb.result).getAll('code')).toEqual(['one']);
    await cb.close();
  });

  it('an error response with the right state ends the sign-in with that error', async () => {
    const { cb } = await waiting();
    const r = await fetch(`${cb.redirectUri}?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state=st-123`);
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toBe(FAILURE_PAGE);
    expect(html).not.toContain('<b>no');
    expect((await cb.result).get('error')).toBe('access_denied');
    await cb.close();
  });

  it('a request target that is not a plain path does not kill the login', async () => {
    const { cb, refused } = await waiting();
    const lines = [
      `GET //host:99999/callback?code=x&state=st-123 HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET http://127.0.0.1:${cb.port}/callback?code=x&state=st-123 HTTP/1.1\r\nHost: x\r\n\r\n`,
      'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
      'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /callback\\..\\?state=st-123 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET %%% HTTP/1.1\r\nHost: x\r\n\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
      'GET / HTTP/9.9\r\n\r\n',
      `GET /callback?${'a'.repeat(CALLBACK_LIMITS.maxHeaderBytes + 100)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /callback HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(CALLBACK_LIMITS.maxHeaderBytes)}\r\n\r\n`,
      'GET /callback HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'GET /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      'GET /callback HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    ];
    for (const line of lines) {
      const answer = await raw(cb.port, line);
      expect(answer === '' || /^HTTP\/1\.1 (400|404|405|431)/.test(answer), JSON.stringify(line.slice(0, 40))).toBe(true);
      expect(answer).not.toContain('Signed in');
      expect(answer).not.toContain('st-123');
    }
    expect(await stillPending(cb)).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(8);
    expect(refused.every((r) => r.source === 'browser')).toBe(true);
    await fetch(`${cb.redirectUri}?code=real&state=st-123`);
    expect((await cb.result).get('code')).toBe('real');
    await cb.close();
  });

  it('a few hundred half-open connections do not keep the browser out', async () => {
    const { cb } = await waiting();
    let cut = 0;
    const idle = await Promise.all(
      Array.from({ length: 300 }, (_, i) => new Promise<ReturnType<typeof connect>>((resolve) => {
        const s = connect(cb.port, '127.0.0.1', () => {
          if (i % 2 === 0) s.write('GET /callback?state=st-123&code=');
          resolve(s);
        });
        s.on('error', () => undefined);
        s.on('close', () => (cut += 1));
      })),
    );
    const started = Date.now();
    const r = await fetch(`${cb.redirectUri}?code=real&state=st-123`);
    expect(r.status).toBe(200);
    // Well inside the header timeout: the browser did not have to wait for the idle sockets to be cut.
    expect(Date.now() - started).toBeLessThan(CALLBACK_LIMITS.headersTimeoutMs);
    expect((await cb.result).get('code')).toBe('real');
    // The receiver never held more than its cap: the oldest connections were closed to make room.
    expect(cut).toBeGreaterThanOrEqual(300 + 1 - CALLBACK_LIMITS.maxConnections);
    await cb.close();
    for (const s of idle) s.destroy();
  });

  it('cuts a connection that sends its headers too slowly (slowloris)', async () => {
    const { cb } = await waiting();
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const s = connect(cb.port, '127.0.0.1', () => s.write('GET /callback?state=st-123 HTTP/1.1\r\n'));
      const drip = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 200);
      s.on('error', () => undefined);
      s.on('close', () => {
        clearInterval(drip);
        resolve();
      });
    });
    expect(Date.now() - started).toBeLessThan(CALLBACK_LIMITS.headersTimeoutMs + 2_000);
    expect(cb.refusals().byReason['request-timeout']).toBe(1);
    expect(await stillPending(cb)).toBe(true);
    cb.cancel();
    await cb.close();
  });

  it('serves one path, GET only, and is single use', async () => {
    const { cb } = await waiting();
    const other = await fetch(`http://127.0.0.1:${cb.port}/other?state=st-123&code=a`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe(NOT_FOUND_PAGE);
    expect((await fetch(`${cb.redirectUri}?state=st-123&code=a`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${cb.redirectUri}?state=st-123&code=a`, { method: 'HEAD' })).status).toBe(405);
    const first = await fetch(`${cb.redirectUri}?state=st-123&code=a`);
    expect(first.status).toBe(200);
    await first.text();
    await cb.result;
    // The listener closes after the first hit; a second hit gets a refusal or a refused connection.
    const second = await fetch(`${cb.redirectUri}?state=st-123&code=b`).then((r) => r.status, () => 'closed');
    expect(second === 400 || second === 'closed').toBe(true);
    expect((await cb.result).get('code')).toBe('a');
    await cb.close();
  });

  it('refuses a callback that arrives before the sign-in page was opened, and keeps waiting', async () => {
    const cb = await startCallbackServer();
    expect((await fetch(`${cb.redirectUri}?state=st-123&code=early`)).status).toBe(400);
    cb.expect(expectations);
    await fetch(`${cb.redirectUri}?state=st-123&code=late`);
    expect((await cb.result).get('code')).toBe('late');
    expect(cb.refusals().recent.map((r) => r.reason)).toEqual(['not-ready']);
    await cb.close();
  });

  it('keeps a bounded number of refusal records however many requests are refused', async () => {
    const { cb, refused } = await waiting();
    for (let i = 0; i < CALLBACK_LIMITS.maxRefusalsKept * 2; i++) await fetch(`${cb.redirectUri}?state=no-${i}&code=c`);
    const summary = cb.refusals();
    expect(summary.total).toBe(CALLBACK_LIMITS.maxRefusalsKept * 2);
    expect(summary.recent).toHaveLength(CALLBACK_LIMITS.maxRefusalsKept);
    expect(refused).toHaveLength(CALLBACK_LIMITS.maxRefusalsKept * 2);
    cb.cancel();
    await cb.close();
  });

  it('a listener that throws on a refusal does not break the receiver', async () => {
    const cb = await startCallbackServer({ onRefused: () => { throw new Error('listener bug'); } });
    cb.expect(expectations);
    expect((await fetch(`${cb.redirectUri}?state=bad&code=c`)).status).toBe(400);
    expect((await fetch(`${cb.redirectUri}?state=st-123&code=c`)).status).toBe(200);
    await cb.result;
    await cb.close();
  });

  it('times out (naming the last refusal), cancels, and supports several pending logins at once', async () => {
    const a = await startCallbackServer({ timeoutMs: 300 });
    const b = await startCallbackServer();
    const controller = new AbortController();
    const c = await startCallbackServer({ signal: controller.signal });
    expect(new Set([a.port, b.port, c.port]).size).toBe(3);
    a.expect(expectations);
    await fetch(`${a.redirectUri}?state=wrong&code=x`);
    await expect(a.result).rejects.toMatchObject({ code: 'login_timeout', message: expect.stringContaining('refused 1 response that did not belong to this sign-in (the last: its state did not match this sign-in)') });
    b.cancel();
    await expect(b.result).rejects.toMatchObject({ code: 'cancelled' });
    controller.abort();
    await expect(c.result).rejects.toMatchObject({ code: 'cancelled' });
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('reports a pinned port in use', async () => {
    const a = await startCallbackServer();
    await expect(startCallbackServer({ port: a.port })).rejects.toMatchObject({ code: 'callback_port_in_use' });
    a.cancel();
    await a.close();
  });

  it('close() returns promptly even while idle connections are open', async () => {
    const { cb } = await waiting();
    const idle = Array.from({ length: 20 }, () => connect(cb.port, '127.0.0.1').on('error', () => undefined));
    await new Promise((r) => setTimeout(r, 50));
    cb.cancel();
    const started = Date.now();
    await cb.close();
    expect(Date.now() - started).toBeLessThan(500);
    for (const s of idle) s.destroy();
  });
});

describe('callback host and path (issue 12)', () => {
  it('localhost: the redirect URI says localhost, the listener is on 127.0.0.1', async () => {
    const { cb } = await waiting({ host: 'localhost' });
    expect(cb.redirectUri).toBe(`http://localhost:${cb.port}/callback`);
    expect((await fetch(`http://127.0.0.1:${cb.port}/callback?state=st-123&code=l`)).status).toBe(200);
    expect((await cb.result).get('code')).toBe('l');
    await cb.close();
  });

  it('[::1]: the listener is on the IPv6 loopback only', async () => {
    const { cb } = await waiting({ host: '[::1]' });
    expect(cb.redirectUri).toBe(`http://[::1]:${cb.port}/callback`);
    const v4 = await fetch(`http://127.0.0.1:${cb.port}/callback?state=st-123&code=x`).then((r) => r.status, () => 'refused');
    expect(v4).toBe('refused');
    expect((await fetch(`${cb.redirectUri}?state=st-123&code=six`)).status).toBe(200);
    expect((await cb.result).get('code')).toBe('six');
    await cb.close();
  });

  it('a custom path is the only one served; an unsafe path or host is refused', async () => {
    const { cb } = await waiting({ path: '/oauth/done' });
    expect(cb.redirectUri).toBe(`http://127.0.0.1:${cb.port}/oauth/done`);
    expect((await fetch(`http://127.0.0.1:${cb.port}/callback?state=st-123&code=x`)).status).toBe(404);
    expect((await fetch(`${cb.redirectUri}?state=st-123&code=p`)).status).toBe(200);
    await cb.close();
    for (const path of ['callback', '//evil/callback', '/a?b', '/a b', '/%2e%2e']) {
      await expect(startCallbackServer({ path })).rejects.toMatchObject({ code: 'local_failure' });
    }
    await expect(startCallbackServer({ host: 'example.com' as '127.0.0.1' })).rejects.toMatchObject({ code: 'local_failure' });
  });
});

describe('a pasted redirected address (issue 13)', () => {
  it('completes the sign-in exactly like the browser would', async () => {
    const { cb } = await waiting();
    expect(cb.submitPasted(`  ${cb.redirectUri}?code=pasted&state=st-123\n`)).toEqual({ accepted: true });
    expect((await cb.result).get('code')).toBe('pasted');
    expect(cb.completedBy()).toBe('paste');
    // The browser arriving second finds the sign-in decided.
    const late = await fetch(`${cb.redirectUri}?code=browser&state=st-123`).then((r) => r.status, () => 'closed');
    expect(late === 400 || late === 'closed').toBe(true);
    expect((await cb.result).get('code')).toBe('pasted');
    await cb.close();
  });

  it('accepts the address without its scheme, as some address bars show it', async () => {
    const { cb } = await waiting();
    expect(cb.submitPasted(`127.0.0.1:${cb.port}/callback?code=p&state=st-123`).accepted).toBe(true);
    await cb.close();
  });

  it('a forged pasted address is refused without echoing it, and the real one still works', async () => {
    const { cb, refused } = await waiting({ now: () => 42 });
    const secretish = 'SECRET-PASTE-MARKER';
    const cases: [string, string][] = [
      [`${cb.redirectUri}?code=${secretish}&state=wrong`, 'wrong-state'],
      [`${cb.redirectUri}?code=${secretish}`, 'missing-state'],
      [`${cb.redirectUri}?code=${secretish}&state=st-123&iss=https%3A%2F%2Fevil.example`, 'wrong-iss'],
      [`${cb.redirectUri}?code=${secretish}&code=2&state=st-123`, 'repeated-parameter'],
      [`http://127.0.0.1:${cb.port + 1}/callback?code=${secretish}&state=st-123`, 'not-this-redirect-uri'],
      [`https://127.0.0.1:${cb.port}/callback?code=${secretish}&state=st-123`, 'not-this-redirect-uri'],
      [`http://localhost:${cb.port}/callback?code=${secretish}&state=st-123`, 'not-this-redirect-uri'],
      [`http://u:p@127.0.0.1:${cb.port}/callback?code=${secretish}&state=st-123`, 'not-this-redirect-uri'],
      [`http://127.0.0.1:${cb.port}/other?code=${secretish}&state=st-123`, 'not-this-redirect-uri'],
      [`${secretish} \u001b]52;c;aGk=\u0007`, 'not-this-redirect-uri'],
      [`${cb.redirectUri}?state=st-123&code=${secretish}${'x'.repeat(CALLBACK_LIMITS.maxPastedLength)}`, 'not-this-redirect-uri'],
    ];
    for (const [address, reason] of cases) {
      const answer = cb.submitPasted(address);
      expect(answer.accepted).toBe(false);
      expect(answer.reason, address.slice(0, 60)).toBe(reason);
      expect(answer.message).toMatch(/^Keyport refused the pasted address: /);
      expect(JSON.stringify(answer)).not.toContain(secretish);
      expect(JSON.stringify(answer)).not.toContain('\u001b');
    }
    expect(refused.every((r) => r.source === 'paste' && r.at === 42)).toBe(true);
    expect(JSON.stringify(cb.refusals())).not.toContain(secretish);
    expect(await stillPending(cb)).toBe(true);
    expect(cb.submitPasted(`${cb.redirectUri}?code=real&state=st-123`).accepted).toBe(true);
    expect(cb.submitPasted(`${cb.redirectUri}?code=again&state=st-123`)).toMatchObject({ accepted: false, reason: 'already-completed' });
    expect((await cb.result).get('code')).toBe('real');
    await cb.close();
  });

  it('a pasted error response with the right state ends the sign-in with that error', async () => {
    const { cb } = await waiting();
    expect(cb.submitPasted(`${cb.redirectUri}?error=access_denied&state=st-123`).accepted).toBe(true);
    expect((await cb.result).get('error')).toBe('access_denied');
    await cb.close();
  });

  it('checks a pasted [::1] or localhost address against that host', async () => {
    const six = await waiting({ host: '[::1]' });
    expect(six.cb.submitPasted(`http://127.0.0.1:${six.cb.port}/callback?code=a&state=st-123`).reason).toBe('not-this-redirect-uri');
    expect(six.cb.submitPasted(`http://[::1]:${six.cb.port}/callback?code=a&state=st-123`).accepted).toBe(true);
    await six.cb.close();
    const named = await waiting({ host: 'localhost' });
    expect(named.cb.submitPasted(`http://LOCALHOST:${named.cb.port}/callback?code=a&state=st-123`).accepted).toBe(true);
    await named.cb.close();
  });
});
