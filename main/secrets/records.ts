/**
 * Versioned, validated records on top of a {@link SecretStore}. Every item Keyport writes is a JSON envelope
 * `{ v, kind, savedAt, data }`; reads validate the envelope and the data. A damaged item (not JSON, wrong shape, an
 * unknown version) is moved aside to `<account>#damaged-<time>`, reported, and read as absent: never a crash, and
 * never silently overwritten in place.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { KeychainError } from './errors.ts';
import type { SecretStore } from './store.ts';

/** The envelope version this code writes and reads. */
export const RECORD_VERSION = 1;

/** What a record holds: a client registration, a token set, or a secret the user entered. */
export type RecordKind = 'client' | 'tokens' | 'secret';

/** The marker in the account of an item that was set aside as damaged. */
export const DAMAGED_MARKER = '#damaged-';

const envelopeSchema = z.object({
  v: z.literal(RECORD_VERSION),
  kind: z.enum(['client', 'tokens', 'secret']),
  savedAt: z.number(),
  data: z.unknown(),
});

/** The keychain account of the client registration at one authorization server. */
export function clientAccount(issuer: string): string {
  return `client:${issuer}`;
}

/** The keychain account of the token set for one (issuer, resource, account) family. */
export function tokensAccount(issuer: string, resource: string, account: string): string {
  return `tokens:${JSON.stringify([issuer, resource, account])}`;
}

/** The (issuer, resource, account) of a token-set account, or undefined when `account` is not one. */
export function parseTokensAccount(
  account: string,
): { readonly issuer: string; readonly resource: string; readonly account: string } | undefined {
  if (!account.startsWith('tokens:') || account.includes(DAMAGED_MARKER)) return undefined;
  try {
    const parsed: unknown = JSON.parse(account.slice('tokens:'.length));
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((p) => typeof p === 'string')) {
      const [issuer, resource, acct] = parsed as [string, string, string];
      return { issuer, resource, account: acct };
    }
  } catch {
    // not a token-set account
  }
  return undefined;
}

/** The keychain account of a user-entered secret, referenced from the server list by its id. */
export function secretAccount(id: string): string {
  return `secret:${id}`;
}

/** What kind of user-entered secret a `secret:` record holds. */
export type UserSecretKind = 'client-secret' | 'private-key' | 'header' | 'env';

/** A secret the user entered (or that import moved out of another app's config), stored under `secret:<id>`. */
export interface UserSecretRecord {
  readonly kind: UserSecretKind;
  readonly value: string;
  /** A non-secret label: the header or variable name, the server it belongs to. */
  readonly label?: string;
}

const userSecretSchema = z.object({
  kind: z.enum(['client-secret', 'private-key', 'header', 'env']),
  value: z.string(),
  label: z.string().optional(),
});

/** What a reader is told about a damaged item: where it went and why (never its content). */
export interface DamagedItemReport {
  readonly account: string;
  readonly setAsideAs: string;
  readonly reason: string;
  readonly error: KeychainError;
}

/** Options of {@link SecretRecords}. */
export interface SecretRecordsOptions {
  /** Called once per damaged item found; the app shows it, the CLI prints a warning. */
  readonly onDamaged?: (report: DamagedItemReport) => void;
  readonly now?: () => number;
}

/** A record read by a listing: its account and its validated data. */
export interface ListedRecord<T> {
  readonly account: string;
  readonly data: T;
}

/** Typed, versioned access to the records of one keychain service. */
export class SecretRecords {
  readonly store: SecretStore;
  readonly #onDamaged: ((report: DamagedItemReport) => void) | undefined;
  readonly #now: () => number;

  constructor(store: SecretStore, options: SecretRecordsOptions = {}) {
    this.store = store;
    this.#onDamaged = options.onDamaged;
    this.#now = options.now ?? Date.now;
  }

  /** Parses and validates a raw item; a string reason when it is damaged. */
  #decode<T>(raw: string, kind: RecordKind, schema: z.ZodType<T>): { ok: true; data: T } | { ok: false; reason: string } {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { ok: false, reason: 'not valid JSON' };
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      const v = typeof json === 'object' && json !== null ? (json as { v?: unknown }).v : undefined;
      return { ok: false, reason: v !== undefined && v !== RECORD_VERSION ? `unknown version ${String(v)}` : 'not a Keyport record' };
    }
    if (envelope.data.kind !== kind) return { ok: false, reason: `holds a ${envelope.data.kind} record, expected ${kind}` };
    const data = schema.safeParse(envelope.data.data);
    if (!data.success) return { ok: false, reason: `invalid ${kind} record (${data.error.issues[0]?.path.join('.') || 'root'})` };
    return { ok: true, data: data.data };
  }

  /** Moves a damaged item to `<account>#damaged-<time>` and reports it. */
  async #setAside(account: string, raw: string, reason: string): Promise<void> {
    const setAsideAs = `${account}${DAMAGED_MARKER}${new Date(this.#now()).toISOString()}`;
    await this.store.set(setAsideAs, raw);
    await this.store.delete(account);
    const error = new KeychainError(
      'keychain_damaged_item',
      `A damaged keychain item (${reason}) was set aside as "${setAsideAs}"; sign in again to replace it.`,
      { setAsideAs },
    );
    this.#onDamaged?.({ account, setAsideAs, reason, error });
  }

  /** The validated record at `account`, or undefined when absent or damaged (then set aside and reported). */
  async read<T>(account: string, kind: RecordKind, schema: z.ZodType<T>): Promise<T | undefined> {
    const raw = await this.store.get(account);
    if (raw === undefined) return undefined;
    const decoded = this.#decode(raw, kind, schema);
    if (decoded.ok) return decoded.data;
    await this.#setAside(account, raw, decoded.reason);
    return undefined;
  }

  /** Writes `data` as a versioned record at `account`. */
  async write(account: string, kind: RecordKind, data: unknown): Promise<void> {
    const envelope = { v: RECORD_VERSION, kind, savedAt: this.#now(), data };
    await this.store.set(account, JSON.stringify(envelope));
  }

  /** Deletes the record at `account`; true when one existed. */
  async remove(account: string): Promise<boolean> {
    return this.store.delete(account);
  }

  /** Every valid record whose account starts with `prefix`; damaged ones are set aside and reported. */
  async list<T>(prefix: string, kind: RecordKind, schema: z.ZodType<T>): Promise<readonly ListedRecord<T>[]> {
    const out: ListedRecord<T>[] = [];
    for (const item of await this.store.list()) {
      if (!item.account.startsWith(prefix) || item.account.includes(DAMAGED_MARKER)) continue;
      const decoded = this.#decode(item.value, kind, schema);
      if (decoded.ok) out.push({ account: item.account, data: decoded.data });
      else await this.#setAside(item.account, item.value, decoded.reason);
    }
    return out;
  }

  /** Stores a user-entered secret under a new id and returns the id the server list references. */
  async putUserSecret(secret: UserSecretRecord): Promise<string> {
    const id = randomUUID();
    await this.write(secretAccount(id), 'secret', secret);
    return id;
  }

  /** Replaces the user-entered secret `id`. */
  async replaceUserSecret(id: string, secret: UserSecretRecord): Promise<void> {
    await this.write(secretAccount(id), 'secret', secret);
  }

  /** The user-entered secret `id`, or undefined when absent (or damaged, then set aside). */
  async getUserSecret(id: string): Promise<UserSecretRecord | undefined> {
    return this.read(secretAccount(id), 'secret', userSecretSchema);
  }

  /** Deletes the user-entered secret `id`. */
  async deleteUserSecret(id: string): Promise<boolean> {
    return this.remove(secretAccount(id));
  }
}
