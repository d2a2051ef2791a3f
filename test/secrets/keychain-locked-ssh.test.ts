/**
 * Keychain over SSH (issue 13): a Secret Service that is running but locked, in a session where no unlock prompt can
 * appear (no display), is its own clear error that says how to unlock from the shell, distinct from "no Secret
 * Service". Against a real gnome-keyring whose login collection the test locks over D-Bus.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keychainError, unlockPromptPossible } from '../../main/secrets/errors.ts';
import { startPrivateKeyring, stopPrivateKeyring } from '../setup/keyring.ts';
import { runBin } from '../cli/helpers.ts';

const child = fileURLToPath(new URL('./keychain-child.ts', import.meta.url));

function runChild(env: NodeJS.ProcessEnv, ...args: string[]): { ok: boolean; code?: string; message?: string } {
  const result = spawnSync(process.execPath, [child, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { ok: boolean; code?: string; message?: string };
}

function lockLogin(busAddress: string): void {
  const lock = spawnSync('dbus-send', [
    `--bus=${busAddress}`,
    '--print-reply',
    '--dest=org.freedesktop.secrets',
    '/org/freedesktop/secrets',
    'org.freedesktop.Secret.Service.Lock',
    'array:objpath:/org/freedesktop/secrets/collection/login',
  ]);
  expect(lock.status).toBe(0);
}

describe('a locked keyring where no prompt can be shown', () => {
  it('knows when an unlock prompt is possible', () => {
    expect(unlockPromptPossible({})).toBe(false);
    expect(unlockPromptPossible({ SSH_CONNECTION: '1.2.3.4 5 6.7.8.9 22' })).toBe(false);
    expect(unlockPromptPossible({ DISPLAY: ':0' })).toBe(true);
    expect(unlockPromptPossible({ WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
  });

  it('words the locked error for the session: the shell commands over SSH, the desktop tools otherwise', () => {
    const ssh = keychainError('keychain_locked', undefined, 'linux', {});
    expect(ssh.message).toMatch(/locked, and no unlock prompt can be shown in this session/);
    expect(ssh.message).toContain('gnome-keyring-daemon --unlock');
    expect(ssh.message).toContain('secret-tool search --unlock');
    const desktop = keychainError('keychain_locked', undefined, 'linux', { DISPLAY: ':0' });
    expect(desktop.message).not.toMatch(/no unlock prompt/);
    expect(desktop.message).toContain('secret-tool search --unlock');
    expect(keychainError('keychain_unavailable', undefined, 'linux', {}).message).not.toMatch(/locked/);
  });

  it.runIf(process.platform === 'linux')('reports keychain_locked with the unlock commands, not "no Secret Service", for reads, writes and the CLI', async () => {
    const keyring = await startPrivateKeyring();
    const dataDir = mkdtempSync(join(tmpdir(), 'keyport-locked-'));
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DBUS_SESSION_BUS_ADDRESS: keyring.busAddress };
      expect(runChild(env, 'set', 'Keyport-ssh-locked', 'a', 'secret-value')).toEqual({ ok: true, value: null });
      lockLogin(keyring.busAddress);
      for (const op of ['get', 'set', 'list']) {
        const out = runChild(env, op, 'Keyport-ssh-locked', 'a', 'v2');
        expect(out, op).toMatchObject({ ok: false, code: 'keychain_locked' });
        expect(out.message).toMatch(/Secret Service is running but its login keyring is locked/);
        expect(out.message).toContain('gnome-keyring-daemon --unlock');
        expect(out.message).not.toMatch(/found no Secret Service/);
      }
      // Without a bus at all it is the other error.
      const none = runChild({ PATH: process.env.PATH, HOME: process.env.HOME }, 'get', 'Keyport-ssh-locked', 'a');
      expect(none).toMatchObject({ ok: false, code: 'keychain_unavailable', message: expect.stringMatching(/found no Secret Service/) });

      // The CLI says it in one line and exits 1.
      const add = await runBin(['--data-dir', dataDir, 'servers', 'add', 'http://127.0.0.1:9/mcp', '--name', 'x'], { env });
      expect(add.code, add.stderr).toBe(0);
      const status = await runBin(['--data-dir', dataDir, 'status'], { env: { ...env, DISPLAY: '', WAYLAND_DISPLAY: '' } });
      expect(status.code).toBe(1);
      expect(status.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(status.stderr).toMatch(/^keyport: The Secret Service is running but its login keyring is locked.*gnome-keyring-daemon --unlock/);
    } finally {
      stopPrivateKeyring(keyring);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
