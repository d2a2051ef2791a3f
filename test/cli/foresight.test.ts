/**
 * Issue 14 from the terminal, as a user runs it: `bin/keyport.js` processes against the test bed and the real
 * keychain, the browser agent as `--browser-command`. `keyport report` after a failed `keyport login`, the scopes
 * listed before the browser opens (`--scope` asks for exactly those), `keyport status` naming when the sign-in ends,
 * the step-up prompt of `keyport call` (`--yes`), and `keyport servers remove` revoking first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../main/cli.ts';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { startTestBed, type TestBed } from '../servers/testbed.ts';
import { runBin, type CliRun } from './helpers.ts';

const agent = fileURLToPath(new URL('../servers/browser-agent.ts', import.meta.url));
const browserCommand = `"${process.execPath}" "${agent}"`;

let bed: TestBed;
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-cli-14-'));
  dirs.push(dir);
  return dir;
}

function cli(dir: string, argv: readonly string[], env: NodeJS.ProcessEnv = {}, stdin = ''): Promise<CliRun> {
  return runBin(['--data-dir', dir, ...argv], { env: { BROWSER: '', ...env }, stdin, timeoutMs: 60_000 });
}

/** Every token and registration secret the keychain holds for a data directory. */
async function liveSecrets(dir: string): Promise<string[]> {
  const secrets = openKeychainSecrets(dir);
  const out: string[] = [];
  for (const set of await secrets.credentials.listTokenSets()) for (const v of [set.accessToken, set.refreshToken, set.idToken]) if (v) out.push(v);
  const reg = await secrets.credentials.getRegistration(bed.issuer);
  for (const v of [reg?.clientSecret, reg?.registrationAccessToken]) if (v) out.push(v);
  return out;
}

beforeAll(async () => {
  bed = await startTestBed({ authServer: { announceRefreshTokenExpiry: true, refreshTokenTtl: 10 * 3600 } });
});

afterAll(async () => {
  for (const dir of dirs) {
    const secrets = openKeychainSecrets(dir);
    for (const item of await secrets.store.list().catch(() => [])) await secrets.store.delete(item.account).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  await bed?.close();
});

describe('keyport report', () => {
  it('after a failed login writes a redacted HTML report with the error code, and --json prints the same as data', async () => {
    const dir = dataDir();
    expect((await cli(dir, ['servers', 'add', bed.mcpUrl, '--name', 'bed'])).code).toBe(0);
    const denied = await cli(dir, ['login', 'bed', '--browser-command', browserCommand], { KEYPORT_TEST_CONSENT: 'deny' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/access_denied|denied/i);

    const file = join(dir, 'report.html');
    const run = await cli(dir, ['report', 'bed', '--out', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Wrote the report of bed's login of .* \(failed with access_denied\) to .*report\.html\.\n$/);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<code>access_denied</code>');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).not.toMatch(/<script/i);
    // The registration access token Keyport got during the failed login is in the keychain, and not in the file.
    const secrets = await liveSecrets(dir);
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(html).not.toContain(secret);

    const json = await cli(dir, ['--json', 'report', 'bed']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { format: string; flow: { kind: string; outcome: string }; error: { code: string }; steps: unknown[] };
    expect(report).toMatchObject({ format: 'keyport-sign-in-report', flow: { kind: 'login', outcome: 'failed' }, error: { code: 'access_denied' } });
    expect(report.steps.length).toBeGreaterThan(3);
    for (const secret of secrets) expect(json.stdout).not.toContain(secret);
  });

  it('says what to do when there is nothing to report', async () => {
    const dir = dataDir();
    await cli(dir, ['servers', 'add', bed.mcpUrl, '--name', 'bed']);
    const run = await cli(dir, ['report', 'bed']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('keyport: Keyport has no sign-in of bed to report on yet. Run `keyport login bed` first; its flow is kept for the report even when it fails.\n');
  });
});

describe('consent in the terminal', () => {
  it('login lists the scopes with their meaning before the browser opens; --scope asks for exactly those', async () => {
    const dir = dataDir();
    const plain = await cli(dir, ['login', bed.mcpUrl, '--browser-command', browserCommand]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/Keyport asks for these permissions \(choose others with --scope\):\n {2}mcp:read +Read data through the server’s tools\.\n {2}mcp:write +Create and change data through the server’s tools\.\n {2}offline_access +Stay signed in/);
    expect(plain.stderr.indexOf('Keyport asks for')).toBeLessThan(plain.stderr.indexOf('Open this URL'));

    const before = bed.authServer.log.length;
    const exact = await cli(dir, ['login', bed.mcpUrl, '--scope', 'mcp:read', '--browser-command', browserCommand]);
    expect(exact.code, exact.stderr).toBe(0);
    const authorization = bed.authServer.log.slice(before).find((r) => r.endpoint === 'authorization');
    expect(authorization?.params?.['scope']).toBe('mcp:read');
    expect(exact.stdout).toMatch(/scopes mcp:read[,)]/);
  });

  it('status names when the sign-in ends, and marks it within the warning span', async () => {
    const dir = dataDir();
    expect((await cli(dir, ['login', bed.mcpUrl, '--browser-command', browserCommand])).code).toBe(0);
    const run = await cli(dir, ['status']);
    expect(run.stdout).toMatch(/signed-in \(expires in (59m|1h 0m)\); sign-in ends in (9h 59m|10h 0m) \(!\)/);
    const quiet = await cli(dir, ['status'], { KEYPORT_WARN_BEFORE_GRANT_EXPIRY: '1h' });
    expect(quiet.stdout).toMatch(/sign-in ends in (9h 59m|10h 0m)\n$/);
    const json = JSON.parse((await cli(dir, ['--json', 'status'])).stdout) as { servers: { lifetimes: unknown[] }[] };
    expect(json.servers[0]?.lifetimes).toEqual([{ subject: 'grant', source: 'refresh_token_expires_in', expiresAt: expect.any(Number), state: 'warning' }]);
  });

  it('a call refused for a missing scope shows the difference and which tool asked; --yes signs in again and the call succeeds', async () => {
    const dir = dataDir();
    const bob = { KEYPORT_TEST_USER: 'bob' };
    expect((await cli(dir, ['login', bed.mcpUrl, '--browser-command', browserCommand], bob)).code).toBe(0);
    const args = ['call', bed.mcpUrl, 'write_data', '--args', '{"key":"k","value":"v"}', '--browser-command', browserCommand];

    // Nobody at the terminal: one line that says what is missing.
    const refused = await cli(dir, args, bob);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^keyport: write_data needs mcp:write on \S+ \(you hold mcp:read\)\. Run the command again with --yes to sign in with them\.\n$/);

    // Someone at the terminal: the difference, the question; "n" keeps everything as it was.
    let stderr = '';
    const io: CliIo = {
      stdout: () => undefined,
      stderr: (text) => (stderr += `${text}\n`),
      readStdin: async () => 'n\n',
      env: { ...process.env, ...bob },
      onInterrupt: () => () => undefined,
      interactive: true,
    };
    expect(await main(['--data-dir', dir, ...args], io)).toBe(1);
    expect(stderr).toMatch(/^write_data needs more permissions on \S+ than your sign-in grants:\n {2}you hold: +mcp:read\n {2}it asks for: +\+ mcp:write\nSign in again to grant them\? \[y\/N\]\nkeyport: write_data needs mcp:write on \S+\. Run the command again with --yes to sign in with them\.\n$/);

    const accepted = await cli(dir, [...args, '--yes'], { ...bob, KEYPORT_TEST_APPROVE_SCOPES: 'all' });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('stored k');
    expect(bed.mcpServer.count({ toolName: 'write_data', status: 200 })).toBeGreaterThanOrEqual(1);
    const [set] = await openKeychainSecrets(dir).credentials.listTokenSets();
    expect(set?.scopes).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
  });
});

describe('keyport servers remove', () => {
  it('revokes at the authorization server, deletes the registration there, names what could not be revoked, and forgets it all', async () => {
    const dir = dataDir();
    expect((await cli(dir, ['login', bed.mcpUrl, '--browser-command', browserCommand])).code).toBe(0);
    const deletes = bed.authServer.count({ route: 'client_delete', status: 204 });
    const run = await cli(dir, ['servers', 'remove', bed.mcpUrl]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Removed "[^"]+" \(1 of 2 tokens revoked at the authorization server, its registration deleted there\)\.\n$/);
    expect(run.stderr).toMatch(/^warning: the access token of account "default" could not be revoked at http:\/\/127\.0\.0\.1:\d+ \(unsupported_token_type\); it stays valid there until it expires\.\n$/);
    expect(bed.authServer.count({ route: 'client_delete', status: 204 })).toBe(deletes + 1);
    expect(await openKeychainSecrets(dir).store.list()).toEqual([]);
  });
});
