import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenSetIndexFile } from '../../main/secrets/token-index.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyport-token-index-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const key = (account: string, issuer = 'http://127.0.0.1:9000') => ({ issuer, resource: 'http://127.0.0.1:9001/mcp', account });

describe('the token set index file', () => {
  it('survives a restart: a new instance finds what an earlier one stored', async () => {
    await new TokenSetIndexFile(dataDir).set('http://127.0.0.1:9001/mcp', 'default', key('default'));
    expect(await new TokenSetIndexFile(dataDir).get('http://127.0.0.1:9001/mcp', 'default')).toEqual(key('default'));
    expect(await new TokenSetIndexFile(dataDir).get('http://127.0.0.1:9001/mcp', 'other')).toBeUndefined();
    if (process.platform !== 'win32') expect(statSync(new TokenSetIndexFile(dataDir).file).mode & 0o077).toBe(0);
  });

  it('repoints a server after a migration and forgets only the entries of a deleted set', async () => {
    const index = new TokenSetIndexFile(dataDir);
    await index.set('http://a/mcp', 'default', key('default'));
    await index.set('http://b/mcp', 'default', key('default'));
    await index.set('http://a/mcp', 'default', key('default', 'http://127.0.0.1:9100'));
    await index.forget(key('default'));
    expect(await index.get('http://a/mcp', 'default')).toEqual(key('default', 'http://127.0.0.1:9100'));
    expect(await index.get('http://b/mcp', 'default')).toBeUndefined();
  });

  it('reads a damaged file as empty (the engine then lists the keychain) and replaces it on the next sign-in', async () => {
    const index = new TokenSetIndexFile(dataDir);
    writeFileSync(index.file, '{"v":1,"servers":{"x":');
    expect(await index.get('http://a/mcp', 'default')).toBeUndefined();
    await index.set('http://a/mcp', 'default', key('default'));
    expect(JSON.parse(readFileSync(index.file, 'utf8'))).toEqual({ v: 1, servers: { '["http://a/mcp","default"]': key('default') } });
  });

  it('loses no entry when two processes sign in at once', async () => {
    const servers = Array.from({ length: 12 }, (_, i) => `http://127.0.0.1:${9100 + i}/mcp`);
    await Promise.all(servers.map((url, i) => new TokenSetIndexFile(dataDir).set(url, 'default', key(`user-${i}`))));
    const index = new TokenSetIndexFile(dataDir);
    for (const [i, url] of servers.entries()) expect(await index.get(url, 'default')).toEqual(key(`user-${i}`));
  });
});
