/**
 * A {@link RefreshLock} that also excludes other processes (the app and the CLI share token families): an exclusive
 * lock file per family, created with O_EXCL, removed when done, taken over when older than `staleMs` (a crashed
 * holder). Inside one process, callers queue on an in-process lock first so only one of them polls the file.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OAuthError } from './errors.ts';
import { InProcessRefreshLock, type RefreshLock } from './store.ts';

/** Options of {@link FileRefreshLock}. */
export interface FileRefreshLockOptions {
  /** A lock older than this is considered abandoned (default 30 s; a refresh has a 30 s request timeout). */
  readonly staleMs?: number;
  /** Give up waiting after this long (default 60 s). */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

/** Cross-process single-flight per token family, through lock files in `dir`. */
export class FileRefreshLock implements RefreshLock {
  readonly #dir: string;
  readonly #staleMs: number;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #local = new InProcessRefreshLock();

  constructor(dir: string, options: FileRefreshLockOptions = {}) {
    this.#dir = dir;
    this.#staleMs = options.staleMs ?? 30_000;
    this.#waitMs = options.waitMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 25;
  }

  withLock<T>(familyKey: string, fn: () => Promise<T>): Promise<T> {
    return this.#local.withLock(familyKey, async () => {
      const path = join(this.#dir, `${createHash('sha256').update(familyKey).digest('hex').slice(0, 32)}.lock`);
      await this.#acquire(path);
      try {
        return await fn();
      } finally {
        await unlink(path).catch(() => undefined);
      }
    });
  }

  async #acquire(path: string): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      try {
        const handle = await open(path, 'wx', 0o600);
        await handle.writeFile(`${process.pid} ${Date.now()}\n`);
        await handle.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const info = await stat(path).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > this.#staleMs) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new OAuthError('token_request_failed', 'Another Keyport process has been refreshing these tokens for too long. Try again in a moment.');
      }
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
  }
}
