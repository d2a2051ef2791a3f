/**
 * Runs one keychain operation in a child process and prints `{ ok, value } | { ok: false, code, message }` as JSON.
 * The failure-mode tests use it because libsecret caches its D-Bus connection per process (and a locked collection
 * must be detected before it can crash a listing).
 */
import { KeychainSecretStore } from '../../main/secrets/keychain.ts';

const [op = 'get', service = 'Keyport-child-test', account = 'probe', value = 'v'] = process.argv.slice(2);
const store = new KeychainSecretStore({ service });
try {
  const result =
    op === 'set' ? await store.set(account, value) : op === 'list' ? await store.list() : op === 'delete' ? await store.delete(account) : await store.get(account);
  process.stdout.write(JSON.stringify({ ok: true, value: result ?? null }));
} catch (err) {
  const e = err as { code?: string; message?: string };
  process.stdout.write(JSON.stringify({ ok: false, code: e.code, message: e.message }));
}
