/**
 * The loopback receiver under a flood from local processes (issue 11 §1): thousands of hostile requests over raw TCP
 * and HTTP (garbage, odd request targets, huge and endless headers, forged and malformed callbacks, pipelining, bodies,
 * upgrades), a few hundred half-open connections that reconnect when cut, and slowloris senders — all during a
 * pending sign-in on 127.0.0.1. The login must keep waiting, never accept a forged code, stay within its memory bound,
 * and let the real browser's callback through within seconds. Seeded, bounded in count and time.
 */
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CALLBACK_LIMITS, startCallbackServer, type CallbackServer } from '../../main/oauth/callback-server.ts';

const STATE = 'fuzz-state-0123456789abcdef';
const FLOOD_REQUESTS = 3_000;
const SECOND_WAVE = 1_000;
const WORKERS = 48;
const HALF_OPEN = 300;
const SLOWLORIS = 16;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One hostile request's bytes. */
function hostileRequest(rand: () => number, port: number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const word = () => Math.floor(rand() * 1e9).toString(36);
  const targets = [
    '//host:99999/callback', `http://127.0.0.1:${port}/callback?state=${STATE}&code=x`, '*', '/callback/../callback', '%',
    '/callback?%zz=%', '/callback?state=%00&code=%ff', '/\u0000callback', '/callback?' + '&'.repeat(500), '/callback#frag',
    `/callback?state=${STATE}x&code=forged`, '/CALLBACK', '/callback;x', 'callback', '/callback?state[]=1', '/favicon.ico',
  ];
  const forgedQueries = [
    `code=forged-${word()}&state=${word()}`,
    `code=forged-${word()}`,
    `code=forged-${word()}&state=${STATE}&code=forged-${word()}`,
    `code=forged-${word()}&state=${STATE}&state=${word()}`,
    `code=forged-${word()}&state=${STATE}&iss=https%3A%2F%2Fevil.example`,
    `error=access_denied&state=${word()}`,
    `state=${STATE}`,
    `code=forged&error=x&state=${STATE}`,
    Array.from({ length: 200 }, (_, i) => `p${i}=${i}`).join('&') + `&state=${STATE}&code=forged-many`,
  ];
  const get = (target: string, headers = 'Host: 127.0.0.1\r\n') => `GET ${target} HTTP/1.1\r\n${headers}\r\n`;
  switch (Math.floor(rand() * 14)) {
    case 0:
      return bytes(1 + Math.floor(rand() * 2_000));
    case 1:
      return Buffer.from(get(pick(targets)), 'latin1');
    case 2:
      return Buffer.from(get(`/callback?${pick(forgedQueries)}`));
    case 3:
      return Buffer.from(get('/callback', `Host: x\r\nX-Huge: ${'h'.repeat(10_000 + Math.floor(rand() * 20_000))}\r\n`));
    case 4:
      return Buffer.from(get('/callback', Array.from({ length: 800 }, (_, i) => `X-${i}: ${i}\r\n`).join('')));
    case 5:
      return Buffer.from(`${pick(['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'HEAD', 'OPTIONS', 'PRI'])} /callback?${pick(forgedQueries)} HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n${'b'.repeat(20)}`);
    case 6:
      return Buffer.from(Array.from({ length: 20 }, () => get(`/callback?${pick(forgedQueries)}`)).join(''));
    case 7:
      return Buffer.from(`GET /callback?${pick(forgedQueries)} HTTP/1.0\r\n\r\n`);
    case 8:
      return Buffer.from('GET /callback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzzz\r\n' + 'x'.repeat(5_000));
    case 9:
      return Buffer.from(pick(['CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n', `GET /callback?${pick(forgedQueries)} HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n`, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n']));
    case 10:
      return Buffer.concat([Buffer.from('GET /callback?state='), bytes(200), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]);
    case 11:
      return Buffer.from(`GET /callback?${'q'.repeat(CALLBACK_LIMITS.maxHeaderBytes * 2)} HTTP/1.1\r\n`);
    case 12:
      return Buffer.from(get(`/callback?${pick(forgedQueries)}`, `Host: x\r\nHost: y\r\nContent-Length: 1\r\nContent-Length: 2\r\n`));
    default:
      return Buffer.from(get(`/callback?${pick(forgedQueries)}`).slice(0, 10 + Math.floor(rand() * 30)));
  }
}

/** Sends one request on its own connection; settles when the receiver closes it (or after 600 ms, then cuts it). */
function fire(port: number, payload: Buffer, cutEarly: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 600);
    socket.on('connect', () => {
      socket.write(payload);
      if (cutEarly) done();
    });
    socket.on('data', () => undefined);
    socket.on('error', done);
    socket.on('close', done);
  });
}

async function flood(port: number, count: number, seed: number): Promise<void> {
  const rand = prng(seed);
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < count) {
        next += 1;
        await fire(port, hostileRequest(rand, port), rand() < 0.05);
      }
    }),
  );
}

/** Connections that connect and stay silent (or send half a request line), reconnecting when cut, until stopped. */
function halfOpen(port: number, count: number): { stop: () => void } {
  let stopped = false;
  const open = new Set<Socket>();
  const one = (i: number): void => {
    if (stopped) return;
    const s = connect(port, '127.0.0.1', () => {
      if (i % 3 === 0) s.write('GET /callback?state=');
    });
    open.add(s);
    s.on('error', () => undefined);
    s.on('close', () => {
      open.delete(s);
      setTimeout(() => one(i), 20);
    });
  };
  for (let i = 0; i < count; i++) one(i);
  return {
    stop: () => {
      stopped = true;
      for (const s of open) s.destroy();
    },
  };
}

/** Senders that drip one header line every 250 ms, reconnecting when cut, until stopped. */
function slowloris(port: number, count: number): { stop: () => void } {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const open = new Set<Socket>();
  const one = (): void => {
    if (stopped) return;
    const s = connect(port, '127.0.0.1', () => s.write('GET /callback?state=x HTTP/1.1\r\n'));
    open.add(s);
    const drip = setInterval(() => s.writable && s.write(`X-Drip-${Date.now()}: 1\r\n`), 250);
    timers.add(drip);
    s.on('error', () => undefined);
    s.on('close', () => {
      clearInterval(drip);
      timers.delete(drip);
      open.delete(s);
      setTimeout(one, 50);
    });
  };
  for (let i = 0; i < count; i++) one();
  return {
    stop: () => {
      stopped = true;
      for (const t of timers) clearInterval(t);
      for (const s of open) s.destroy();
    },
  };
}

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function pending(cb: CallbackServer): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([cb.result.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r(marker), 50))])) === marker;
}

describe('callback receiver under a local flood', () => {
  it('survives thousands of hostile requests and half-open connections, then the real callback signs in within seconds', async () => {
    const started = Date.now();
    const cb = await startCallbackServer({ timeoutMs: 60_000 });
    cb.expect({ state: STATE, issuer: 'https://as.example', issRequired: false });
    // Warm up (first-use allocations of the HTTP parser and sockets) before the baseline.
    await flood(cb.port, 200, 1);
    const heapBefore = heapMb();
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss / 2 ** 20)), 100);

    const idle = halfOpen(cb.port, HALF_OPEN);
    const slow = slowloris(cb.port, SLOWLORIS);
    await flood(cb.port, FLOOD_REQUESTS, 7);
    expect(await pending(cb)).toBe(true);
    const refusedInFlood = cb.refusals();
    expect(refusedInFlood.total).toBeGreaterThan(FLOOD_REQUESTS / 2);
    expect(refusedInFlood.recent.length).toBeLessThanOrEqual(CALLBACK_LIMITS.maxRefusalsKept);

    // The real browser arrives in the middle of a second wave, with the half-open and slow senders still going.
    const wave = flood(cb.port, SECOND_WAVE, 99);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const real = await fetch(`${cb.redirectUri}?code=the-real-code&state=${STATE}`);
    const latencyMs = Date.now() - t0;
    expect(real.status).toBe(200);
    expect(await real.text()).toContain('Signed in');
    const params = await cb.result;
    expect(params.getAll('code')).toEqual(['the-real-code']);
    expect(latencyMs).toBeLessThan(3_000);
    await wave;
    idle.stop();
    slow.stop();
    clearInterval(sampler);
    await cb.close();

    await new Promise((r) => setTimeout(r, 100));
    const heapGrowth = heapMb() - heapBefore;
    const rssGrowth = rssPeak - rssBefore;
    console.log(
      `callback fuzz: ${FLOOD_REQUESTS + SECOND_WAVE} hostile requests, ${HALF_OPEN} half-open, ${SLOWLORIS} slowloris; ` +
        `refused ${cb.refusals().total}; real callback ${latencyMs} ms; heap +${heapGrowth.toFixed(1)} MB after GC; ` +
        `peak RSS +${rssGrowth.toFixed(1)} MB; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(heapGrowth).toBeLessThan(8);
    expect(rssGrowth).toBeLessThan(150);
    expect(Date.now() - started).toBeLessThan(25_000);
  }, 30_000);
});
