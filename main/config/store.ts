/**
 * The server list on disk (`<dataDir>/servers.json`). Reads validate the whole file; a damaged file is copied to a
 * backup, reported with a typed error and never overwritten. Writes are atomic (temp file, fsync, rename, fsync of
 * the folder) and every change is a locked read-modify-write, so the app and the CLI can edit the list at once
 * without losing each other's changes.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { ConfigError } from './errors.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { withFileLock } from '../fs/file-lock.ts';
import { serversFile } from '../fs/paths.ts';
import { CONFIG_VERSION, configFileSchema, serverConfigSchema } from './schema.ts';
import type { ConfigFile, ServerConfig } from './schema.ts';

/** Kept for callers that import it from here; it lives in main/fs/. */
export { writeFileAtomic };

/** What an update callback returns: the new list and a value for the caller. */
export interface ConfigChange<T> {
  readonly servers: readonly ServerConfig[];
  readonly result: T;
}

/** Largest server list read (a few kilobytes per server). */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The server list of one data directory. */
export class ConfigStore {
  readonly dataDir: string;
  readonly file: string;
  readonly lockFile: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    this.file = serversFile(dataDir);
    this.lockFile = `${this.file}.lock`;
  }

  /** Parses the file's text; a damaged file is backed up and reported. */
  async #parse(text: string): Promise<ConfigFile> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw await this.#damaged('it is not valid JSON', text, cause);
    }
    const version = typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
    if (typeof version === 'number' && version > CONFIG_VERSION) {
      throw new ConfigError(
        'config_unsupported_version',
        `The server list ${this.file} was written by a newer Keyport (format ${version}); update Keyport to use it.`,
      );
    }
    const parsed = configFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined ? '' : `${issue.path.join('.') || 'root'}: ${issue.message}`;
      throw await this.#damaged(`it does not match the expected format (${where})`, text, parsed.error);
    }
    return parsed.data;
  }

  /** Copies a damaged file to `servers.json.damaged-<hash>` (once per content) and builds the error. */
  async #damaged(reason: string, text: string, cause: unknown): Promise<ConfigError> {
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 10);
    const backupPath = `${this.file}.damaged-${hash}`;
    try {
      await fs.writeFile(backupPath, text, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#io(err);
    }
    return new ConfigError(
      'config_damaged',
      `The server list ${this.file} is damaged (${reason}); a copy was kept as ${backupPath}. Fix the file, or move it away to start with an empty list.`,
      { cause, backupPath },
    );
  }

  #io(err: unknown): ConfigError {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return new ConfigError('config_io', `Keyport could not read or write ${this.file} (${code}); check the folder's permissions.`, {
      cause: err,
    });
  }

  async #read(): Promise<ConfigFile> {
    let text: string;
    try {
      const { size } = await fs.stat(this.file);
      if (size > MAX_CONFIG_BYTES) {
        throw new ConfigError('config_damaged', `The server list ${this.file} is ${Math.round(size / (1024 * 1024))} MB, far more than any server list; Keyport did not read it. Move it away to start with an empty list.`);
      }
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: CONFIG_VERSION, servers: [] };
      throw this.#io(err);
    }
    return this.#parse(text);
  }

  /**
   * Every configured server, validated. Throws `config_damaged` (with a backup) rather than guessing.
   *
   * A start asks for the list several times per server (statuses, connections, tool lists), so the parsed list is
   * kept while the file is unchanged (same size, mtime, ctime and inode: another process's atomic replace changes
   * them), and loads that overlap share one read. Before, a start with 100 servers read and validated the file 500
   * times.
   */
  load(): Promise<readonly ServerConfig[]> {
    this.#loading ??= this.#loadFresh().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  #cached: { readonly key: string; readonly servers: readonly ServerConfig[] } | undefined;
  #loading: Promise<readonly ServerConfig[]> | undefined;

  async #loadFresh(): Promise<readonly ServerConfig[]> {
    let key: string;
    try {
      const st = await fs.stat(this.file);
      key = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.#io(err);
    }
    if (this.#cached?.key === key) return this.#cached.servers;
    const servers = (await this.#read()).servers;
    this.#cached = { key, servers };
    return servers;
  }

  /**
   * A locked read-modify-write: `change` sees the current list (re-read under the lock) and returns the new one,
   * which is validated and written atomically.
   */
  async update<T>(change: (servers: readonly ServerConfig[]) => ConfigChange<T> | Promise<ConfigChange<T>>): Promise<T> {
    try {
      await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw this.#io(err);
    }
    return withFileLock(this.lockFile, async () => {
      const current = await this.#read();
      const next = await change(current.servers);
      const file = configFileSchema.safeParse({ version: CONFIG_VERSION, servers: next.servers });
      if (!file.success) {
        const issue = file.error.issues[0];
        throw new ConfigError('invalid_server', `Invalid server settings: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
      }
      try {
        await writeFileAtomic(this.file, `${JSON.stringify(file.data, null, 2)}\n`);
      } catch (err) {
        throw this.#io(err);
      } finally {
        // A load that started before this write must not be shared with callers after it.
        this.#cached = undefined;
        this.#loading = undefined;
      }
      return next.result;
    }, { staleMs: 10_000 });
  }

  /** Moves a damaged file out of the way (renamed to its backup name) so the list starts empty; returns the path. */
  async setAsideDamaged(): Promise<string | undefined> {
    return withFileLock(this.lockFile, async () => {
      let text: string;
      try {
        text = await fs.readFile(this.file, 'utf8');
      } catch {
        return undefined;
      }
      try {
        await this.#parse(text);
        return undefined;
      } catch (err) {
        if (!(err instanceof ConfigError) || err.backupPath === undefined) throw err;
        await fs.rm(this.file, { force: true });
        return err.backupPath;
      }
    });
  }
}

/** Validates one server object (for callers that build one outside an update). */
export function parseServerConfig(value: unknown): ServerConfig {
  const parsed = serverConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('invalid_server', `Invalid server settings: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  return parsed.data;
}
