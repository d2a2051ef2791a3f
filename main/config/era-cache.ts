/**
 * Which MCP protocol era each HTTP server answered with (`<dataDir>/protocol-eras.json`), so the next connection can
 * skip the `server/discover` probe: a 2026-07-28 server's discovery result is replayed, a 2025-era server gets its
 * `initialize` straight away. Nothing in it is secret (the server's own self-description and a timestamp); it is a
 * cache, so a damaged file reads as empty and the next connection simply negotiates again. The app and the CLI share
 * it through the same locked entries file as the token-set index.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { EntriesFile } from '../fs/entries-file.ts';
import { refreshLockDir } from '../fs/paths.ts';

/** What one server answered with, and when Keyport learned it (ms since the epoch). */
export type CachedEraVerdict =
  | { readonly era: 'legacy'; readonly at: number }
  | { readonly era: 'modern'; readonly at: number; readonly discover: Readonly<Record<string, unknown>> };

/** The cache as the connection layer sees it: keyed by the server's MCP URL. */
export interface EraCache {
  /** The verdict last stored for `serverKey`, or undefined (none, or unreadable). Never throws. */
  readonly get: (serverKey: string) => Promise<CachedEraVerdict | undefined>;
  /** Stores (or, with `undefined`, forgets) the verdict for `serverKey`. Never throws: a cache that cannot be written is only slower. */
  readonly put: (serverKey: string, verdict: CachedEraVerdict | undefined) => Promise<void>;
  /** Every stored verdict (for `keyport servers list --json`). */
  readonly all: () => Promise<Readonly<Record<string, CachedEraVerdict>>>;
}

/** Bounds: a hostile server cannot grow the file without limit through its discovery result. */
export const eraCacheLimits = { maxEntries: 128, maxDiscoverBytes: 32 * 1024 } as const;

const FILE_VERSION = 1;

const verdictSchema: z.ZodType<CachedEraVerdict> = z.union([
  z.object({ era: z.literal('legacy'), at: z.number().finite() }),
  z.object({ era: z.literal('modern'), at: z.number().finite(), discover: z.record(z.string(), z.unknown()) }),
]);

/** The cache file in a data directory. */
export function eraCacheFile(dataDir: string): string {
  return join(dataDir, 'protocol-eras.json');
}

/** Keeps the newest `maxEntries` verdicts. */
function trim(entries: Record<string, CachedEraVerdict>): void {
  const list = Object.entries(entries).sort((a, b) => b[1].at - a[1].at);
  for (const [key] of list.slice(eraCacheLimits.maxEntries)) delete entries[key];
}

/** Opens the era cache of a data directory. */
export function createEraCache(dataDir: string): EraCache {
  const file = new EntriesFile(eraCacheFile(dataDir), join(refreshLockDir(dataDir), 'protocol-eras.lock'), FILE_VERSION, verdictSchema);
  const read = (): Record<string, CachedEraVerdict> => {
    try {
      return file.read();
    } catch {
      return {};
    }
  };
  return {
    get: async (serverKey) => read()[serverKey],
    async put(serverKey, verdict) {
      const kept = verdict?.era === 'modern' && JSON.stringify(verdict.discover).length > eraCacheLimits.maxDiscoverBytes ? undefined : verdict;
      await file
        .change((entries) => {
          if (kept === undefined) delete entries[serverKey];
          else entries[serverKey] = kept;
          trim(entries);
        })
        .catch(() => undefined);
    },
    all: async () => read(),
  };
}
