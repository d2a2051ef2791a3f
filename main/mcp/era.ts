/**
 * Protocol eras: an HTTP server speaks the 2025-11-25 wire (`initialize`, sessions) or the 2026-07-28 one
 * (`server/discover`, a `_meta` envelope on every request), or both. The SDK's `'auto'` negotiation finds out with a
 * probe; this module remembers the verdict per server (in memory and, through an injected cache, on disk) so a warm
 * start replays it as `prior` and sends no probe, and recognises the failures that mean a remembered verdict went stale.
 */
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { Client, DiscoverResult, PriorDiscovery } from '@modelcontextprotocol/client';

/** The era a server answered with, and when Keyport learned it (ms since the epoch). */
export type EraVerdict =
  | { readonly era: 'legacy'; readonly at: number }
  | { readonly era: 'modern'; readonly at: number; readonly discover: Readonly<Record<string, unknown>> };

/**
 * Where verdicts live between starts, keyed by the server's MCP URL. main/config's era cache fits as it is; any
 * failure inside is the cache's own business (a verdict that cannot be read or written only costs a probe).
 */
export interface EraCacheSeam {
  readonly get: (serverKey: string) => Promise<EraVerdict | undefined> | EraVerdict | undefined;
  readonly put: (serverKey: string, verdict: EraVerdict | undefined) => Promise<void> | void;
}

/**
 * How long a verdict is replayed before Keyport probes again. A stale legacy verdict never fails (a server that
 * added the 2026-07-28 wire still answers `initialize`), so it is re-checked daily; a stale modern verdict fails at
 * the first request and is repaired then, so it may live longer.
 */
export const eraMaxAgeMs = { legacy: 24 * 3600_000, modern: 7 * 24 * 3600_000 } as const;

/** JSON-RPC codes a server answers a request of the wrong era with (-32022 unsupported version; -32000/-32001 the SDKs' "no session"; -32600 invalid request). */
const WRONG_ERA_RPC_CODES: ReadonlySet<number> = new Set([-32022, -32000, -32001, -32600]);

/** The verdict a freshly connected client reached. */
export function verdictOf(client: Client, now: number): EraVerdict {
  if (client.getProtocolEra() === 'modern') {
    const discover = client.getDiscoverResult();
    if (discover !== undefined) return { era: 'modern', at: now, discover: JSON.parse(JSON.stringify(discover)) as Record<string, unknown> };
  }
  return { era: 'legacy', at: now };
}

/** The SDK's `prior` for a verdict that is still young enough to replay, else undefined (probe again). */
export function priorFor(verdict: EraVerdict | undefined, now: number): PriorDiscovery | undefined {
  if (verdict === undefined || now - verdict.at > eraMaxAgeMs[verdict.era] || verdict.at > now + 60_000) return undefined;
  return verdict.era === 'legacy' ? { kind: 'legacy' } : { kind: 'modern', discover: verdict.discover as unknown as DiscoverResult };
}

/**
 * True when `err`, met while speaking the remembered era, says the server no longer speaks it: the request was
 * refused before it ran, so negotiating afresh and sending it again is safe. 404 and 405 to a legacy `initialize`
 * mean "wrong endpoint or an HTTP+SSE server", not "wrong era", and go to the SSE fallback instead.
 */
export function isWrongEra(err: unknown, era: EraVerdict['era']): boolean {
  if (err instanceof ProtocolError) return WRONG_ERA_RPC_CODES.has(err.code);
  if (err instanceof SdkHttpError) {
    const s = err.status;
    if (s < 400 || s >= 500 || s === 401 || s === 403) return false;
    return era === 'modern' || (s !== 404 && s !== 405);
  }
  // A modern verdict is adopted without a round trip: a connect that fails anyway is the verdict's fault
  // (no version in common any more, or a damaged discovery result).
  if (era === 'modern' && err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed) return true;
  return era === 'modern' && err instanceof TypeError;
}

/** One server's verdict: remembered in memory for reconnects, read from and written to the cache across starts. */
export interface EraMemory {
  /** The remembered verdict's `prior`, when one is fresh enough to replay. */
  readonly prior: () => Promise<PriorDiscovery | undefined>;
  /** Stores a verdict reached by negotiating (not one replayed from `prior`). */
  readonly remember: (verdict: EraVerdict) => void;
  /** Forgets a verdict that turned out to be stale. */
  readonly forget: () => void;
  /** Resolves once the cache writes started so far are done (a CLI command must not exit before). */
  readonly settled: () => Promise<void>;
}

/** Creates the era memory of one server. `cache` and its key are optional (no cache: memory only). */
export function createEraMemory(serverKey: string, cache: EraCacheSeam | undefined, now: () => number): EraMemory {
  let known: EraVerdict | undefined;
  let loaded = cache === undefined;
  let writing: Promise<void> = Promise.resolve();
  const safely = (fn: () => unknown): void => {
    // A cache that cannot be written only costs a probe later.
    writing = writing.then(async () => {
      await fn();
    }).catch(() => undefined);
  };
  return {
    async prior() {
      if (!loaded) {
        loaded = true;
        try {
          known ??= (await cache?.get(serverKey)) ?? undefined;
        } catch {
          known = undefined;
        }
      }
      return priorFor(known, now());
    },
    remember(verdict) {
      known = verdict;
      loaded = true;
      if (cache !== undefined) safely(() => cache.put(serverKey, verdict));
    },
    forget() {
      known = undefined;
      loaded = true;
      if (cache !== undefined) safely(() => cache.put(serverKey, undefined));
    },
    settled: () => writing,
  };
}
