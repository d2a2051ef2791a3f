import { describe, expect, it } from 'vitest';
import { FAILURE_PAGE, startCallbackServer } from '../../main/oauth/callback-server.ts';

const expectations = { state: 'st-123', issuer: 'https://as.example', issRequired: false };

describe('loopback callback server (RFC 8252)', () => {
  it('binds 127.0.0.1 on an ephemeral port and resolves with the query on a valid callback', async () => {
    const cb = await startCallbackServer();
    expect(cb.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    cb.expect(expectations);
    const r = await fetch(`${cb.redirectUri}?code=abc&state=st-123`);
    expect(r.status).toBe(200);
    expect((await cb.result).get('code')).toBe('abc');
    await cb.close();
  });

  it('fails closed on a missing or wrong state and never echoes the query', async () => {
    for (const q of ['code=abc', 'code=abc&state=other', 'code=abc&state=st-123&state=st-123']) {
      const cb = await startCallbackServer();
      cb.expect(expectations);
      const r = await fetch(`${cb.redirectUri}?${q}&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
      expect(r.status).toBe(400);
      const html = await r.text();
      expect(html).toBe(FAILURE_PAGE);
      expect(html).not.toContain('script>alert');
      await expect(cb.result).rejects.toMatchObject({ code: 'state_mismatch' });
      await cb.close();
    }
  });

  it('checks iss (RFC 9207): wrong, or missing when the AS promised it', async () => {
    let cb = await startCallbackServer();
    cb.expect(expectations);
    await fetch(`${cb.redirectUri}?code=a&state=st-123&iss=https%3A%2F%2Fevil.example`);
    await expect(cb.result).rejects.toMatchObject({ code: 'iss_mismatch' });
    await cb.close();
    cb = await startCallbackServer();
    cb.expect({ ...expectations, issRequired: true });
    await fetch(`${cb.redirectUri}?code=a&state=st-123`);
    await expect(cb.result).rejects.toMatchObject({ code: 'iss_mismatch' });
    await cb.close();
    cb = await startCallbackServer();
    cb.expect({ ...expectations, issRequired: true });
    await fetch(`${cb.redirectUri}?code=a&state=st-123&iss=https%3A%2F%2Fas.example`);
    await expect(cb.result).resolves.toBeInstanceOf(URLSearchParams);
    await cb.close();
  });

  it('checks state before iss', async () => {
    const cb = await startCallbackServer();
    cb.expect(expectations);
    await fetch(`${cb.redirectUri}?code=a&state=bad&iss=https%3A%2F%2Fevil.example`);
    await expect(cb.result).rejects.toMatchObject({ code: 'state_mismatch' });
    await cb.close();
  });

  it('serves one path, GET only, and is single use', async () => {
    const cb = await startCallbackServer();
    cb.expect(expectations);
    expect((await fetch(`http://127.0.0.1:${cb.port}/other?state=st-123&code=a`)).status).toBe(404);
    expect((await fetch(`${cb.redirectUri}?state=st-123&code=a`, { method: 'POST' })).status).toBe(405);
    const first = await fetch(`${cb.redirectUri}?state=st-123&code=a`);
    expect(first.status).toBe(200);
    await cb.result;
    // The listener closes after the first hit; a second hit gets an error page or a refused connection.
    const second = await fetch(`${cb.redirectUri}?state=st-123&code=b`).then((r) => r.status, () => 'closed');
    expect(second === 400 || second === 'closed').toBe(true);
    await cb.close();
  });

  it('times out, cancels, and supports several pending logins at once', async () => {
    const a = await startCallbackServer({ timeoutMs: 50 });
    const b = await startCallbackServer();
    const controller = new AbortController();
    const c = await startCallbackServer({ signal: controller.signal });
    expect(new Set([a.port, b.port, c.port]).size).toBe(3);
    await expect(a.result).rejects.toMatchObject({ code: 'login_timeout' });
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
});
