/**
 * The cross-process {@link RefreshLock}: one lock file per token family in `<dataDir>/locks/`, so the app and any
 * number of CLI processes never refresh the same rotating refresh token twice. A lock whose owner died, or that was
 * not kept fresh for `staleMs`, is recovered (see `withFileLock`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from '../fs/file-lock.ts';
import type { FileLockOptions } from '../fs/file-lock.ts';
import { refreshLockDir } from '../fs/paths.ts';
import type { RefreshLock } from '../oauth/store.ts';

/** The lock file of one token family (a hash: family keys contain URLs). */
export function refreshLockFile(dataDir: string, familyKey: string): string {
  const hash = createHash('sha256').update(familyKey).digest('hex').slice(0, 24);
  return join(refreshLockDir(dataDir), `refresh-${hash}.lock`);
}

/** A {@link RefreshLock} shared by every Keyport process using the same data directory. */
export class FileRefreshLock implements RefreshLock {
  readonly dataDir: string;
  readonly #options: FileLockOptions;

  constructor(dataDir: string, options: FileLockOptions = {}) {
    this.dataDir = dataDir;
    this.#options = { acquireTimeoutMs: 120_000, staleMs: 30_000, ...options };
  }

  async withLock<T>(familyKey: string, fn: () => Promise<T>): Promise<T> {
    mkdirSync(refreshLockDir(this.dataDir), { recursive: true, mode: 0o700 });
    return withFileLock(refreshLockFile(this.dataDir, familyKey), fn, this.#options);
  }
}
