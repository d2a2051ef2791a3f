/**
 * A small, non-secret JSON file of named entries (`{ "v": <version>, "servers": { <name>: <entry> } }`) that the app
 * and the CLI share: the token-set index, the account preferences. Reads are synchronous (the file is a few hundred
 * bytes and read on every start, where the thread-pool round trips of an async read cost more than the read) and a
 * missing, damaged or other-version file reads as empty. Changes are locked read-modify-writes with an atomic
 * replace, and nothing is written when an edit changes nothing.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';
import { withFileLock } from './file-lock.ts';

/** Largest entries file read (a few hundred bytes per server; thousands of servers fit easily). */
export const MAX_ENTRIES_FILE_BYTES = 4 * 1024 * 1024;

/** The entries of one file, by name. */
export type Entries<T> = Record<string, T>;

/** One shared entries file. */
export class EntriesFile<T> {
  readonly file: string;
  readonly #lockFile: string;
  readonly #version: number;
  readonly #schema: z.ZodType<{ v: number; servers: Record<string, T> }>;

  constructor(file: string, lockFile: string, version: number, entry: z.ZodType<T>) {
    this.file = file;
    this.#lockFile = lockFile;
    this.#version = version;
    this.#schema = z.object({ v: z.literal(version), servers: z.record(z.string(), entry) }) as unknown as z.ZodType<{ v: number; servers: Record<string, T> }>;
  }

  #cached: { readonly key: string; readonly entries: Readonly<Entries<T>> } | undefined;

  /**
   * Every entry; empty when the file is missing, damaged or of another version. A start asks once per server, so the
   * parsed entries are kept while the file is unchanged (same size, mtime, ctime and inode; another process's atomic
   * replace changes them). Read-only: {@link change} edits a fresh copy.
   */
  read(): Readonly<Entries<T>> {
    let key: string;
    try {
      const st = statSync(this.file);
      // A file grown past any real size (by a hostile or broken local process) reads as empty, unread.
      if (st.size > MAX_ENTRIES_FILE_BYTES) return {};
      key = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
    } catch {
      return {};
    }
    if (this.#cached?.key === key) return this.#cached.entries;
    const entries = this.#parse();
    this.#cached = { key, entries };
    return entries;
  }

  #parse(): Entries<T> {
    try {
      const parsed = this.#schema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data.servers : {};
    } catch {
      return {};
    }
  }

  /** A locked read-modify-write: `edit` changes the entries in place; the file is rewritten only if they changed. */
  async change(edit: (entries: Entries<T>) => void): Promise<void> {
    mkdirSync(dirname(this.#lockFile), { recursive: true, mode: 0o700 });
    await withFileLock(this.#lockFile, async () => {
      const size = statSync(this.file, { throwIfNoEntry: false })?.size;
      const entries = size === undefined || size > MAX_ENTRIES_FILE_BYTES ? {} : this.#parse();
      const before = JSON.stringify(entries);
      edit(entries);
      if (JSON.stringify(entries) === before) return;
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      this.#cached = undefined;
      await writeFileAtomic(this.file, `${JSON.stringify({ v: this.#version, servers: entries }, null, 2)}\n`);
    });
  }
}
