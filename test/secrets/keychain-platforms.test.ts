/**
 * The keychain store's platform rules with a stand-in for keytar (the real one only reaches this machine's Secret
 * Service): Windows' 2,560-byte credential limit (values split into parts), and native errors mapped to codes.
 */
import { describe, expect, it } from 'vitest';
import { KeychainSecretStore, WINDOWS_MAX_VALUE_BYTES } from '../../main/secrets/keychain.ts';
import type { KeytarApi } from '../../main/secrets/keychain.ts';

/** An in-memory keytar that enforces the Windows Credential Manager's blob limit. */
function fakeWindowsKeytar(): KeytarApi & { items: Map<string, string> } {
  const items = new Map<string, string>();
  const key = (service: string, account: string) => `${service}\u0000${account}`;
  return {
    items,
    async getPassword(service, account) {
      return items.get(key(service, account)) ?? null;
    },
    async setPassword(service, account, password) {
      if (Buffer.byteLength(password) > 2560) throw new Error('The stub received bad data.');
      items.set(key(service, account), password);
    },
    async deletePassword(service, account) {
      return items.delete(key(service, account));
    },
    async findCredentials(service) {
      return [...items]
        .filter(([k]) => k.startsWith(`${service}\u0000`))
        .map(([k, password]) => ({ account: k.slice(service.length + 1), password }));
    },
  };
}

describe('KeychainSecretStore on Windows', () => {
  it('splits values over the credential size limit into parts and reassembles them', async () => {
    const keytar = fakeWindowsKeytar();
    const store = new KeychainSecretStore({ service: 'Keyport', keytar, platform: 'win32' });
    const big = `{"token":"${'é'.repeat(3000)}${'x'.repeat(2500)}"}`;
    await store.set('tokens:a', big);
    expect(keytar.items.size).toBeGreaterThan(3);
    for (const value of keytar.items.values()) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(WINDOWS_MAX_VALUE_BYTES + 20);
    expect(await store.get('tokens:a')).toBe(big);
    await store.set('small', 'v');
    expect(await store.list()).toEqual([
      { account: 'tokens:a', value: big },
      { account: 'small', value: 'v' },
    ]);

    await store.set('tokens:a', 'short now');
    expect(await store.get('tokens:a')).toBe('short now');
    expect([...keytar.items.keys()].filter((k) => k.includes('#part-'))).toEqual([]);

    await store.set('tokens:a', big);
    expect(await store.delete('tokens:a')).toBe(true);
    expect([...keytar.items.keys()].map((k) => k.split('\u0000')[1])).toEqual(['small']);
  });

  it('reads a value with a missing part as its marker, so the record layer sets it aside as damaged', async () => {
    const keytar = fakeWindowsKeytar();
    const store = new KeychainSecretStore({ service: 'Keyport', keytar, platform: 'win32' });
    await store.set('tokens:a', 'y'.repeat(5000));
    keytar.items.delete('Keyport\u0000tokens:a#part-1');
    const value = await store.get('tokens:a');
    expect(value).not.toBe('y'.repeat(5000));
    expect(() => JSON.parse(value ?? '')).toThrow();
  });
});

describe('KeychainSecretStore error mapping', () => {
  it('turns native failures into typed errors and never falls back', async () => {
    const failing = (message: string): KeytarApi => ({
      getPassword: async () => Promise.reject(new Error(message)),
      setPassword: async () => Promise.reject(new Error(message)),
      deletePassword: async () => Promise.reject(new Error(message)),
      findCredentials: async () => Promise.reject(new Error(message)),
    });
    const mac = new KeychainSecretStore({ service: 'Keyport', keytar: failing('User interaction is not allowed.'), platform: 'darwin' });
    await expect(mac.get('a')).rejects.toMatchObject({ code: 'keychain_locked', message: expect.stringMatching(/Keychain Access/) });
    const denied = new KeychainSecretStore({ service: 'Keyport', keytar: failing('User canceled the operation.'), platform: 'darwin' });
    await expect(denied.set('a', 'b')).rejects.toMatchObject({ code: 'keychain_denied' });
    const linux = new KeychainSecretStore({ service: 'Keyport', keytar: failing('Cannot autolaunch D-Bus without X11 $DISPLAY'), platform: 'linux' });
    await expect(linux.list()).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('reports a keyring that accepts writes but reads back nothing (wrong password) as locked', async () => {
    const silent: KeytarApi = {
      getPassword: async () => null,
      setPassword: async () => undefined,
      deletePassword: async () => false,
      findCredentials: async () => [],
    };
    const store = new KeychainSecretStore({ service: 'Keyport', keytar: silent, platform: 'linux' });
    await expect(store.get('a')).rejects.toMatchObject({ code: 'keychain_locked' });
  });
});
