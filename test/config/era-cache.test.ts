/**
 * The protocol-era cache on disk: verdicts survive a restart, damaged files read as empty, a hostile server's
 * discovery result cannot grow the file without bound, and nothing but the era, a timestamp and the server's own
 * discovery result is written.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEraCache, eraCacheFile, eraCacheLimits } from '../../main/config/era-cache.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-era-cache-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const discover = { supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, resultType: 'complete' };

describe('era cache', () => {
  it('keeps verdicts across instances (a restart) and forgets one on request', async () => {
    const dir = join(tempDir(), 'not-yet-created');
    const a = createEraCache(dir);
    await a.put('http://127.0.0.1:1/mcp', { era: 'modern', at: 1000, discover });
    await a.put('http://127.0.0.1:2/mcp', { era: 'legacy', at: 2000 });
    const b = createEraCache(dir);
    expect(await b.get('http://127.0.0.1:1/mcp')).toEqual({ era: 'modern', at: 1000, discover });
    expect(await b.get('http://127.0.0.1:2/mcp')).toEqual({ era: 'legacy', at: 2000 });
    await b.put('http://127.0.0.1:1/mcp', undefined);
    expect(Object.keys(await createEraCache(dir).all())).toEqual(['http://127.0.0.1:2/mcp']);
    expect(statSync(eraCacheFile(dir)).mode & 0o077).toBe(0);
  });

  it('reads a damaged or foreign file as empty, and a later write replaces it', async () => {
    const dir = tempDir();
    const cache = createEraCache(dir);
    for (const text of ['{ nope', '[]', '{"v": 2, "servers": {}}', '{"v": 1, "servers": {"x": {"era": "future", "at": 1}}}']) {
      writeFileSync(eraCacheFile(dir), text);
      expect(await cache.all()).toEqual({});
    }
    await cache.put('x', { era: 'legacy', at: 5 });
    expect(JSON.parse(readFileSync(eraCacheFile(dir), 'utf8'))).toEqual({ v: 1, servers: { x: { era: 'legacy', at: 5 } } });
  });

  it('does not store a discovery result over the size limit, and keeps only the newest entries', async () => {
    const dir = tempDir();
    const cache = createEraCache(dir);
    const huge = { ...discover, instructions: 'x'.repeat(eraCacheLimits.maxDiscoverBytes) };
    await cache.put('big', { era: 'legacy', at: 1 });
    await cache.put('big', { era: 'modern', at: 2, discover: huge });
    expect(await cache.get('big')).toBeUndefined();
    for (let i = 0; i < eraCacheLimits.maxEntries + 5; i++) await cache.put(`s${i}`, { era: 'legacy', at: i });
    const all = await cache.all();
    expect(Object.keys(all)).toHaveLength(eraCacheLimits.maxEntries);
    expect(all.s0).toBeUndefined();
    expect(all[`s${eraCacheLimits.maxEntries + 4}`]).toEqual({ era: 'legacy', at: eraCacheLimits.maxEntries + 4 });
  });

  it('two writers at once (the app and the CLI) lose neither verdict', async () => {
    const dir = tempDir();
    await Promise.all([
      createEraCache(dir).put('app', { era: 'legacy', at: 1 }),
      createEraCache(dir).put('cli', { era: 'modern', at: 2, discover }),
    ]);
    expect(Object.keys(await createEraCache(dir).all()).sort()).toEqual(['app', 'cli']);
  });

  it('a folder it cannot write to costs nothing but the cache', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const cache = createEraCache(file);
    await expect(cache.put('x', { era: 'legacy', at: 1 })).resolves.toBeUndefined();
    expect(await cache.get('x')).toBeUndefined();
  });
});
