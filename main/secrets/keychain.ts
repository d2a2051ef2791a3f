/**
 * The OS-keychain {@link SecretStore} on `@github/keytar` (macOS Keychain, Windows Credential Manager, the Secret
 * Service on Linux). The native module is loaded on first use, so the CLI's commands that need no secret never load
 * it, and a broken install becomes a typed error rather than a crash at start-up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { withFileLock } from '../fs/file-lock.ts';
import { classifyKeychainFailure, KeychainError, keychainError } from './errors.ts';
import type { SecretItem, SecretStore } from './store.ts';

/** The part of keytar's API Keyport uses. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** The keychain service of the default data directory. */
export const DEFAULT_SERVICE_NAME = 'Keyport';

/**
 * The account prefix of the write/read probe that detects a locked Secret Service collection. Each probe uses its
 * own account (pid + random), so concurrent probes in several processes never read each other's marker; probe
 * items are never listed.
 */
export const PROBE_ACCOUNT_PREFIX = '__keyport_probe__';

/**
 * A marker item written after the first successful full probe. A locked (or wrongly unlocked) collection reads every
 * item as missing, so reading this marker back proves the keychain is usable with one read and no write — which keeps
 * an app start or a CLI command from rewriting the keyring file. Listed under the probe prefix, so never listed.
 */
export const CANARY_ACCOUNT = `${PROBE_ACCOUNT_PREFIX}canary`;
const CANARY_VALUE = 'keyport';

/**
 * The largest value stored as one item on Windows: the Credential Manager caps a credential blob at 2,560 bytes,
 * and a token set (JWTs plus the authorization server's metadata) is larger. Longer values are split into parts.
 */
export const WINDOWS_MAX_VALUE_BYTES = 2_000;

/** The value of an item whose real value is split into `<account>#part-<i>` items. */
const CHUNK_MARKER = '\u0001keyport-chunks:';
const PART_PATTERN = /#part-\d+$/;

function partAccount(account: string, index: number): string {
  return `${account}#part-${index}`;
}

function chunkCount(head: string | null | undefined): number {
  if (typeof head !== 'string' || !head.startsWith(CHUNK_MARKER)) return 0;
  const n = Number(head.slice(CHUNK_MARKER.length));
  return Number.isInteger(n) && n > 0 && n < 10_000 ? n : 0;
}

/** Splits `value` into pieces of at most `maxBytes` UTF-8 bytes, never inside a code point. */
function splitValue(value: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of value) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) {
      parts.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  parts.push(current);
  return parts;
}

/** How long a successful probe is trusted before a listing probes again (a collection can be locked later). */
const PROBE_TTL_MS = 5_000;

/**
 * The keychain service name for a data directory: `Keyport` for the default one, `Keyport-<hash>` for any other, so
 * a test run or a second profile (`--data-dir`) never reads or overwrites the user's own items.
 */
export function serviceNameFor(dataDir: string, defaultDataDir: string): string {
  const dir = resolve(dataDir);
  if (dir === resolve(defaultDataDir)) return DEFAULT_SERVICE_NAME;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  return `${DEFAULT_SERVICE_NAME}-${hash}`;
}

let keytarModule: KeytarApi | undefined;

/** Loads `@github/keytar` once; a missing or broken native module becomes `keychain_unavailable`. */
export function loadKeytar(): KeytarApi {
  if (keytarModule !== undefined) return keytarModule;
  try {
    const require = createRequire(import.meta.url);
    keytarModule = require('@github/keytar') as KeytarApi;
    return keytarModule;
  } catch (cause) {
    throw new KeychainError(
      'keychain_unavailable',
      'The native keychain module (@github/keytar) could not be loaded: reinstall Keyport (`npm install`) with the ' +
        'same Node or Electron version that runs it.',
      { cause },
    );
  }
}

/** Options of {@link KeychainSecretStore}: the service name, and (for tests) a keytar stand-in. */
export interface KeychainSecretStoreOptions {
  readonly service: string;
  /** Injected keytar (tests of error mapping); defaults to the real native module, loaded lazily. */
  readonly keytar?: KeytarApi;
  /** The platform whose quirks apply; defaults to `process.platform`. */
  readonly platform?: NodeJS.Platform;
  /**
   * A lock file shared by every process using this service (Linux): listings, writes and deletions take it, because
   * libsecret crashes the process (keytar's `findCredentials`) when an item it is listing is deleted meanwhile; on
   * Windows a value split into parts must be written and read as a whole.
   */
  readonly lockFile?: string;
  /** Values longer than this are split into parts (default: {@link WINDOWS_MAX_VALUE_BYTES} on Windows, else none). */
  readonly maxValueBytes?: number;
}

/**
 * The keychain implementation of {@link SecretStore}. On Linux a locked collection makes libsecret return null for
 * reads (and can crash a listing), so before the first use and before each listing it writes, reads back and
 * deletes a probe item; a mismatch is `keychain_locked`, never "no item".
 */
export class KeychainSecretStore implements SecretStore {
  readonly service: string;
  readonly description: string;
  readonly #keytar: KeytarApi | undefined;
  readonly #platform: NodeJS.Platform;
  readonly #lockFile: string | undefined;
  readonly #maxValueBytes: number | undefined;
  #probedAt: number | undefined;
  #probing: Promise<void> | undefined;

  constructor(options: KeychainSecretStoreOptions) {
    this.service = options.service;
    this.#keytar = options.keytar;
    this.#platform = options.platform ?? process.platform;
    this.#lockFile = this.#platform === 'darwin' ? undefined : options.lockFile;
    this.#maxValueBytes = options.maxValueBytes ?? (this.#platform === 'win32' ? WINDOWS_MAX_VALUE_BYTES : undefined);
    const where =
      this.#platform === 'darwin'
        ? 'macOS Keychain'
        : this.#platform === 'win32'
          ? 'Windows Credential Manager'
          : 'Secret Service';
    this.description = `${where} (service "${this.service}")`;
  }

  #api(): KeytarApi {
    return this.#keytar ?? loadKeytar();
  }

  /** Verifies that the keychain stores and returns items (Linux only: a locked collection reads as empty). */
  async #probe(maxAgeMs: number): Promise<void> {
    if (this.#platform !== 'linux') return;
    if (this.#probedAt !== undefined && Date.now() - this.#probedAt <= maxAgeMs) return;
    this.#probing ??= this.#probeOnce().finally(() => (this.#probing = undefined));
    await this.#probing;
  }

  async #probeOnce(): Promise<void> {
    if (await this.#canaryPresent()) return;
    const api = this.#api();
    const account = `${PROBE_ACCOUNT_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
    const marker = randomBytes(8).toString('hex');
    try {
      await api.setPassword(this.service, account, marker);
      const back = await api.getPassword(this.service, account);
      if (back !== marker) throw keychainError('keychain_locked', undefined, this.#platform);
      await api.deletePassword(this.service, account);
      await api.setPassword(this.service, CANARY_ACCOUNT, CANARY_VALUE);
    } catch (err) {
      throw classifyKeychainFailure(err, this.#platform);
    }
    this.#probedAt = Date.now();
  }

  /** The cheap probe: true (and the probe counted as done) when the canary reads back. Reads only, so no lock. */
  async #canaryPresent(): Promise<boolean> {
    if (this.#platform !== 'linux') return true;
    const value = await this.#run((api) => api.getPassword(this.service, CANARY_ACCOUNT));
    if (value !== CANARY_VALUE) return false;
    this.#probedAt = Date.now();
    return true;
  }

  async #run<T>(op: (api: KeytarApi) => Promise<T>): Promise<T> {
    const api = this.#api();
    try {
      return await op(api);
    } catch (err) {
      throw classifyKeychainFailure(err, this.#platform);
    }
  }

  /** Runs `fn` under the cross-process keychain lock (when one is configured). */
  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const lockFile = this.#lockFile;
    if (lockFile === undefined) return fn();
    mkdirSync(dirname(lockFile), { recursive: true, mode: 0o700 });
    return withFileLock(lockFile, fn, { staleMs: 15_000, acquireTimeoutMs: 60_000 });
  }

  /** Reads an item, reassembling a value that was split into parts (a missing part leaves the marker: damaged). */
  async #readValue(api: KeytarApi, account: string): Promise<string | null> {
    const head = await api.getPassword(this.service, account);
    const n = chunkCount(head);
    if (n === 0) return head;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const part = await api.getPassword(this.service, partAccount(account, i));
      if (part === null) return head;
      parts.push(part);
    }
    return parts.join('');
  }

  /** Writes an item, split into parts when it is too long for one, and removes parts a previous value left. */
  async #writeValue(api: KeytarApi, account: string, value: string): Promise<void> {
    const max = this.#maxValueBytes;
    const before = max === undefined ? 0 : chunkCount(await api.getPassword(this.service, account));
    let count = 0;
    if (max === undefined || Buffer.byteLength(value) <= max) {
      await api.setPassword(this.service, account, value);
    } else {
      const parts = splitValue(value, max);
      for (const [i, part] of parts.entries()) await api.setPassword(this.service, partAccount(account, i), part);
      await api.setPassword(this.service, account, `${CHUNK_MARKER}${parts.length}`);
      count = parts.length;
    }
    for (let i = count; i < before; i++) await api.deletePassword(this.service, partAccount(account, i));
  }

  /** Deletes an item and its parts. */
  async #deleteValue(api: KeytarApi, account: string): Promise<boolean> {
    const n = this.#maxValueBytes === undefined ? 0 : chunkCount(await api.getPassword(this.service, account));
    for (let i = 0; i < n; i++) await api.deletePassword(this.service, partAccount(account, i));
    return api.deletePassword(this.service, account);
  }

  async get(account: string): Promise<string | undefined> {
    const read = (api: KeytarApi) => this.#readValue(api, account);
    // A value in parts is read under the lock, so a concurrent rewrite cannot mix two values.
    const readOnce = () => (this.#maxValueBytes === undefined ? this.#run(read) : this.#exclusive(() => this.#run(read)));
    let value = await readOnce();
    if (this.#platform === 'linux' && this.#probedAt === undefined) {
      if (value !== null) {
        // A locked collection reads every item as missing, so a value read back proves it usable: no probe needed.
        this.#probedAt = Date.now();
      } else if (!(await this.#canaryPresent())) {
        // Missing, or locked? Probe (throws keychain_locked), then read again from the proven collection.
        await this.#exclusive(() => this.#probe(Infinity));
        value = await readOnce();
      }
    }
    return value ?? undefined;
  }

  async set(account: string, value: string): Promise<void> {
    await this.#exclusive(async () => {
      await this.#probe(Infinity);
      await this.#run((api) => this.#writeValue(api, account, value));
      if (this.#platform === 'linux') {
        // A keyring unlocked with the wrong password accepts writes and reads back nothing: report it as locked.
        // (Under the lock nobody can delete the item in between; another value means another process wrote it.)
        const back = await this.#run((api) => api.getPassword(this.service, account));
        if (back === null) throw keychainError('keychain_locked', undefined, this.#platform);
      }
    });
  }

  async delete(account: string): Promise<boolean> {
    return this.#exclusive(async () => {
      await this.#probe(Infinity);
      return this.#run((api) => this.#deleteValue(api, account));
    });
  }

  async list(): Promise<readonly SecretItem[]> {
    const found = await this.#exclusive(async () => {
      await this.#probe(PROBE_TTL_MS);
      return this.#run((api) => api.findCredentials(this.service));
    });
    const byAccount = new Map(found.map((item) => [item.account, item.password]));
    const items: SecretItem[] = [];
    for (const { account, password } of found) {
      if (account.startsWith(PROBE_ACCOUNT_PREFIX)) continue;
      if (this.#maxValueBytes !== undefined && PART_PATTERN.test(account)) continue;
      const n = this.#maxValueBytes === undefined ? 0 : chunkCount(password);
      if (n === 0) {
        items.push({ account, value: password });
        continue;
      }
      const parts = Array.from({ length: n }, (_, i) => byAccount.get(partAccount(account, i)));
      items.push({ account, value: parts.every((p) => p !== undefined) ? parts.join('') : password });
    }
    return items;
  }
}
