/**
 * The CLI end to end, as a user runs it: `bin/keyport.js` processes against the test bed (oidc-provider and the
 * protected MCP server on 127.0.0.1), the real keychain (the private one from test/setup/keyring.ts), and the
 * browser agent as `--browser-command`. After the logins, every file under the data directory and everything the
 * CLI printed is searched for the live token values.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import type { TokenSetRecord } from '../../main/oauth/store.ts';
import { startTestBed } from '../servers/testbed.ts';
import type { TestBed } from '../servers/testbed.ts';
import { nativeClient } from '../mcp/helpers/engine-bed.ts';
import { binPath, runBin } from './helpers.ts';
import type { CliRun } from './helpers.ts';

const agent = fileURLToPath(new URL('../servers/browser-agent.ts', import.meta.url));
const browserCommand = `"${process.execPath}" "${agent}"`;

let bed: TestBed;
let dataDir: string;
/** A second data directory, for the dynamic-registration path (a URL used for the first time). */
let dataDir2: string;
const outputs: string[] = [];
const seenTokens = new Set<string>();

async function cli(argv: readonly string[], env: NodeJS.ProcessEnv = {}, dir = dataDir): Promise<CliRun> {
  const run = await runBin(['--data-dir', dir, ...argv], { env: { BROWSER: '', ...env }, timeoutMs: 60_000 });
  outputs.push(run.stdout, run.stderr);
  return run;
}

/** The token sets in the keychain right now (and remember their values for the leak check). */
async function storedTokenSets(dir = dataDir): Promise<readonly TokenSetRecord[]> {
  const sets = await openKeychainSecrets(dir).credentials.listTokenSets();
  for (const set of sets) for (const value of [set.accessToken, set.refreshToken, set.idToken]) if (value) seenTokens.add(value);
  return sets;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

/** A public native client registered ahead of time (the CLI's `--client-id` path). */
const CLIENT_ID = 'keyport-cli-e2e';

beforeAll(async () => {
  bed = await startTestBed({ authServer: { clients: [nativeClient(CLIENT_ID)] } });
  dataDir = mkdtempSync(join(tmpdir(), 'keyport-e2e-'));
  dataDir2 = mkdtempSync(join(tmpdir(), 'keyport-e2e-'));
  const add = await runBin(['--data-dir', dataDir, 'servers', 'add', bed.mcpUrl, '--name', 'bed', '--client-id', CLIENT_ID]);
  expect(add.code, add.stderr).toBe(0);
});

afterAll(async () => {
  for (const dir of [dataDir, dataDir2]) {
    const secrets = openKeychainSecrets(dir);
    for (const item of await secrets.store.list()) await secrets.store.delete(item.account);
    rmSync(dir, { recursive: true, force: true });
  }
  await bed?.close();
});

describe('keyport CLI against the test bed', () => {
  it('logs in through --browser-command, printing the URL and the waiting line on stderr', async () => {
    const run = await cli(['login', 'bed', '--browser-command', browserCommand]);
    expect(run.stderr).toContain('Waiting for sign-in in your browser… (Ctrl-C to cancel)');
    expect(run.stderr).toMatch(new RegExp(`Open this URL to sign in to bed:\\n  ${bed.issuer}/auth\\?`));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Signed in to bed \(issuer http:\/\/127\.0\.0\.1:\d+; scopes mcp:read mcp:write, expires in (59m|1h 0m)\)\.\n$/);
    const sets = await storedTokenSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]?.refreshToken).toBeTruthy();
  });

  it('shows status, the decoded token, and the raw token only with --reveal', async () => {
    const status = await cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^bed\s+signed-in \(expires in (59m|1h 0m)\)\n$/);
    const json = JSON.parse((await cli(['--json', 'status', 'bed'])).stdout) as { servers: Array<{ status: { state: string } }> };
    expect(json.servers[0]?.status.state).toBe('signed-in');

    const token = await cli(['token', 'bed']);
    expect(token.code).toBe(0);
    expect(token.stdout).toContain(`Issuer:        ${bed.issuer}`);
    expect(token.stdout).toMatch(/Client: {8}\S+ \(preregistered registration\)/);
    expect(token.stdout).toMatch(/Subject\s+alice/);
    expect(token.stdout).toContain(`Audience     ${bed.mcpUrl}`);
    expect(token.stdout).toMatch(/Refresh token: present, .*; never refreshed/);
    const [set] = await storedTokenSets();
    expect(token.stdout).not.toContain(set?.accessToken);

    const revealed = await cli(['--json', 'token', 'bed', '--reveal']);
    expect(JSON.parse(revealed.stdout)).toMatchObject({ accessToken: set?.accessToken, tokenSet: { issuer: bed.issuer } });
    outputs.pop();
    outputs.pop(); // the explicit --reveal output is the one place a token may appear
  });

  it('lists tools and calls them with the stored token', async () => {
    const tools = await cli(['tools', 'bed']);
    expect(tools.code, tools.stderr).toBe(0);
    expect(tools.stdout).toMatch(/^read_data\s/m);
    const call = await cli(['--json', 'call', 'bed', 'write_data', '--args', '{"key":"k","value":"v1"}']);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ result: { tool: 'write_data', isError: false } });
    const read = await cli(['call', 'bed', 'read_data', '--args', '{"key":"k"}']);
    expect(read.code).toBe(0);
    expect(read.stdout).toContain('v1');
    const bad = await cli(['call', 'bed', 'fail_always']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/reported an error/);
  });

  it('refreshes an expired token silently on the next use', async () => {
    bed.authServer.setTokenTtls({ accessToken: 2 });
    expect((await cli(['login', 'bed', '--browser-command', browserCommand])).code).toBe(0);
    bed.authServer.setTokenTtls({ accessToken: 3600 });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await cli(['status'])).stdout).toMatch(/expired \(will refresh on next use\)/);
    const before = bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' });
    const call = await cli(['call', 'bed', 'public_info']);
    expect(call.code, call.stderr).toBe(0);
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' })).toBe(before + 1);
    expect((await cli(['status'])).stdout).toMatch(/signed-in \(expires in (59m|1h 0m)\)/);
    expect((await cli(['token', 'bed'])).stdout).toMatch(/last refresh .* \(ok, rotated\)/);
    await storedTokenSets();
  });

  it('two processes refreshing the same family 50 times each never reuse a rotated refresh token', async () => {
    const child = fileURLToPath(new URL('./refresh-child.ts', import.meta.url));
    const run = () =>
      new Promise<{ ok: number; failures: string[] }>((resolve, reject) => {
        const proc = spawn(process.execPath, [child, dataDir, 'bed', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
        proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
        proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { ok: number; failures: string[] }) : reject(new Error(err))));
      });
    const before = bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' });
    const settled = await Promise.allSettled([run(), run()]);
    const results = settled.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)));
    expect(results).toEqual([
      { ok: 50, failures: [] },
      { ok: 50, failures: [] },
    ]);
    // Each call either refreshed or found the family already rotated by the other process while it waited.
    const refreshes = bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' }) - before;
    expect(refreshes).toBeGreaterThanOrEqual(50);
    expect(refreshes).toBeLessThanOrEqual(100);
    expect(bed.authServer.count({ endpoint: 'token', error: 'invalid_grant' })).toBe(0);
    const call = await cli(['call', 'bed', 'public_info']);
    expect(call.code, call.stderr).toBe(0);
    expect(await storedTokenSets()).toHaveLength(1);
  });

  it('reports a refused consent in one line and keeps the tokens it had', async () => {
    const before = await storedTokenSets();
    const run = await cli(['login', 'bed', '--browser-command', browserCommand], { KEYPORT_TEST_CONSENT: 'deny' });
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('keyport: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/denied|refused/i);
    const after = await storedTokenSets();
    expect(after.map((t) => t.accessToken)).toEqual(before.map((t) => t.accessToken));
  });

  it('cancels a login on Ctrl-C: callback server closed, nothing stored', async () => {
    const before = await storedTokenSets();
    const child = spawn(process.execPath, [binPath, '--data-dir', dataDir, 'login', 'bed', '--browser-command', 'true', '--scope', 'mcp:read'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const waiting = new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('Ctrl-C to cancel')) resolve();
      }),
    );
    await Promise.race([waiting, exited.then(() => Promise.reject(new Error(`login exited early: ${stderr}`)))]);
    const redirect = new URL(new URL(stderr.match(/https?:\/\/\S+/)?.[0] ?? '').searchParams.get('redirect_uri') ?? '');
    child.kill('SIGINT');
    const code = await exited;
    outputs.push(stderr);
    expect(code).toBe(130);
    expect(stderr).toMatch(/keyport: Sign-in cancelled; nothing was stored\.\n$/);
    await expect(fetch(redirect)).rejects.toThrow();
    const after = await storedTokenSets();
    expect(after.map((t) => [t.accessToken, t.refreshToken, t.obtainedAt])).toEqual(before.map((t) => [t.accessToken, t.refreshToken, t.obtainedAt]));
  });

  it('logs out, revoking at the authorization server', async () => {
    const before = bed.authServer.count({ endpoint: 'revocation' });
    const run = await cli(['logout', 'bed']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/tokens revoked at the authorization server and forgotten/);
    expect(bed.authServer.count({ endpoint: 'revocation' })).toBeGreaterThan(before);
    expect(await storedTokenSets()).toEqual([]);
    expect((await cli(['status', 'bed'])).stdout).toMatch(/signed-out/);
    const tools = await cli(['tools', 'bed']);
    expect(tools.code).toBe(1);
    expect(tools.stderr).toMatch(/needs you to sign in: run `keyport login/);
  });

  it('adds a new URL on first use, registers dynamically (RFC 7591) and honours $BROWSER', async () => {
    const run = await cli(['login', bed.mcpUrl], { BROWSER: browserCommand, KEYPORT_TEST_USER: 'bob' }, dataDir2);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^Added http:\/\/127\.0\.0\.1:\d+\/mcp as "127\.0\.0\.1:\d+"\./);
    expect(run.stdout).toMatch(/scopes mcp:read[;,]/);
    const token = await cli(['token', bed.mcpUrl], {}, dataDir2);
    expect(token.stdout).toMatch(/Client: {8}\S+ \(dynamic registration\)/);
    expect(token.stdout).toMatch(/Subject\s+bob/);
    expect(await storedTokenSets(dataDir2)).toHaveLength(1);
    const denied = await cli(['call', bed.mcpUrl, 'write_data', '--args', '{"key":"k","value":"v"}'], {}, dataDir2);
    expect(denied.code).toBe(1);
    expect(denied.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect((await cli(['logout', bed.mcpUrl], {}, dataDir2)).code).toBe(0);
    expect(await storedTokenSets(dataDir2)).toEqual([]);
  });

  it('never wrote or printed a live token', () => {
    expect(seenTokens.size).toBeGreaterThan(2);
    const texts = [...outputs, ...[dataDir, dataDir2].flatMap(allFiles).map((f) => readFileSync(f, 'utf8'))];
    for (const token of seenTokens) for (const text of texts) expect(text.includes(token)).toBe(false);
  });
});
