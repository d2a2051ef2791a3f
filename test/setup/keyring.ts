/**
 * Vitest globalSetup: a real, private, unlocked Secret Service for the keychain tests.
 *
 * On Linux, when no usable Secret Service is reachable (no session bus, no `org.freedesktop.secrets`, or a locked
 * default collection), this starts a private D-Bus session bus and a gnome-keyring daemon unlocked with a random
 * password, in a fresh temporary XDG_DATA_HOME, and exports DBUS_SESSION_BUS_ADDRESS so the test workers (forked
 * after globalSetup) inherit it. Teardown kills both daemons by PID (the keyring daemon can outlive its bus) and
 * removes the temporary folder. Tests never touch a user's own items either way: Keyport's service name carries a
 * hash of the (temporary) data directory.
 *
 * Set KEYPORT_TEST_PRIVATE_KEYRING=1 to force a private keyring even when the session has a usable one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running private keyring: what a test needs to use it and what teardown needs to stop it. */
export interface PrivateKeyring {
  /** The private bus address, for DBUS_SESSION_BUS_ADDRESS. */
  readonly busAddress: string;
  readonly busPid: number;
  /** The gnome-keyring daemon's PID, when one was started (undefined with `unlock: 'none'`). */
  readonly keyringPid: number | undefined;
  /** Extra variables the keyring daemon printed (GNOME_KEYRING_CONTROL …). */
  readonly env: Readonly<Record<string, string>>;
  readonly tempDir: string;
}

/** How to start a private keyring: unlocked (the normal case) or with no daemon at all (a failure-mode test). */
export interface PrivateKeyringOptions {
  /** 'unlocked' starts gnome-keyring with an unlocked login collection; 'none' starts only the bus. */
  readonly keyring?: 'unlocked' | 'none';
}

/** Environment for the daemons: only the private bus and temporary XDG folders, nothing of the user's session. */
function daemonEnv(tempDir: string, busAddress?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(tempDir, 'home'),
    XDG_DATA_HOME: join(tempDir, 'data'),
    XDG_CONFIG_HOME: join(tempDir, 'config'),
    XDG_CACHE_HOME: join(tempDir, 'cache'),
    XDG_RUNTIME_DIR: join(tempDir, 'run'),
  };
  if (busAddress !== undefined) env.DBUS_SESSION_BUS_ADDRESS = busAddress;
  return env;
}

/** Calls a method on the bus with `dbus-send` and returns its printed reply, or undefined when it fails. */
function dbusSend(busAddress: string, args: readonly string[]): string | undefined {
  const result = spawnSync('dbus-send', [`--bus=${busAddress}`, '--print-reply', ...args], {
    encoding: 'utf8',
    timeout: 5_000,
  });
  return result.status === 0 ? result.stdout : undefined;
}

/** The PID of the process that owns `name` on the bus, or undefined. */
export function busNameOwnerPid(busAddress: string, name: string): number | undefined {
  const reply = dbusSend(busAddress, [
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.GetConnectionUnixProcessID',
    `string:${name}`,
  ]);
  const match = reply?.match(/uint32\s+(\d+)/);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Whether the session in `busAddress` has a running Secret Service whose default collection is unlocked. */
export function secretServiceUsable(busAddress: string | undefined): boolean {
  if (busAddress === undefined || busAddress === '') return false;
  const owner = dbusSend(busAddress, [
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner',
    'string:org.freedesktop.secrets',
  ]);
  if (owner === undefined || !/boolean true/.test(owner)) return false;
  const locked = dbusSend(busAddress, [
    '--dest=org.freedesktop.secrets',
    '/org/freedesktop/secrets/aliases/default',
    'org.freedesktop.DBus.Properties.Get',
    'string:org.freedesktop.Secret.Collection',
    'string:Locked',
  ]);
  return locked !== undefined && /boolean false/.test(locked);
}

/** Waits until `name` has an owner on the bus and returns the owner's PID. */
async function waitForOwner(busAddress: string, name: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = busNameOwnerPid(busAddress, name);
    if (pid !== undefined) return pid;
    if (Date.now() > deadline) throw new Error(`${name} did not appear on the private bus within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts a private session bus and (unless `keyring: 'none'`) a gnome-keyring daemon whose login collection is
 * created and unlocked with a random password, so no prompt can ever appear.
 */
export async function startPrivateKeyring(options: PrivateKeyringOptions = {}): Promise<PrivateKeyring> {
  const tempDir = mkdtempSync(join(tmpdir(), 'keyport-keyring-'));
  for (const sub of ['home', 'data', 'config', 'cache']) mkdirSync(join(tempDir, sub), { recursive: true });
  mkdirSync(join(tempDir, 'run'), { recursive: true, mode: 0o700 });

  const bus = spawnSync(
    'dbus-daemon',
    ['--session', '--fork', '--nopidfile', '--print-address=1', '--print-pid=1'],
    { encoding: 'utf8', env: daemonEnv(tempDir), timeout: 10_000 },
  );
  const [busAddress, busPidText] = (bus.stdout ?? '').trim().split('\n');
  if (bus.status !== 0 || busAddress === undefined || busPidText === undefined) {
    rmSync(tempDir, { recursive: true, force: true });
    throw new Error(`could not start a private D-Bus session: ${bus.stderr || bus.error?.message || 'no output'}`);
  }
  const busPid = Number(busPidText);
  if (options.keyring === 'none') return { busAddress, busPid, keyringPid: undefined, env: {}, tempDir };

  const password = randomBytes(24).toString('hex');
  const env: Record<string, string> = {};
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
        env: daemonEnv(tempDir, busAddress),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('exit', (code) => {
        for (const line of out.split('\n')) {
          const eq = line.indexOf('=');
          if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
        }
        if (code === 0) resolve();
        else reject(new Error(`gnome-keyring-daemon exited with ${code}: ${err.trim()}`));
      });
      child.stdin.end(password);
    });
    const keyringPid = await waitForOwner(busAddress, 'org.freedesktop.secrets', 10_000);
    return { busAddress, busPid, keyringPid, env, tempDir };
  } catch (error) {
    killPid(busPid);
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
}

function killPid(pid: number | undefined): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/**
 * Stops a private keyring: the keyring daemon first (also one that D-Bus activation started), then the bus, then
 * removes the temporary folder.
 */
export function stopPrivateKeyring(keyring: PrivateKeyring): void {
  const activated = busNameOwnerPid(keyring.busAddress, 'org.freedesktop.secrets');
  killPid(activated);
  if (keyring.keyringPid !== activated) killPid(keyring.keyringPid);
  killPid(keyring.busPid);
  rmSync(keyring.tempDir, { recursive: true, force: true });
}

/**
 * A detached watchdog that stops the daemons and removes the folder when `ownerPid` dies without a teardown (a test
 * run killed by a timeout or Ctrl-C), and exits by itself once the bus is gone (a normal teardown).
 */
export function watchPrivateKeyring(keyring: PrivateKeyring, ownerPid: number = process.pid): void {
  const script = `
    const [owner, bus, keyring, dir] = process.argv.slice(1);
    const alive = (pid) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
    const stop = (pid) => { try { if (Number(pid) > 1) process.kill(Number(pid), 'SIGTERM'); } catch {} };
    setInterval(() => {
      if (!alive(bus)) process.exit(0);
      if (alive(owner)) return;
      stop(keyring); stop(bus);
      try { require('node:fs').rmSync(dir, { recursive: true, force: true }); } catch {}
      process.exit(0);
    }, 1000);
  `;
  const child = spawn(
    process.execPath,
    ['-e', script, String(ownerPid), String(keyring.busPid), String(keyring.keyringPid ?? 0), keyring.tempDir],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
}

let started: PrivateKeyring | undefined;

/** Vitest globalSetup entry: starts a private keyring when the session has no usable Secret Service. */
export async function setup(): Promise<void> {
  if (process.platform !== 'linux') return;
  const force = process.env.KEYPORT_TEST_PRIVATE_KEYRING === '1';
  if (!force && secretServiceUsable(process.env.DBUS_SESSION_BUS_ADDRESS)) return;
  started = await startPrivateKeyring();
  watchPrivateKeyring(started);
  process.env.DBUS_SESSION_BUS_ADDRESS = started.busAddress;
  for (const [key, value] of Object.entries(started.env)) process.env[key] = value;
  process.env.KEYPORT_TEST_KEYRING = 'private';
}

/** Vitest globalSetup exit: stops the daemons this run started, by PID. */
export async function teardown(): Promise<void> {
  if (started === undefined) return;
  stopPrivateKeyring(started);
  started = undefined;
}
