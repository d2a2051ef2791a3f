/**
 * The era verdict rules without a server: when a remembered verdict is replayed (and when it is too old to trust),
 * which failures mean "the server no longer speaks that era", and how the per-server memory talks to its cache.
 */
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { createEraMemory, eraMaxAgeMs, isWrongEra, priorFor } from '../../main/mcp/era.ts';
import type { EraVerdict } from '../../main/mcp/era.ts';

const discover = { supportedVersions: ['2026-07-28'], capabilities: {} };
const http = (status: number) => new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'x', { status });

describe('priorFor', () => {
  it('replays a young verdict and ignores an old or future-dated one', () => {
    const now = 10 * eraMaxAgeMs.modern;
    expect(priorFor({ era: 'legacy', at: now - 1000 }, now)).toEqual({ kind: 'legacy' });
    expect(priorFor({ era: 'modern', at: now - 1000, discover }, now)).toEqual({ kind: 'modern', discover });
    // A legacy verdict never fails when the server gains the new wire, so it is re-checked daily.
    expect(priorFor({ era: 'legacy', at: now - eraMaxAgeMs.legacy - 1 }, now)).toBeUndefined();
    expect(priorFor({ era: 'modern', at: now - eraMaxAgeMs.legacy - 1, discover }, now)).toBeDefined();
    expect(priorFor({ era: 'modern', at: now - eraMaxAgeMs.modern - 1, discover }, now)).toBeUndefined();
    expect(priorFor({ era: 'legacy', at: now + 3600_000 }, now)).toBeUndefined();
    expect(priorFor(undefined, now)).toBeUndefined();
  });
});

describe('isWrongEra', () => {
  it('reads -32022 and the "no session" answers as a wrong era, not tool failures or auth', () => {
    expect(isWrongEra(new ProtocolError(-32022, 'unsupported'), 'legacy')).toBe(true);
    expect(isWrongEra(new ProtocolError(-32000, 'no valid session'), 'modern')).toBe(true);
    expect(isWrongEra(new ProtocolError(-32602, 'bad params'), 'modern')).toBe(false);
    expect(isWrongEra(new ProtocolError(-32603, 'internal'), 'modern')).toBe(false);
    expect(isWrongEra(http(400), 'modern')).toBe(true);
    expect(isWrongEra(http(401), 'modern')).toBe(false);
    expect(isWrongEra(http(403), 'legacy')).toBe(false);
    expect(isWrongEra(http(500), 'modern')).toBe(false);
    expect(isWrongEra(new TypeError('fetch failed'), 'legacy')).toBe(false);
  });

  it('leaves 404 and 405 to a legacy initialize to the SSE fallback', () => {
    expect(isWrongEra(http(405), 'legacy')).toBe(false);
    expect(isWrongEra(http(404), 'legacy')).toBe(false);
    expect(isWrongEra(http(405), 'modern')).toBe(true);
    expect(isWrongEra(new SdkError(SdkErrorCode.EraNegotiationFailed, 'no overlap'), 'modern')).toBe(true);
  });
});

describe('createEraMemory', () => {
  it('reads the cache once, remembers and forgets through it, and survives a cache that throws', async () => {
    const stored = new Map<string, EraVerdict | undefined>([['u', { era: 'legacy', at: 5 }]]);
    let gets = 0;
    const memory = createEraMemory('u', { get: (k) => (gets++, stored.get(k)), put: (k, v) => void stored.set(k, v) }, () => 10);
    expect(await memory.prior()).toEqual({ kind: 'legacy' });
    expect(await memory.prior()).toEqual({ kind: 'legacy' });
    expect(gets).toBe(1);
    memory.remember({ era: 'modern', at: 10, discover });
    await memory.settled();
    expect(stored.get('u')).toEqual({ era: 'modern', at: 10, discover });
    memory.forget();
    await memory.settled();
    expect(stored.get('u')).toBeUndefined();
    expect(await memory.prior()).toBeUndefined();

    const broken = createEraMemory('u', { get: () => Promise.reject(new Error('disk')), put: () => Promise.reject(new Error('disk')) }, () => 10);
    expect(await broken.prior()).toBeUndefined();
    broken.remember({ era: 'legacy', at: 10 });
    await expect(broken.settled()).resolves.toBeUndefined();
    expect(await broken.prior()).toEqual({ kind: 'legacy' });
  });
});
