import { startTestBed } from '../servers/testbed.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../main/fs/paths.ts';
import { KeychainSecretStore, serviceNameFor } from '../../main/secrets/keychain.ts';
import { runBin, runCli } from './helpers.ts';

const fixtures = fileURLToPath(new URL('../fixtures/import/', import.meta.url));
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-cli-'));
  dirs.push(dir);
  return dir;
}

function keychainOf(dir: string): KeychainSecretStore {
  return new KeychainSecretStore({ service: serviceNameFor(dir, defaultDataDir()) });
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    const store = keychainOf(dir);
    for (const item of await store.list()) await store.delete(item.account);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('keyport servers', () => {
  it('adds, lists and removes servers, in text and JSON', async () => {
    const d = dataDir();
    const added = await runCli(['--data-dir', d, 'servers', 'add', 'https://mcp.example.com/mcp', '--name', 'Example', '--scope', 'mcp:read', '--no-resource-param', '--callback-port', '8765']);
    expect(added).toEqual({ code: 0, stdout: 'Added "Example" (example): https://mcp.example.com/mcp\n', stderr: '' });
    const list = await runCli(['--data-dir', d, '--json', 'servers', 'list']);
    expect(JSON.parse(list.stdout)).toEqual({
      servers: [
        {
          id: 'example',
          name: 'Example',
          url: 'https://mcp.example.com/mcp',
          transport: 'streamable-http',
          auth: { mode: 'automatic', hasClientSecret: false, hasPrivateKey: false, scope: 'mcp:read', sendResourceParameter: false, callbackPort: 8765, dpop: 'auto' },
        },
      ],
    });
    expect((await runCli(['--data-dir', d, 'servers', 'list'])).stdout).toMatch(/^NAME\s+TRANSPORT\s+AUTH\s+URL\nExample\s+streamable-http\s+automatic\s+https:\/\/mcp\.example\.com\/mcp\n$/);
    const removed = await runCli(['--json', 'servers', 'remove', 'example'], { env: { KEYPORT_DATA_DIR: d } });
    expect(JSON.parse(removed.stdout)).toEqual({ removed: { id: 'example', name: 'Example' } });
    expect(JSON.parse((await runCli(['--data-dir', d, '--json', 'servers', 'list'])).stdout)).toEqual({ servers: [] });
  });

  it('keeps a client secret from stdin in the keychain only, and removes it with the server', async () => {
    const d = dataDir();
    const run = await runCli(['--data-dir', d, 'servers', 'add', 'https://as.example/mcp', '--client-id', 'cid', '--client-secret-stdin'], {
      stdin: 'the-client-secret-value\n',
    });
    expect(run.code).toBe(0);
    expect(readFileSync(join(d, 'servers.json'), 'utf8')).not.toContain('the-client-secret-value');
    const items = await keychainOf(d).list();
    expect(items).toHaveLength(1);
    expect(items[0]?.value).toContain('the-client-secret-value');
    const list = JSON.parse((await runCli(['--data-dir', d, '--json', 'servers', 'list'])).stdout) as { servers: Array<{ auth: unknown }> };
    expect(list.servers[0]?.auth).toMatchObject({ mode: 'preregistered', clientId: 'cid', hasClientSecret: true });
    expect((await runCli(['--data-dir', d, 'servers', 'remove', 'as.example'])).code).toBe(0);
    expect(await keychainOf(d).list()).toEqual([]);
  });

  it.each([
    [['servers', 'add', 'ftp://x.example'], 1, /Not a usable server URL: "ftp:\/\/x\.example"/],
    [['servers', 'add', 'not a url'], 1, /Not a usable server URL/],
    [['servers', 'add', 'https://x.example', '--callback-port', '80'], 2, /--callback-port must be a port number/],
    [['servers', 'add', 'https://x.example', '--client-secret-stdin'], 2, /needs --client-id/],
    [['servers', 'remove', 'nope'], 1, /No server "nope" is configured/],
    [['token', 'nope'], 1, /No server "nope" is configured/],
    [['call', 'nope', 'tool', '--args', '[1]'], 2, /--args must be a JSON object/],
    [['call', 'nope', 'tool', '--args', '{x'], 2, /--args is not valid JSON/],
    [['login', 'https://x.example', '--timeout', 'soon'], 2, /--timeout must be a positive number/],
  ])('%j fails with one line on stderr', async (argv, code, message) => {
    const run = await runCli(['--data-dir', dataDir(), ...argv]);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a duplicate server and reports a damaged server list without touching it', async () => {
    const d = dataDir();
    await runCli(['--data-dir', d, 'servers', 'add', 'https://a.example/mcp']);
    const dup = await runCli(['--data-dir', d, '--json', 'servers', 'add', 'https://a.example/mcp/']);
    expect(dup.code).toBe(1);
    expect(JSON.parse(dup.stdout)).toEqual({ error: { code: 'server_exists', message: expect.stringMatching(/already configured/) } });
    writeFileSync(join(d, 'servers.json'), '{ nope');
    const run = await runCli(['--data-dir', d, 'servers', 'add', 'https://b.example/mcp']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/is damaged \(it is not valid JSON\); a copy was kept as .*servers\.json\.damaged-/);
    expect(readFileSync(join(d, 'servers.json'), 'utf8')).toBe('{ nope');
  });
});

describe('damaged keychain items', () => {
  it('are set aside and reported by the CLI, which carries on as signed out', async () => {
    const d = dataDir();
    await runCli(['--data-dir', d, 'servers', 'add', 'http://127.0.0.1:9/mcp', '--name', 'local']);
    const account = `tokens:${JSON.stringify(['http://127.0.0.1:8', 'http://127.0.0.1:9/mcp', 'default'])}`;
    await keychainOf(d).set(account, '{"v":1,"kind":"tokens","savedAt":1,"data":{"accessToken":42}}');
    const run = await runCli(['--data-dir', d, 'status', 'local']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^local\s+signed-out\n$/);
    expect(run.stderr).toMatch(/^warning: A damaged keychain item \(invalid tokens record \(.*\)\) was set aside as "tokens:.*#damaged-.*"; sign in again to replace it\.\n$/);
    const accounts = (await keychainOf(d).list()).map((i) => i.account);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toContain('#damaged-');
  });
});

describe('keyport import', () => {
  it('imports a Claude Code file, moving secrets to the keychain, and reports in JSON', async () => {
    const d = dataDir();
    const run = await runCli(['--data-dir', d, '--json', 'import', join(fixtures, 'claude-code/.mcp.json')]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { format: string; imported: Array<{ name: string; movedToKeychain: string[] }> };
    expect(report.format).toBe('claude-code');
    expect(report.imported.map((s) => s.name)).toEqual(['notes', 'events', 'api', 'local']);
    expect(report.imported[0]?.movedToKeychain).toEqual(['header Authorization']);
    expect(readFileSync(join(d, 'servers.json'), 'utf8')).not.toContain('fixture-notes-token');
    expect((await keychainOf(d).list()).map((i) => i.value).join()).toContain('fixture-notes-token-abcdef');
  });

  it('prints a human report and fails on an unknown file', async () => {
    const d = dataDir();
    const run = await runCli(['--data-dir', d, 'import', join(fixtures, 'cursor/.cursor/mcp.json')]);
    expect(run.stdout).toMatch(/^Imported 3, skipped 1 from .*\(cursor\)\.\n {2}\+ context7 \(streamable-http\); moved to the keychain: header CONTEXT7_API_KEY\n/);
    expect(run.stdout).toMatch(/- stripe: skipped, its URL carries a secret in the "api_key" query parameter/);
    const bad = await runCli(['--data-dir', d, 'import', join(d, 'missing.json')]);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^keyport: Cannot read .*missing\.json \(ENOENT\)\.\n$/);
  });
});

describe('bin/keyport.js', () => {
  it('starts without a build step and speaks JSON', async () => {
    const d = dataDir();
    const version = await runBin(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: 'keyport 0.1.0\n' });
    const add = await runBin(['--data-dir', d, '--json', 'servers', 'add', 'http://127.0.0.1:9/mcp']);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ server: { id: '127.0.0.1-9', url: 'http://127.0.0.1:9/mcp' } });
    const usage = await runBin(['--data-dir', d, 'frobnicate']);
    expect(usage).toMatchObject({ code: 2, stdout: '', stderr: 'keyport: unknown command "frobnicate" (see keyport --help)\n' });
  });

  it.runIf(process.platform === 'linux')('fails with one clear line when the keychain is missing (no D-Bus), never storing the secret elsewhere', async () => {
    const d = dataDir();
    const run = await runBin(['--data-dir', d, 'servers', 'add', 'https://x.example/mcp', '--client-id', 'c', '--client-secret-stdin'], {
      stdin: 'plaintext-never\n',
      env: { DBUS_SESSION_BUS_ADDRESS: '', DISPLAY: '' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^keyport: Keyport keeps secrets only in the OS keychain and found no Secret Service/);
    const text = existsSync(join(d, 'servers.json')) ? readFileSync(join(d, 'servers.json'), 'utf8') : '';
    expect(text).not.toContain('plaintext-never');
  });

  // Regression: `login` and `call` used to say "The sign-in failed" / "failed unexpectedly" when the keychain was missing.
  it.runIf(process.platform === 'linux')('login and call without a keychain say what to fix, not a generic failure', async () => {
    const bed = await startTestBed();
    try {
      const d = dataDir();
      const env = { DBUS_SESSION_BUS_ADDRESS: '', DISPLAY: '' };
      await runBin(['--data-dir', d, 'servers', 'add', bed.mcpUrl, '--name', 'bed']);
      for (const args of [['login', 'bed', '--browser-command', 'true'], ['call', 'bed', 'get_user_profile']]) {
        const run = await runBin(['--data-dir', d, ...args], { env });
        expect(run.code, args[0]).toBe(1);
        expect(run.stderr, args[0]).toMatch(/^keyport: Keyport keeps secrets only in the OS keychain and found no Secret Service/);
      }
    } finally {
      await bed.close();
    }
  });
});
