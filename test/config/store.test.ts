import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from '../../main/fs/paths.ts';
import { addServerFromInput, buildServer, findServer, removeServer, updateServerFromInput } from '../../main/config/servers.ts';
import { ConfigStore } from '../../main/config/store.ts';
import { toServerViewBase } from '../../main/config/schema.ts';
import { MemorySecretStore } from '../../main/secrets/memory-store.ts';
import { SecretRecords } from '../../main/secrets/records.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-config-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('data directory', () => {
  it('matches Electron userData on each platform', () => {
    expect(defaultDataDir('linux', {}, '/home/u')).toBe('/home/u/.config/Keyport');
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/x/Keyport');
    expect(defaultDataDir('darwin', {}, '/Users/u')).toBe('/Users/u/Library/Application Support/Keyport');
    expect(defaultDataDir('win32', { APPDATA: 'C:/Users/u/AppData/Roaming' }, 'C:/Users/u')).toContain('Roaming');
  });

  it('prefers --data-dir over KEYPORT_DATA_DIR over the default', () => {
    expect(resolveDataDir('/a', { KEYPORT_DATA_DIR: '/b' })).toBe('/a');
    expect(resolveDataDir(undefined, { KEYPORT_DATA_DIR: '/b' })).toBe('/b');
  });
});

describe('ConfigStore', () => {
  it('keeps the parsed list while the file is unchanged, and sees another process\'s write at once', async () => {
    const dir = tempDir();
    const app = new ConfigStore(dir);
    const cli = new ConfigStore(dir); // another process: its own store over the same file
    await app.update((servers) => ({ servers: [...servers, buildServer(servers, { url: 'https://a.example/mcp' })], result: undefined }));
    const [first, second] = await Promise.all([app.load(), app.load()]);
    expect(second).toBe(first);
    expect(await app.load()).toBe(first);
    await cli.update((servers) => ({ servers: [...servers, buildServer(servers, { url: 'https://b.example/mcp' })], result: undefined }));
    expect((await app.load()).map((s) => s.url)).toEqual(['https://a.example/mcp', 'https://b.example/mcp']);
    // A hand edit the size of which does not change is still seen (mtime/ctime/inode change).
    const text = readFileSync(join(dir, 'servers.json'), 'utf8');
    writeFileSync(join(dir, 'servers.json'), text.replaceAll('b.example', 'c.example'));
    expect((await app.load()).map((s) => s.url)).toContain('https://c.example/mcp');
  });

  it('starts empty, adds and removes servers with atomic writes and no temp files left', async () => {
    const config = new ConfigStore(join(tempDir(), 'nested'));
    expect(await config.load()).toEqual([]);
    const added = await config.update((servers) => {
      const server = buildServer(servers, { url: 'https://mcp.example.com/mcp' }, 1000);
      return { servers: [...servers, server], result: server };
    });
    expect(added).toMatchObject({ id: 'mcp.example.com', name: 'mcp.example.com', transport: 'streamable-http' });
    expect(added.auth).toEqual({ mode: 'automatic', sendResourceParameter: true, dpop: 'auto' });
    expect(await config.load()).toEqual([added]);
    expect(statSync(config.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(config.dataDir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(toServerViewBase(added)).toMatchObject({ url: 'https://mcp.example.com/mcp', auth: { hasClientSecret: false } });
    await removeServer(config, undefined, 'MCP.example.com');
    expect(await config.load()).toEqual([]);
    await expect(removeServer(config, undefined, 'nope')).rejects.toMatchObject({ code: 'server_not_found' });
  });

  it('refuses duplicate names and URLs and bad URLs', async () => {
    const config = new ConfigStore(tempDir());
    const add = (name: string | undefined, url: string) =>
      config.update((servers) => {
        const server = buildServer(servers, { ...(name !== undefined && { name }), url });
        return { servers: [...servers, server], result: server };
      });
    await add('One', 'https://a.example/mcp');
    await expect(add('one', 'https://b.example/mcp')).rejects.toMatchObject({ code: 'server_exists' });
    await expect(add(undefined, 'https://A.example/mcp/')).rejects.toMatchObject({ code: 'server_exists' });
    await expect(add('x', 'ftp://a.example')).rejects.toMatchObject({ code: 'invalid_server' });
    await expect(add('y', 'https://user:pw@a.example/')).rejects.toMatchObject({ code: 'invalid_server' });
    const servers = await config.load();
    expect(findServer(servers, 'https://a.example/mcp')?.name).toBe('One');
  });

  it('keeps a client secret in the keychain, referenced by id', async () => {
    const config = new ConfigStore(tempDir());
    const secrets = new SecretRecords(new MemorySecretStore());
    const server = await addServerFromInput(config, secrets, {
      url: 'https://mcp.example.com/mcp',
      auth: { clientId: 'my-client', clientSecret: 'super-secret-value' },
    });
    expect(server.auth).toMatchObject({ mode: 'preregistered', clientId: 'my-client', tokenEndpointAuthMethod: 'client_secret_basic' });
    expect(readFileSync(config.file, 'utf8')).not.toContain('super-secret-value');
    expect(await secrets.getUserSecret(server.auth.clientSecretRef ?? '')).toMatchObject({ value: 'super-secret-value' });
    await removeServer(config, secrets, server.id);
    expect(await secrets.store.list()).toEqual([]);
  });

  it('keeps a damaged file as a backup, reports it and never overwrites it', async () => {
    const config = new ConfigStore(tempDir());
    writeFileSync(config.file, '{"version": 1, "servers": [');
    await expect(config.load()).rejects.toMatchObject({ code: 'config_damaged' });
    const error = (await config.load().then(
      () => ({ message: '', backupPath: undefined }),
      (e: unknown) => e,
    )) as { backupPath?: string; message: string };
    expect(error.message).toMatch(/not valid JSON.*a copy was kept/);
    expect(readFileSync(error.backupPath ?? '', 'utf8')).toBe('{"version": 1, "servers": [');
    await expect(
      config.update((servers) => ({ servers: [...servers, buildServer(servers, { url: 'https://x.example' })], result: 1 })),
    ).rejects.toMatchObject({ code: 'config_damaged' });
    expect(readFileSync(config.file, 'utf8')).toBe('{"version": 1, "servers": [');
    expect(readdirSync(config.dataDir).filter((f) => f.includes('damaged'))).toHaveLength(1);
    expect(await config.setAsideDamaged()).toBe(error.backupPath);
    expect(existsSync(config.file)).toBe(false);
    expect(await config.load()).toEqual([]);
  });

  it('reports a file that does not match the schema, and one from a newer version', async () => {
    const config = new ConfigStore(tempDir());
    writeFileSync(config.file, JSON.stringify({ version: 1, servers: [{ id: 'x', name: 'x', transport: 'sse', createdAt: 1 }] }));
    await expect(config.load()).rejects.toMatchObject({ code: 'config_damaged', message: expect.stringMatching(/servers\.0\.url/) });
    writeFileSync(config.file, JSON.stringify({ version: 2, servers: [] }));
    await expect(config.load()).rejects.toMatchObject({ code: 'config_unsupported_version' });
  });

  it('loses no change when several processes write at once', async () => {
    const dataDir = tempDir();
    const child = fileURLToPath(new URL('./writer-child.ts', import.meta.url));
    const run = (prefix: string) =>
      new Promise<string>((resolve, reject) => {
        const proc = spawn(process.execPath, [child, dataDir, prefix, '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
        proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
        proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
      });
    expect(await Promise.all([run('a'), run('b'), run('c')])).toEqual(['ok', 'ok', 'ok']);
    const servers = await new ConfigStore(dataDir).load();
    expect(servers).toHaveLength(24);
    expect(new Set(servers.map((s) => s.name)).size).toBe(24);
  });
});

describe('a private key for private_key_jwt', () => {
  const pem = (curve: string) => generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('goes to the keychain, and the list says only that there is one; a new key replaces the old one', async () => {
    const config = new ConfigStore(tempDir());
    const secrets = new SecretRecords(new MemorySecretStore());
    const first = pem('P-256');
    const server = await addServerFromInput(config, secrets, { url: 'https://m.example/mcp', auth: { clientId: 'svc', mode: 'client-credentials', privateKey: first } });
    expect(server.auth).toMatchObject({ mode: 'client-credentials', tokenEndpointAuthMethod: 'private_key_jwt' });
    expect(toServerViewBase(server).auth).toMatchObject({ hasPrivateKey: true, hasClientSecret: false });
    expect(readFileSync(config.file, 'utf8')).not.toContain('PRIVATE KEY');
    expect((await secrets.getUserSecret(server.auth.privateKeyRef!))).toMatchObject({ kind: 'private-key', value: first });

    const second = pem('P-384');
    const edited = await updateServerFromInput(config, secrets, server.id, { url: 'https://m.example/mcp', auth: { privateKey: second } });
    expect((await secrets.getUserSecret(edited.auth.privateKeyRef!))?.value).toBe(second);
    expect(await secrets.getUserSecret(server.auth.privateKeyRef!)).toBeUndefined();
  });

  it('refuses a key Keyport cannot sign with, before storing anything', async () => {
    const config = new ConfigStore(tempDir());
    const secrets = new SecretRecords(new MemorySecretStore());
    const publicPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(addServerFromInput(config, secrets, { url: 'https://m.example/mcp', auth: { clientId: 'svc', privateKey: publicPem } })).rejects.toMatchObject({
      code: 'invalid_server',
      message: expect.stringMatching(/public key/),
    });
    await expect(
      addServerFromInput(config, secrets, { url: 'https://m.example/mcp', auth: { clientId: 'svc', privateKey: pem('P-256'), tokenEndpointAuthMethod: 'client_secret_post' } }),
    ).rejects.toMatchObject({ code: 'invalid_server', message: expect.stringMatching(/only used with private_key_jwt/) });
    // Both secrets or neither: a refused server leaves no secret behind.
    await addServerFromInput(config, secrets, { url: 'https://taken.example/mcp', name: 'Taken' });
    await expect(
      addServerFromInput(config, secrets, { url: 'https://taken.example/mcp', auth: { clientId: 'svc', clientSecret: 's', privateKey: pem('P-256') } }),
    ).rejects.toMatchObject({ code: 'server_exists' });
    expect(await secrets.store.list()).toEqual([]);
    expect(await config.load()).toHaveLength(1);
  });
});

describe('editing a server', () => {
  it('renames and re-points it, refuses a clash with another server, and swaps its client secret in the keychain', async () => {
    const config = new ConfigStore(tempDir());
    const secrets = new SecretRecords(new MemorySecretStore());
    const a = await addServerFromInput(config, secrets, { url: 'https://a.example/mcp', name: 'A', auth: { clientId: 'c', clientSecret: 'old-secret' } });
    await addServerFromInput(config, secrets, { url: 'https://b.example/mcp', name: 'B' });

    await expect(updateServerFromInput(config, secrets, a.id, { url: 'https://a.example/mcp', name: 'b' })).rejects.toMatchObject({ code: 'server_exists' });
    await expect(updateServerFromInput(config, secrets, a.id, { url: 'https://b.example/mcp/' })).rejects.toMatchObject({ code: 'server_exists' });
    await expect(updateServerFromInput(config, secrets, 'nope', { url: 'https://c.example/mcp' })).rejects.toMatchObject({ code: 'server_not_found' });

    const edited = await updateServerFromInput(config, secrets, a.id, {
      url: 'https://a2.example/mcp',
      name: 'A2',
      auth: { clientSecret: 'new-secret', scope: 'mcp:read' },
    });
    expect(edited).toMatchObject({ id: a.id, name: 'A2', url: 'https://a2.example/mcp', createdAt: a.createdAt });
    expect(edited.auth).toMatchObject({ clientId: 'c', scope: 'mcp:read' });
    expect(edited.auth.clientSecretRef).not.toBe(a.auth.clientSecretRef);
    expect((await secrets.getUserSecret(edited.auth.clientSecretRef!))?.value).toBe('new-secret');
    expect(await secrets.getUserSecret(a.auth.clientSecretRef!)).toBeUndefined();
    expect(readFileSync(config.file, 'utf8')).not.toMatch(/old-secret|new-secret/);
  });
});

describe('files grown by a hostile local process', () => {
  it('a 20 MB server list is refused unread with what to do, and a 5 MB account or index file reads as empty', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'servers.json'), ' '.repeat(20 * 1024 * 1024));
    await expect(new ConfigStore(dir).load()).rejects.toMatchObject({ code: 'config_damaged', message: expect.stringMatching(/Move it away/) });
    const { EntriesFile } = await import('../../main/fs/entries-file.ts');
    const { z } = await import('zod');
    writeFileSync(join(dir, 'big.json'), `{"v":1,"servers":{"a":"${'x'.repeat(5 * 1024 * 1024)}"}}`);
    expect(new EntriesFile(join(dir, 'big.json'), join(dir, 'big.lock'), 1, z.string()).read()).toEqual({});
  });
});
