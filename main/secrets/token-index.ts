/**
 * Which token set each server uses, kept in a small file next to the server list (`<dataDir>/token-index.json`):
 * server URL and account → the (issuer, resource, account) key of its token set. None of that is secret (the server
 * URL is in servers.json already, the issuer and resource are public metadata), so it does not need the keychain,
 * and a warm start reads this file and then exactly one keychain item instead of two.
 *
 * The file is only a hint. A missing, stale or damaged entry makes the engine check the set it leads to and fall back
 * to listing the keychain, so the worst case is a slower start, never a wrong token. Changes are locked
 * read-modify-writes with an atomic replace, so the app and the CLI can both sign in without losing entries.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { withFileLock } from '../fs/file-lock.ts';
import { refreshLockDir } from '../fs/paths.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { tokenSetKeyString } from '../oauth/store.ts';
import type { TokenSetKey } from '../oauth/store.ts';

/** The version of the file's format this code reads and writes. */
export const TOKEN_INDEX_VERSION = 1;

const keySchema = z.object({ issuer: z.string(), resource: z.string(), account: z.string() });
const fileSchema = z.object({ v: z.literal(TOKEN_INDEX_VERSION), servers: z.record(z.string(), keySchema) });
type Entries = Record<string, TokenSetKey>;

/** The index file of a data directory. */
export function tokenIndexFile(dataDir: string): string {
  return join(dataDir, 'token-index.json');
}

/** The lookup and upkeep the credential store needs from an index. */
export interface TokenSetIndex {
  /** The key of the set `serverUrl` and `account` last stored, if the index knows it. */
  get(serverUrl: string, account: string): Promise<TokenSetKey | undefined>;
  /** Points `serverUrl` and `account` at `key` (no write when it already does). */
  set(serverUrl: string, account: string, key: TokenSetKey): Promise<void>;
  /** Forgets every entry that points at `key` (its set was deleted). */
  forget(key: TokenSetKey): Promise<void>;
}

function entryName(serverUrl: string, account: string): string {
  return JSON.stringify([serverUrl, account]);
}

/** {@link TokenSetIndex} in `<dataDir>/token-index.json`. */
export class TokenSetIndexFile implements TokenSetIndex {
  readonly file: string;
  readonly #lockFile: string;

  constructor(dataDir: string) {
    this.file = tokenIndexFile(dataDir);
    this.#lockFile = join(refreshLockDir(dataDir), 'token-index.lock');
  }

  /**
   * Reads the entries; a missing or damaged file reads as empty (the engine then lists the keychain). The read is
   * synchronous on purpose: the file is a few hundred bytes and this is the first step of every warm start, where
   * the four thread-pool round trips of an async read would cost more than the read itself.
   */
  #read(): Entries {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.servers : {};
    } catch {
      return {};
    }
  }

  async get(serverUrl: string, account: string): Promise<TokenSetKey | undefined> {
    return this.#read()[entryName(serverUrl, account)];
  }

  async set(serverUrl: string, account: string, key: TokenSetKey): Promise<void> {
    const name = entryName(serverUrl, account);
    const current = this.#read()[name];
    if (current !== undefined && tokenSetKeyString(current) === tokenSetKeyString(key)) return;
    await this.#change((entries) => {
      entries[name] = { issuer: key.issuer, resource: key.resource, account: key.account };
      return true;
    });
  }

  async forget(key: TokenSetKey): Promise<void> {
    const gone = tokenSetKeyString(key);
    const pointsAt = (entries: Entries): string[] => Object.keys(entries).filter((name) => tokenSetKeyString(entries[name]!) === gone);
    if (pointsAt(this.#read()).length === 0) return;
    await this.#change((entries) => {
      const names = pointsAt(entries);
      for (const name of names) delete entries[name];
      return names.length > 0;
    });
  }

  /** A locked read-modify-write; `edit` returns whether it changed anything (else nothing is written). */
  async #change(edit: (entries: Entries) => boolean): Promise<void> {
    mkdirSync(dirname(this.#lockFile), { recursive: true, mode: 0o700 });
    await withFileLock(this.#lockFile, async () => {
      const entries = this.#read();
      if (!edit(entries)) return;
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, `${JSON.stringify({ v: TOKEN_INDEX_VERSION, servers: entries }, null, 2)}\n`);
    });
  }
}
