/**
 * The account preferences file (issue 13): the active account per server and the names the user gave accounts, in
 * `<dataDir>/accounts.json`, shared by the app and the CLI. A damaged file reads as defaults; removing a server
 * forgets its entry; nothing is written when nothing changes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountPrefsFile } from '../../main/config/accounts.ts';
import { addServerFromInput, removeServer } from '../../main/config/servers.ts';
import { ConfigStore } from '../../main/config/store.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-accounts-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('account preferences', () => {
  it('keeps the active account and names per server, and forgets a signed-out account', async () => {
    const prefs = new AccountPrefsFile(dataDir());
    expect(prefs.active('s1')).toBe('default');
    await prefs.setActive('s1', 'bob');
    await prefs.rename('s1', 'bob', '  Bob at work ');
    expect(prefs.active('s1')).toBe('bob');
    expect(prefs.get('s1').names).toEqual({ bob: 'Bob at work' });
    expect(prefs.active('s2')).toBe('default');
    await prefs.forgetAccount('s1', 'bob');
    expect(prefs.active('s1')).toBe('default');
    expect(prefs.get('s1').names).toEqual({});
  });

  it('reads a damaged file as defaults, and writes nothing when nothing changes', async () => {
    const dir = dataDir();
    const prefs = new AccountPrefsFile(dir);
    writeFileSync(prefs.file, '{ not json');
    expect(prefs.active('s1')).toBe('default');
    await prefs.setActive('s1', 'work');
    expect(JSON.parse(readFileSync(prefs.file, 'utf8'))).toEqual({ v: 1, servers: { s1: { active: 'work', names: {} } } });
    const written = statSync(prefs.file).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await prefs.setActive('s1', 'work');
    expect(statSync(prefs.file).mtimeMs).toBe(written);
  });

  it('forgets a removed server’s entry', async () => {
    const dir = dataDir();
    const config = new ConfigStore(dir);
    const server = await addServerFromInput(config, undefined, { url: 'http://127.0.0.1:9/mcp', name: 'x' });
    const prefs = new AccountPrefsFile(dir);
    await prefs.setActive(server.id, 'bob');
    await removeServer(config, undefined, server.id);
    expect(prefs.active(server.id)).toBe('default');
    expect(existsSync(prefs.file)).toBe(true);
    expect(JSON.parse(readFileSync(prefs.file, 'utf8')).servers).toEqual({});
  });
});
