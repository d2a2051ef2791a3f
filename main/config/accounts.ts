/**
 * Which account each server's connection uses, and the names the user gave accounts (issue 13), in a small file next
 * to the server list (`<dataDir>/accounts.json`). Nothing here is secret: an account key and a label the user typed.
 * The tokens themselves stay in the keychain under (issuer, resource, account). The app and the CLI share the file;
 * changes are locked read-modify-writes with an atomic replace. A missing or damaged file reads as "every server uses
 * the `default` account, no names".
 */
import { join } from 'node:path';
import { z } from 'zod';
import { EntriesFile } from '../fs/entries-file.ts';
import { refreshLockDir } from '../fs/paths.ts';

/** The version of the file's format this code reads and writes. */
export const ACCOUNTS_FILE_VERSION = 1;

/** The account a server uses when the user never chose one (the engine's default account key). */
export const DEFAULT_ACCOUNT_KEY = 'default';

/** An account key as the command line and the window may name it. */
export const ACCOUNT_KEY_PATTERN = /^[A-Za-z0-9._@+-]{1,64}$/;

const serverPrefsSchema = z.object({
  active: z.string().regex(ACCOUNT_KEY_PATTERN).optional(),
  names: z.record(z.string().regex(ACCOUNT_KEY_PATTERN), z.string().min(1).max(80)).default({}),
});

/** One server's account preferences. */
export type ServerAccountPrefs = z.infer<typeof serverPrefsSchema>;

/** The account preferences of a data directory: active account and account names, per server id. */
export class AccountPrefsFile {
  readonly #entries: EntriesFile<ServerAccountPrefs>;

  constructor(dataDir: string) {
    this.#entries = new EntriesFile(join(dataDir, 'accounts.json'), join(refreshLockDir(dataDir), 'accounts.lock'), ACCOUNTS_FILE_VERSION, serverPrefsSchema);
  }

  /** The file's path. */
  get file(): string {
    return this.#entries.file;
  }

  /** A server's preferences (no active account and no names when it has none). */
  get(serverId: string): ServerAccountPrefs {
    return this.#entries.read()[serverId] ?? { names: {} };
  }

  /** The account a server's connection uses. */
  active(serverId: string): string {
    return this.get(serverId).active ?? DEFAULT_ACCOUNT_KEY;
  }

  /** Makes `account` the one the server's connection uses. */
  async setActive(serverId: string, account: string): Promise<void> {
    await this.#change(serverId, (prefs) => ({ ...prefs, active: account }));
  }

  /** Names an account (the name replaces what the tokens say in lists); an empty name removes it. */
  async rename(serverId: string, account: string, name: string): Promise<void> {
    const trimmed = name.trim();
    await this.#change(serverId, (prefs) => {
      const names = { ...prefs.names };
      if (trimmed === '') delete names[account];
      else names[account] = trimmed.slice(0, 80);
      return { ...prefs, names };
    });
  }

  /** Forgets an account's name (and makes `default` active again when it was the active one). */
  async forgetAccount(serverId: string, account: string): Promise<void> {
    await this.#change(serverId, (prefs) => {
      const { [account]: _gone, ...names } = prefs.names;
      return { names, ...(prefs.active !== undefined && prefs.active !== account ? { active: prefs.active } : {}) };
    });
  }

  /** Forgets everything about a server (it was removed). */
  async forgetServer(serverId: string): Promise<void> {
    await this.#change(serverId, () => undefined);
  }

  async #change(serverId: string, edit: (prefs: ServerAccountPrefs) => ServerAccountPrefs | undefined): Promise<void> {
    await this.#entries.change((entries) => {
      const next = edit(entries[serverId] ?? { names: {} });
      if (next === undefined || (next.active === undefined && Object.keys(next.names).length === 0)) delete entries[serverId];
      else entries[serverId] = next;
    });
  }
}
