import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LockTimeoutError, withFileLock } from '../../main/fs/file-lock.ts';
import { FileRefreshLock, refreshLockFile } from '../../main/secrets/refresh-lock.ts';

const child = fileURLToPath(new URL('./lock-child.ts', import.meta.url));
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-lock-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function runChild(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

/** A PID that belonged to a process which has exited. */
function deadPid(): number {
  const proc = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(proc.stdout);
}

function writeLock(file: string, pid: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ pid, host: hostname(), token: 'old', createdAt: 1 }));
}

describe('FileRefreshLock', () => {
  it('serializes one token family across two processes (each with concurrent callers)', async () => {
    const dataDir = tempDir();
    const counter = join(dataDir, 'counter');
    const args = [dataDir, 'family-1', '25', counter, '2'];
    const results = await Promise.all([runChild(args), runChild(args)]);
    expect(results).toEqual(['ok', 'ok']);
    expect(readFileSync(counter, 'utf8')).toBe('100');
    expect(existsSync(refreshLockFile(dataDir, 'family-1'))).toBe(false);
  });

  it('recovers a lock whose owner process is dead', async () => {
    const dataDir = tempDir();
    writeLock(refreshLockFile(dataDir, 'fam'), deadPid());
    const lock = new FileRefreshLock(dataDir, { acquireTimeoutMs: 2_000 });
    const started = Date.now();
    expect(await lock.withLock('fam', async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('recovers a lock older than the stale timeout even if its owner lives', async () => {
    const dataDir = tempDir();
    const file = refreshLockFile(dataDir, 'fam');
    writeLock(file, process.ppid);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const lock = new FileRefreshLock(dataDir, { acquireTimeoutMs: 2_000, staleMs: 30_000 });
    expect(await lock.withLock('fam', async () => 'ran')).toBe('ran');
  });

  it('waits for a live, fresh lock and gives up with a typed error', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'x.lock');
    writeLock(file, process.ppid);
    await expect(withFileLock(file, async () => 'never', { acquireTimeoutMs: 200 })).rejects.toBeInstanceOf(LockTimeoutError);
    expect(existsSync(file)).toBe(true);
  });

  it('keeps different families independent and releases on failure', async () => {
    const lock = new FileRefreshLock(tempDir());
    await expect(lock.withLock('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const order: string[] = [];
    await lock.withLock('a', async () => {
      await lock.withLock('b', async () => order.push('b inside a'));
    });
    expect(order).toEqual(['b inside a']);
  });
});
