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
import { join } from 'node:path';
import { z } from 'zod';
import { EntriesFile } from '../fs/entries-file.ts';
import { refreshLockDir } from '../fs/paths.ts';
import { tokenSetKeyString } from '../oauth/store.ts';
import type { TokenSetKey } from '../oauth/store.ts';

/** The version of the file's format this code reads and writes. */
export const TOKEN_INDEX_VERSION = 1;

const keySchema = z.object({ issuer: z.string(), resource: z.string(), account: z.string() });

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
  readonly #entries: EntriesFile<TokenSetKey>;

  constructor(dataDir: string) {
    this.#entries = new EntriesFile(tokenIndexFile(dataDir), join(refreshLockDir(dataDir), 'token-index.lock'), TOKEN_INDEX_VERSION, keySchema);
  }

  /** The file's path. */
  get file(): string {
    return this.#entries.file;
  }

  async get(serverUrl: string, account: string): Promise<TokenSetKey | undefined> {
    return this.#entries.read()[entryName(serverUrl, account)];
  }

  async set(serverUrl: string, account: string, key: TokenSetKey): Promise<void> {
    const name = entryName(serverUrl, account);
    const current = this.#entries.read()[name];
    if (current !== undefined && tokenSetKeyString(current) === tokenSetKeyString(key)) return;
    await this.#entries.change((entries) => {
      entries[name] = { issuer: key.issuer, resource: key.resource, account: key.account };
    });
  }

  async forget(key: TokenSetKey): Promise<void> {
    const gone = tokenSetKeyString(key);
    const pointsAt = (entries: Readonly<Record<string, TokenSetKey>>): string[] => Object.keys(entries).filter((name) => tokenSetKeyString(entries[name]!) === gone);
    if (pointsAt(this.#entries.read()).length === 0) return;
    await this.#entries.change((entries) => {
      for (const name of pointsAt(entries)) delete entries[name];
    });
  }
}
