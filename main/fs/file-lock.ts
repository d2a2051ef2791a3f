/**
 * A cross-process lock file: created with O_EXCL, holding the owner's pid, host and a random token, kept fresh by a
 * heartbeat while held. A lock whose owner is dead (same host) or whose heartbeat is older than `staleMs` is broken,
 * under a short-lived breaker lock so two waiters never both break it (and never break a fresh lock). Callers in one
 * process queue in memory first, so only one of them polls the file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting after this long (default 30 s). */
  readonly acquireTimeoutMs?: number;
  /** A lock not refreshed for this long is stale (default 30 s); the holder refreshes it every third of that. */
  readonly staleMs?: number;
}

/** Why a lock could not be taken: another process held it for longer than the caller would wait. */
export class LockTimeoutError extends Error {
  readonly code = 'lock_timeout';
  readonly path: string;

  constructor(path: string, waitedMs: number) {
    super(`Another Keyport process held the lock ${path} for more than ${Math.round(waitedMs / 1000)} s; try again, or remove the file if no Keyport process is running.`);
    this.name = 'LockTimeoutError';
    this.path = path;
  }
}

/** What a lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly createdAt: number;
}

const localQueues = new Map<string, Promise<unknown>>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<{ owner: LockOwner | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)]);
    let owner: LockOwner | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<LockOwner>;
      if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.host === 'string') {
        owner = parsed as LockOwner;
      }
    } catch {
      owner = undefined;
    }
    return { owner, mtimeMs: stat.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** True when the lock described by `info` can be broken. */
function isStale(info: { owner: LockOwner | undefined; mtimeMs: number }, staleMs: number): boolean {
  const age = Date.now() - info.mtimeMs;
  if (age > staleMs) return true;
  // A lock file with no readable owner is being written right now, or its writer died mid-write.
  if (info.owner === undefined) return age > 2_000;
  return info.owner.host === hostname() && !isAlive(info.owner.pid);
}

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    // No fsync: the lock's exclusivity comes from O_EXCL; after a crash the owner pid makes the file stale anyway.
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
  return true;
}

/** Breaks the lock at `path` if it is still the same stale one, under the breaker lock `path.break`. */
async function breakStale(path: string, staleMs: number, seenToken: string | undefined, seenMtime: number): Promise<void> {
  const breaker = `${path}.break`;
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), createdAt: Date.now() };
  if (!(await tryCreate(breaker, me))) {
    const info = await readOwner(breaker);
    // A breaker is held for milliseconds; one older than 5 s belongs to a process that died while breaking.
    if (info !== undefined && Date.now() - info.mtimeMs > 5_000) await fs.rm(breaker, { force: true });
    return;
  }
  try {
    const again = await readOwner(path);
    if (again !== undefined && again.owner?.token === seenToken && again.mtimeMs === seenMtime && isStale(again, staleMs)) {
      await fs.rm(path, { force: true });
    }
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

async function acquire(path: string, options: FileLockOptions): Promise<LockOwner> {
  const staleMs = options.staleMs ?? 30_000;
  const timeoutMs = options.acquireTimeoutMs ?? 30_000;
  const started = Date.now();
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(12).toString('hex'), createdAt: started };
  let delay = 5;
  for (;;) {
    if (await tryCreate(path, owner)) return owner;
    const info = await readOwner(path);
    if (info !== undefined && isStale(info, staleMs)) {
      await breakStale(path, staleMs, info.owner?.token, info.mtimeMs);
      continue;
    }
    if (Date.now() - started > timeoutMs) throw new LockTimeoutError(path, Date.now() - started);
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
}

async function release(path: string, owner: LockOwner): Promise<void> {
  const info = await readOwner(path);
  if (info?.owner?.token === owner.token) await fs.rm(path, { force: true });
}

/**
 * Runs `fn` while holding the lock file at `path` (its folder must exist), across processes and within this one.
 * The lock is released when `fn` settles, and kept fresh while `fn` runs.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const previous = localQueues.get(path) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  localQueues.set(path, tail);
  try {
    await previous;
    const owner = await acquire(path, options);
    const staleMs = options.staleMs ?? 30_000;
    const heartbeat = setInterval(() => {
      const now = new Date();
      fs.utimes(path, now, now).catch(() => undefined);
    }, Math.max(50, Math.floor(staleMs / 3)));
    heartbeat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      await release(path, owner);
    }
  } finally {
    done();
    if (localQueues.get(path) === tail) localQueues.delete(path);
  }
}
