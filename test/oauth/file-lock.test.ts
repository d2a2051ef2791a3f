import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileRefreshLock } from '../../main/oauth/file-lock.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('FileRefreshLock (cross-process single-flight)', () => {
  it('excludes holders that do not share memory, and removes its file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyport-lock-'));
    const a = new FileRefreshLock(dir, { pollMs: 5 });
    const b = new FileRefreshLock(dir, { pollMs: 5 }); // a second instance = another process
    const order: string[] = [];
    const work = (tag: string) => async () => {
      order.push(`start ${tag}`);
      await new Promise((r) => setTimeout(r, 30));
      order.push(`end ${tag}`);
    };
    await Promise.all([a.withLock('family', work('a')), b.withLock('family', work('b'))]);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(await readdir(dir)).toEqual([]);
  });

  it('excludes another OS process', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyport-lock-'));
    const lockUrl = new URL('../../main/oauth/file-lock.ts', import.meta.url).href;
    const script = `import { FileRefreshLock } from ${JSON.stringify(lockUrl)};
      const lock = new FileRefreshLock(${JSON.stringify(dir)}, { pollMs: 5 });
      await lock.withLock('family', async () => { console.log('child in'); await new Promise((r) => setTimeout(r, 300)); console.log('child out'); });`;
    const file = join(dir, 'child.mts');
    await writeFile(file, script);
    const child = spawn(process.execPath, ['--no-warnings', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const inside = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), out.includes('child in') && resolve())));
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    await inside;
    const lock = new FileRefreshLock(dir, { pollMs: 5 });
    await lock.withLock('family', async () => {
      expect(out).toContain('child out');
    });
    await exited;
  });

  it('takes over a stale lock left by a crashed holder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyport-lock-'));
    const lock = new FileRefreshLock(dir, { staleMs: 1_000, pollMs: 5 });
    // Find the file name by taking the lock once, then leave a stale copy behind.
    let name = '';
    await lock.withLock('family', async () => {
      name = (await readdir(dir!))[0]!;
    });
    await writeFile(join(dir, name), '99999 0\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, name), old, old);
    let ran = false;
    await lock.withLock('family', async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});
