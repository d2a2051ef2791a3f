/**
 * The compatibility settings through the CLI (issue 12 item 2): `servers add` and `servers edit` flags round-trip
 * through servers.json and `servers list --json`, bad values are refused naming the flag, and a login with them puts
 * them on the wire (asserted on what the authorization server received).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { startMockServers, type MockServers } from '../oauth/helpers/mock-servers.ts';
import { runCli } from './helpers.ts';

const agent = fileURLToPath(new URL('../servers/browser-agent.ts', import.meta.url));
const browserCommand = `"${process.execPath}" "${agent}"`;
const dirs: string[] = [];
const mocks: MockServers[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-compat-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    const secrets = openKeychainSecrets(dir);
    for (const item of await secrets.store.list()) await secrets.store.delete(item.account);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const mock of mocks.splice(0)) await mock.close();
});

function listed(stdout: string): Record<string, unknown> {
  const servers = (JSON.parse(stdout) as { servers: { auth: Record<string, unknown> }[] }).servers;
  return servers[0]!.auth;
}

describe('keyport servers add / edit with compatibility settings', () => {
  it('every setting round-trips through servers.json and servers list --json, and edit changes or removes one at a time', async () => {
    const d = dataDir();
    const add = await runCli([
      '--data-dir', d, 'servers', 'add', 'https://mcp.example.com/mcp', '--name', 'zoo',
      '--client-id', 'app-1', '--resource', 'api://app-1', '--audience', 'https://api.example.com',
      '--auth-param', 'access_type=offline', '--auth-param', 'prompt=select_account',
      '--callback-host', 'localhost', '--callback-path', '/oauth/callback', '--callback-port', '33418',
      '--token-auth-method', 'client_secret_post', '--accept-issuer', 'https://login.example.com/t/v2.0',
      '--authorization-endpoint', 'https://login.example.com/authorize', '--token-endpoint', 'https://login.example.com/token',
      '--assume-pkce-s256', '--scope', 'api://app-1/read',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const expected = {
      mode: 'preregistered',
      clientId: 'app-1',
      scope: 'api://app-1/read',
      sendResourceParameter: true,
      resourceOverride: 'api://app-1',
      audience: 'https://api.example.com',
      authorizationParams: { access_type: 'offline', prompt: 'select_account' },
      callbackHost: 'localhost',
      callbackPath: '/oauth/callback',
      callbackPort: 33418,
      tokenEndpointAuthMethod: 'client_secret_post',
      acceptedIssuer: 'https://login.example.com/t/v2.0',
      authorizationEndpoint: 'https://login.example.com/authorize',
      tokenEndpoint: 'https://login.example.com/token',
      assumePkceS256: true,
    };
    expect(listed((await runCli(['--data-dir', d, '--json', 'servers', 'list'])).stdout)).toMatchObject(expected);
    const file = JSON.parse(readFileSync(join(d, 'servers.json'), 'utf8')) as { servers: { auth: Record<string, unknown> }[] };
    expect(file.servers[0]!.auth).toMatchObject(expected);

    const edit = await runCli(['--data-dir', d, 'servers', 'edit', 'zoo', '--no-resource-param', '--unset', 'resource', '--unset', 'audience', '--auth-param', 'access_type=offline', '--callback-host', '[::1]', '--unset', 'endpoints']);
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.stdout).toMatch(/^Updated "zoo" \(zoo\): https:\/\/mcp\.example\.com\/mcp; changed: /);
    const after = listed((await runCli(['--data-dir', d, '--json', 'servers', 'list'])).stdout);
    expect(after).toMatchObject({ sendResourceParameter: false, authorizationParams: { access_type: 'offline' }, callbackHost: '[::1]', callbackPath: '/oauth/callback', clientId: 'app-1' });
    for (const gone of ['resourceOverride', 'audience', 'authorizationEndpoint', 'tokenEndpoint']) expect(after).not.toHaveProperty(gone);

    const back = await runCli(['--data-dir', d, '--json', 'servers', 'edit', 'zoo', '--resource-param', '--unset', 'assume-pkce-s256', '--mode', 'automatic']);
    expect(back.code, back.stderr).toBe(0);
    expect((JSON.parse(back.stdout) as { server: { auth: Record<string, unknown> } }).server.auth).toMatchObject({ sendResourceParameter: true, mode: 'automatic' });
    expect((JSON.parse(back.stdout) as { server: { auth: Record<string, unknown> } }).server.auth).not.toHaveProperty('assumePkceS256');
  });

  it.each([
    [['--auth-param', 'state=abc'], /--auth-param: state is set by Keyport itself/],
    [['--auth-param', 'redirect_uri=https://evil.example'], /redirect_uri is set by Keyport itself/],
    [['--auth-param', 'scope=x'], /scope has its own setting/],
    [['--auth-param', 'not a pair'], /not name=value/],
    [['--authorization-endpoint', 'http://login.example.com/authorize', '--token-endpoint', 'https://login.example.com/token'], /--authorization-endpoint: http:\/\/login\.example\.com does not use https/],
    [['--callback-host', 'example.com'], /--callback-host must be 127\.0\.0\.1, localhost or \[::1\]/],
    [['--callback-path', 'callback'], /--callback-path: the callback path must be a plain absolute path/],
    [['--resource', 'not a uri'], /--resource: "not a uri" is not an absolute URI/],
    [['--token-auth-method', 'tls_client_auth'], /--token-auth-method must be one of/],
    [['--no-resource-param', '--resource', 'api://x'], /cannot go with --no-resource-param/],
  ])('refuses %j with a usage error naming the flag, and stores nothing', async (flags, message) => {
    const d = dataDir();
    const run = await runCli(['--data-dir', d, 'servers', 'add', 'https://mcp.example.com/mcp', ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect((await runCli(['--data-dir', d, '--json', 'servers', 'list'])).stdout).toBe('{"servers":[]}\n');
  });

  it('refuses one endpoint without the other, naming both settings', async () => {
    const d = dataDir();
    const run = await runCli(['--data-dir', d, 'servers', 'add', 'https://mcp.example.com/mcp', '--authorization-endpoint', 'https://login.example.com/authorize']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/give both the authorization endpoint and the token endpoint/);
  });

  it('a login after `servers add` with the settings puts them on the wire', async () => {
    const mock = await startMockServers({ codeChallengeMethods: [] });
    mocks.push(mock);
    const d = dataDir();
    const add = await runCli(['--data-dir', d, 'servers', 'add', mock.mcpUrl, '--name', 'quirky', '--assume-pkce-s256', '--audience', 'my-api', '--auth-param', 'access_type=offline', '--callback-path', '/done', '--resource', 'api://quirky']);
    expect(add.code, add.stderr).toBe(0);
    const login = await runCli(['--data-dir', d, 'login', 'quirky', '--browser-command', browserCommand]);
    expect(login.code, login.stderr).toBe(0);
    const q = mock.requests.find((r) => r.path === '/authorize')!.query;
    expect(q.get('audience')).toBe('my-api');
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('resource')).toBe('api://quirky');
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/done$/);
    expect(q.get('code_challenge_method')).toBe('S256');
  });

  it('forget-registration drops the stored registration, so the next login registers again', async () => {
    const mock = await startMockServers();
    mocks.push(mock);
    const d = dataDir();
    expect((await runCli(['--data-dir', d, 'servers', 'add', mock.mcpUrl, '--name', 'dcr'])).code).toBe(0);
    expect((await runCli(['--data-dir', d, 'login', 'dcr', '--browser-command', browserCommand])).code).toBe(0);
    expect(mock.count('/register')).toBe(1);
    const forget = await runCli(['--data-dir', d, 'servers', 'forget-registration', 'dcr']);
    expect(forget.code, forget.stderr).toBe(0);
    expect(forget.stdout).toMatch(/^Forgot Keyport's registration at the authorization server of dcr/);
    expect((await runCli(['--data-dir', d, 'login', 'dcr', '--browser-command', browserCommand])).code).toBe(0);
    expect(mock.count('/register')).toBe(2);
  });
});
