/**
 * Issue 13 end to end, as a user over SSH runs it: `bin/keyport.js` processes against the test bed and the real
 * keychain. A device-flow login finished by a scripted user at the verification page; a `--no-browser` login finished
 * by pasting the redirected address (after a forged one with the wrong state and one with the wrong `iss` were
 * refused); a failing browser command falling back to the paste; two accounts (alice and bob) on one server with
 * separate tokens, a tool call per account and a sign-out of one that leaves the other. Afterwards no token, code or
 * device code is in any output or file of the data directory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { startTestBed, type TestBed } from '../servers/testbed.ts';
import { completeDeviceLogin, completeLogin } from '../servers/user-agent.ts';
import { ACCOUNTS } from '../servers/accounts.ts';
import { main, type CliIo } from '../../main/cli.ts';
import { binPath, runBin, type CliRun } from './helpers.ts';

const agent = fileURLToPath(new URL('../servers/browser-agent.ts', import.meta.url));
const browserCommand = `"${process.execPath}" "${agent}"`;

let bed: TestBed;
let dataDir: string;
const outputs: string[] = [];
/** Every secret the test saw: tokens from the keychain, authorization codes and device codes from the AS side. */
const secrets = new Set<string>();

async function cli(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const run = await runBin(['--data-dir', dataDir, ...argv], { env: { BROWSER: '', DISPLAY: '', WAYLAND_DISPLAY: '', ...env }, timeoutMs: 60_000 });
  outputs.push(run.stdout, run.stderr);
  return run;
}

async function rememberTokens(): Promise<void> {
  for (const set of await openKeychainSecrets(dataDir).credentials.listTokenSets()) {
    for (const value of [set.accessToken, set.refreshToken, set.idToken]) if (value) secrets.add(value);
  }
}

/** A `keyport` process the test talks to: its stderr as it arrives, its stdin open for pasting. */
interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  stderr(): string;
  /** Resolves once stderr matches `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [binPath, '--data-dir', dataDir, ...argv], {
    env: { ...process.env, BROWSER: '', DISPLAY: '', WAYLAND_DISPLAY: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      outputs.push(out, err);
      resolve({ code, stdout: out, stderr: err });
    }),
  );
  return {
    child,
    stderr: () => err,
    exited,
    async waitFor(pattern) {
      for (;;) {
        const m = err.match(pattern);
        if (m) return m;
        const more = new Promise<void>((r) => waiters.push(r));
        const done = await Promise.race([more.then(() => false), exited.then(() => true)]);
        if (done) {
          const last = err.match(pattern);
          if (last) return last;
          throw new Error(`keyport exited before printing ${pattern}: ${err}`);
        }
      }
    },
  };
}

/** Runs the user's half of a browser login without reaching the loopback; returns the address the browser ended on. */
async function redirectedAddress(authorizationUrl: string, who: 'alice' | 'bob'): Promise<string> {
  const result = await completeLogin(authorizationUrl, { username: ACCOUNTS[who].username, password: ACCOUNTS[who].password }, { followCallback: false });
  const code = result.params.get('code');
  if (code) secrets.add(code);
  return result.callbackUrl;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

beforeAll(async () => {
  bed = await startTestBed({ authServer: { deviceFlow: { interval: 1 } } });
  dataDir = mkdtempSync(join(tmpdir(), 'keyport-anywhere-'));
  const add = await runBin(['--data-dir', dataDir, 'servers', 'add', bed.mcpUrl, '--name', 'bed']);
  expect(add.code, add.stderr).toBe(0);
});

afterAll(async () => {
  const store = openKeychainSecrets(dataDir).store;
  for (const item of await store.list()) await store.delete(item.account);
  rmSync(dataDir, { recursive: true, force: true });
  await bed?.close();
});

describe('keyport login without a browser on this machine', () => {
  it('signs in with a device code a scripted user enters at the verification page', async () => {
    const run = start(['login', 'bed', '--device']);
    const [, uri] = await run.waitFor(/open this address on any device:\n {2}(\S+)\n/);
    const [, userCode] = await run.waitFor(/enter the code:\n\n {4}(\S+)\n/);
    const [, complete] = await run.waitFor(/which carries the code:\n {2}(\S+)\n/);
    expect(uri).toBe(`${bed.issuer}/device`);
    expect(complete).toContain(uri);
    await run.waitFor(/Waiting for the code to be entered… it expires in (9|10)m \(Ctrl-C to cancel\)/);
    const deviceCode = (await (bed.authServer.provider as unknown as { DeviceCode: { findByUserCode(c: string): Promise<{ jti: string } | undefined> } }).DeviceCode.findByUserCode(userCode!.toUpperCase().replace(/\W/g, '')))?.jti;
    expect(deviceCode).toBeTruthy();
    secrets.add(deviceCode!);
    await completeDeviceLogin(uri!, { username: 'bob', password: ACCOUNTS.bob.password }, { userCode: userCode! });
    const done = await run.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^Signed in to bed \(issuer http:\/\/127\.0\.0\.1:\d+; scopes mcp:read[^)]*\)\.\n$/);
    const token = await cli(['token', 'bed']);
    expect(token.stdout).toMatch(/Subject\s+bob/);
    await rememberTokens();
    expect((await cli(['logout', 'bed'])).code).toBe(0);
  });

  it('keeps a countdown line current on a terminal and clears it when done', async () => {
    let stderr = '';
    const statusLines: string[] = [];
    const io: CliIo = {
      stdout: (text) => outputs.push(text),
      stderr: (text) => (stderr += `${text}\n`),
      readStdin: async () => '',
      env: { ...process.env, BROWSER: '', DISPLAY: '', WAYLAND_DISPLAY: '', KEYPORT_DATA_DIR: '' },
      onInterrupt: () => () => undefined,
      status: (text) => statusLines.push(text),
    };
    const run = main(['--data-dir', dataDir, 'login', 'bed', '--device'], io);
    await expect.poll(() => /enter the code:\n\n {4}(\S+)\n/.exec(stderr)?.[1], { timeout: 15_000 }).toBeDefined();
    const userCode = /enter the code:\n\n {4}(\S+)\n/.exec(stderr)![1]!;
    await expect.poll(() => statusLines.length, { timeout: 5_000 }).toBeGreaterThan(1);
    await completeDeviceLogin(`${bed.issuer}/device`, { username: 'bob', password: ACCOUNTS.bob.password }, { userCode });
    expect(await run).toBe(0);
    outputs.push(stderr);
    expect(statusLines[0]).toMatch(/^Waiting for the code to be entered… expires in (9:\d\d|10:00) \(Ctrl-C to cancel\)$/);
    expect(statusLines.at(-1)).toBe('');
    expect(stderr).not.toContain('it expires in');
    await rememberTokens();
    expect((await cli(['logout', 'bed'])).code).toBe(0);
  });

  it('--no-browser: refuses a forged pasted address (wrong state, wrong iss) without echoing it, then accepts the real one', async () => {
    const run = start(['login', 'bed', '--no-browser']);
    const [, url] = await run.waitFor(/Open this URL to sign in to bed:\n {2}(\S+)\n/);
    await run.waitFor(/paste the address your browser ended on/);
    const real = await redirectedAddress(url!, 'alice');
    const wrongState = new URL(real);
    wrongState.searchParams.set('state', 'forged-state-value-1234567890');
    const wrongIss = new URL(real);
    wrongIss.searchParams.set('iss', 'https://evil.example');
    run.child.stdin.write(`${wrongState.href}\n`);
    await run.waitFor(/refused the pasted address: its state did not match this sign-in/);
    run.child.stdin.write(`${wrongIss.href}\n`);
    await run.waitFor(/refused the pasted address: it named another authorization server \(iss\)/);
    run.child.stdin.write(`${real}\n`);
    const done = await run.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('Address accepted');
    for (const pasted of [wrongState.href, wrongIss.href, real, 'forged-state-value', 'evil.example']) expect(done.stderr).not.toContain(pasted);
    expect(done.stdout).toMatch(/^Signed in to bed /);
    // The loopback was closed by the pasted address: the browser arriving later finds nobody listening.
    await expect(fetch(real)).rejects.toThrow();
    await rememberTokens();
  });

  it('falls back to pasting when the browser command fails', async () => {
    const run = start(['login', 'bed', '--browser-command', 'false']);
    const [, url] = await run.waitFor(/Open this URL to sign in to bed:\n {2}(\S+)\n/);
    await run.waitFor(/The browser command exited with status 1\.\nOr paste the address your browser ended on/);
    run.child.stdin.write(`${await redirectedAddress(url!, 'alice')}\n`);
    const done = await run.exited;
    expect(done.code, done.stderr).toBe(0);
    await rememberTokens();
  });
});

describe('the sign-in method of a server', () => {
  it('servers edit --sign-in-method device makes login show a code without --device; automatic does when no browser can open', async () => {
    expect((await cli(['servers', 'edit', 'bed', '--sign-in-method', 'sideways'])).code).toBe(2);
    expect((await cli(['servers', 'edit', 'bed', '--sign-in-method', 'device'])).code).toBe(0);
    const listed = JSON.parse((await cli(['--json', 'servers', 'list'])).stdout) as { servers: Array<{ auth: { signInMethod?: string } }> };
    expect(listed.servers[0]?.auth.signInMethod).toBe('device');
    for (const method of ['device', 'automatic']) {
      expect((await cli(['servers', 'edit', 'bed', '--sign-in-method', method])).code).toBe(0);
      // automatic: no DISPLAY and no browser command here, so a device code.
      const run = start(['login', 'bed']);
      await run.waitFor(/enter the code:/);
      run.child.kill('SIGINT');
      const done = await run.exited;
      expect(done.code).toBe(130);
      expect(done.stderr).not.toContain('Open this URL');
    }
    expect((await cli(['servers', 'edit', 'bed', '--sign-in-method', 'browser'])).code).toBe(0);
  });
});

describe('several accounts on one server', () => {
  it('keeps alice and bob apart: separate tokens, a call as each, signing out one leaves the other', async () => {
    expect((await cli(['login', 'bed', '--browser-command', browserCommand])).code).toBe(0);
    const bob = await cli(['login', 'bed', '--account', 'bob', '--browser-command', browserCommand], { KEYPORT_TEST_USER: 'bob' });
    expect(bob.code, bob.stderr).toBe(0);
    expect(bob.stdout).toMatch(/^Signed in to bed as bob \(account "bob"; issuer /);
    // The second identity was asked for with prompt=login (the AS lists no select_account).
    const authorizations = bed.authServer.log.filter((r) => r.endpoint === 'authorization');
    expect(authorizations.length).toBeGreaterThanOrEqual(2);

    const list = await cli(['accounts', 'bed']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^\*\s+default\s+alice\s/m);
    expect(list.stdout).toMatch(/^\s+bob\s+bob\s/m);
    const json = JSON.parse((await cli(['--json', 'accounts', 'bed'])).stdout) as { active: string; accounts: Array<{ account: string; subject: string }> };
    expect(json.active).toBe('default');
    expect(json.accounts.map((a) => [a.account, a.subject])).toEqual([['default', 'alice'], ['bob', 'bob']]);

    const sets = await openKeychainSecrets(dataDir).credentials.listTokenSets();
    expect(sets.map((s) => s.account).sort()).toEqual(['bob', 'default']);
    expect(new Set(sets.map((s) => s.accessToken)).size).toBe(2);
    await rememberTokens();

    const asAlice = JSON.parse((await cli(['--json', 'call', 'bed', 'get_user_profile'])).stdout) as { result: { structuredContent: { username?: string; sub?: string } } };
    const asBob = JSON.parse((await cli(['--json', 'call', 'bed', 'get_user_profile', '--account', 'bob'])).stdout) as { result: { structuredContent: { username?: string; sub?: string } } };
    expect(JSON.stringify(asAlice.result.structuredContent)).toContain('alice');
    expect(JSON.stringify(asBob.result.structuredContent)).toContain('bob');
    expect(JSON.stringify(asBob.result.structuredContent)).not.toContain('alice');
    expect((await cli(['status', 'bed', '--account', 'bob'])).stdout).toMatch(/signed-in/);

    const out = await cli(['logout', 'bed', '--account', 'bob']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/revoked/);
    expect((await cli(['status', 'bed', '--account', 'bob'])).stdout).toMatch(/signed-out/);
    expect((await cli(['status', 'bed'])).stdout).toMatch(/signed-in/);
    const still = await cli(['call', 'bed', 'get_user_profile']);
    expect(still.code, still.stderr).toBe(0);
    expect(still.stdout).toContain('alice');
  });

  it('signing in again as an identity already stored replaces that account, never another one', async () => {
    const before = await openKeychainSecrets(dataDir).credentials.listTokenSets();
    const run = await cli(['login', 'bed', '--account', 'work', '--browser-command', browserCommand]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/alice was already signed in as account "default"; its tokens were replaced there/);
    const after = await openKeychainSecrets(dataDir).credentials.listTokenSets();
    expect(after.map((s) => s.account)).toEqual(['default']);
    expect(after[0]!.accessToken).not.toBe(before.find((s) => s.account === 'default')?.accessToken);
    await rememberTokens();
  });

  it('refuses an account name that is not a plain name', async () => {
    const run = await cli(['status', 'bed', '--account', 'a b']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--account takes a name/);
  });
});

describe('no secret leaked', () => {
  it('never printed or wrote a token, an authorization code or a device code', () => {
    expect(secrets.size).toBeGreaterThan(4);
    const texts = [...outputs, ...allFiles(dataDir).map((f) => readFileSync(f, 'utf8'))];
    for (const secret of secrets) for (const text of texts) expect(text.includes(secret)).toBe(false);
  });
});
