import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyKeychainFailure } from '../../main/secrets/errors.ts';
import { KeychainSecretStore, loadKeytar, serviceNameFor, type KeytarApi } from '../../main/secrets/keychain.ts';
import { busNameOwnerPid, startPrivateKeyring, stopPrivateKeyring } from '../setup/keyring.ts';

const child = fileURLToPath(new URL('./keychain-child.ts', import.meta.url));
const service = `Keyport-test-${randomBytes(6).toString('hex')}`;
const store = new KeychainSecretStore({ service });

/** Runs one operation in a child process with the given environment. */
function runChild(env: NodeJS.ProcessEnv, ...args: string[]): { ok: boolean; code?: string; message?: string; value?: unknown } {
  const result = spawnSync(process.execPath, [child, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { ok: boolean; code?: string; message?: string; value?: unknown };
}

afterAll(async () => {
  for (const item of await store.list()) await store.delete(item.account);
});

/** The real keytar, counting the calls that write to the keyring. */
function countingKeytar(): { api: KeytarApi; writes: () => number } {
  const real = loadKeytar();
  let writes = 0;
  return {
    api: {
      ...real,
      setPassword: (...args) => {
        writes++;
        return real.setPassword(...args);
      },
      deletePassword: (...args) => {
        writes++;
        return real.deletePassword(...args);
      },
    },
    writes: () => writes,
  };
}

describe('KeychainSecretStore on the real Secret Service', () => {
  // Regression: every app start and CLI command used to write and delete a probe item (rewriting the keyring file,
  // ~20 ms) before its first read.
  it('after the first full probe, a new store proves the keychain usable with reads only', async () => {
    const probeService = `${service}-probe`;
    const first = countingKeytar();
    await new KeychainSecretStore({ service: probeService, keytar: first.api }).get('anything');
    expect(first.writes()).toBeGreaterThan(0);
    const second = countingKeytar();
    const again = new KeychainSecretStore({ service: probeService, keytar: second.api });
    expect(await again.get('anything')).toBeUndefined();
    expect(await again.list()).toEqual([]);
    expect(second.writes()).toBe(0);
  });

  it('stores, reads, lists and deletes items of its own service only', async () => {
    const other = new KeychainSecretStore({ service: `${service}-other` });
    await store.set('a', 'value-a');
    await store.set('b', 'value-b');
    await other.set('a', 'other-a');
    await store.set('a', 'value-a2');
    expect(await store.get('a')).toBe('value-a2');
    expect(await store.get('missing')).toBeUndefined();
    expect([...(await store.list())].sort((x, y) => x.account.localeCompare(y.account))).toEqual([
      { account: 'a', value: 'value-a2' },
      { account: 'b', value: 'value-b' },
    ]);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await other.get('a')).toBe('other-a');
    await other.delete('a');
  });
});

describe('concurrent processes', () => {
  it('regression: listing while another process deletes items crashed libsecret (now serialized by the lock)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyport-churn-'));
    const churnService = `${service}-churn`;
    const script = fileURLToPath(new URL('./keychain-churn.ts', import.meta.url));
    const run = (mode: string) =>
      new Promise<string>((resolve) => {
        const proc = spawn(process.execPath, [script, churnService, join(dir, 'keychain.lock'), mode, '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
        proc.on('exit', (code, signal) => resolve(code === 0 ? out : `exit ${code ?? signal}`));
      });
    try {
      await new KeychainSecretStore({ service: churnService }).set('seed', 'x');
      expect(await Promise.all([run('list'), run('churn'), run('list')])).toEqual(['ok', 'ok', 'ok']);
    } finally {
      await new KeychainSecretStore({ service: churnService }).delete('seed');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('service names', () => {
  it('uses Keyport for the default data directory and a stable hash suffix for any other', () => {
    expect(serviceNameFor('/home/u/.config/Keyport', '/home/u/.config/Keyport/')).toBe('Keyport');
    const a = serviceNameFor('/tmp/x', '/home/u/.config/Keyport');
    expect(a).toMatch(/^Keyport-[0-9a-f]{12}$/);
    expect(serviceNameFor('/tmp/x/', '/home/u/.config/Keyport')).toBe(a);
    expect(serviceNameFor('/tmp/y', '/home/u/.config/Keyport')).not.toBe(a);
  });
});

describe('keychain failure modes', () => {
  it.runIf(process.platform === 'linux')('reports keychain_unavailable with what to do when there is no D-Bus session', () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const out = runChild(env, 'get', service, 'x');
    expect(out).toMatchObject({ ok: false, code: 'keychain_unavailable' });
    expect(out.message).toMatch(/gnome-keyring/);
  });

  it.runIf(process.platform === 'linux')('reports keychain_locked for a locked collection, for reads and listings', async () => {
    const keyring = await startPrivateKeyring();
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DBUS_SESSION_BUS_ADDRESS: keyring.busAddress };
      expect(runChild(env, 'set', 'Keyport-locked', 'a', 'secret-value')).toEqual({ ok: true, value: null });
      const lock = spawnSync('dbus-send', [
        `--bus=${keyring.busAddress}`,
        '--print-reply',
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock',
        'array:objpath:/org/freedesktop/secrets/collection/login',
      ]);
      expect(lock.status).toBe(0);
      for (const op of ['get', 'list', 'set']) {
        const out = runChild(env, op, 'Keyport-locked', 'a', 'v2');
        expect(out, op).toMatchObject({ ok: false, code: 'keychain_locked' });
        expect(out.message).toMatch(/unlock/);
      }
    } finally {
      stopPrivateKeyring(keyring);
    }
  });

  it.runIf(process.platform === 'linux')('reports keychain_locked when the Secret Service has no login collection', async () => {
    const keyring = await startPrivateKeyring({ keyring: 'none' });
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DBUS_SESSION_BUS_ADDRESS: keyring.busAddress };
      const out = runChild(env, 'set', 'Keyport-nologin', 'a', 'v');
      expect(out).toMatchObject({ ok: false, code: 'keychain_locked' });
      expect(busNameOwnerPid(keyring.busAddress, 'org.freedesktop.secrets')).toBeTypeOf('number');
    } finally {
      stopPrivateKeyring(keyring);
    }
  });

  it('maps native messages to stable codes', () => {
    expect(classifyKeychainFailure(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')).code).toBe('keychain_unavailable');
    expect(classifyKeychainFailure(new Error('Cannot create an item in a locked collection')).code).toBe('keychain_locked');
    expect(classifyKeychainFailure(new Error('User canceled the operation.')).code).toBe('keychain_denied');
  });
});
