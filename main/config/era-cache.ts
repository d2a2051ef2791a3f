/**
 * Which MCP protocol era each HTTP server answered with (`<dataDir>/protocol-eras.json`), so the next connection can
 * skip the `server/discover` probe: a 2026-07-28 server's discovery result is replayed, a 2025-era server gets its
 * `initialize` straight away. Nothing in it is secret (the server's own self-description and a timestamp); it is a
 * cache, so a damaged or oversized file reads as empty and the next connection simply negotiates again.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.ts';

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
export const eraCacheLimits = { maxEntries: 256, maxDiscoverBytes: 64 * 1024, maxFileBytes: 4 * 1024 * 1024 } as const;

const FILE_VERSION = 1;

/** The cache file in a data directory. */
export function eraCacheFile(dataDir: string): string {
  return join(dataDir, 'protocol-eras.json');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One entry as read from disk, or undefined when it does not have the expected shape. */
function readEntry(value: unknown): CachedEraVerdict | undefined {
  if (!isRecord(value) || typeof value.at !== 'number' || !Number.isFinite(value.at)) return undefined;
  if (value.era === 'legacy') return { era: 'legacy', at: value.at };
  if (value.era === 'modern' && isRecord(value.discover)) return { era: 'modern', at: value.at, discover: value.discover };
  return undefined;
}

/** Reads the whole file; anything missing, damaged, too large or of another version reads as empty. */
async function readAll(file: string): Promise<Record<string, CachedEraVerdict>> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > eraCacheLimits.maxFileBytes) return {};
    text = await fs.readFile(file, 'utf8');
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (!isRecord(json) || json.version !== FILE_VERSION || !isRecord(json.servers)) return {};
  const out: Record<string, CachedEraVerdict> = {};
  for (const [key, value] of Object.entries(json.servers)) {
    const entry = readEntry(value);
    if (entry !== undefined) out[key] = entry;
  }
  return out;
}

/** Keeps the newest `maxEntries` verdicts. */
function trim(entries: Record<string, CachedEraVerdict>): Record<string, CachedEraVerdict> {
  const list = Object.entries(entries);
  if (list.length <= eraCacheLimits.maxEntries) return entries;
  list.sort((a, b) => b[1].at - a[1].at);
  return Object.fromEntries(list.slice(0, eraCacheLimits.maxEntries));
}

/**
 * Opens the era cache of a data directory. Writes are atomic and serialized within the process; two processes
 * writing at once can lose one update, which costs one extra probe on a later connection and nothing else.
 */
export function createEraCache(dataDir: string): EraCache {
  const file = eraCacheFile(dataDir);
  let queue: Promise<void> = Promise.resolve();
  return {
    async get(serverKey) {
      return (await readAll(file))[serverKey];
    },
    put(serverKey, verdict) {
      const run = queue.then(async () => {
        if (verdict?.era === 'modern' && JSON.stringify(verdict.discover).length > eraCacheLimits.maxDiscoverBytes) verdict = undefined;
        const entries = await readAll(file);
        if (verdict === undefined) {
          if (!(serverKey in entries)) return;
          delete entries[serverKey];
        } else {
          entries[serverKey] = verdict;
        }
        await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
        await writeFileAtomic(file, `${JSON.stringify({ version: FILE_VERSION, servers: trim(entries) }, null, 2)}\n`);
      });
      queue = run.catch(() => undefined);
      return queue;
    },
    all: () => readAll(file),
  };
}
