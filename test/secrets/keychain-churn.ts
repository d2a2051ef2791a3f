/**
 * A process that either lists the items of a service `count` times or creates and deletes items `count` times, with
 * the cross-process keychain lock. Used to show that listing while another process deletes no longer crashes.
 */
import { KeychainSecretStore } from '../../main/secrets/keychain.ts';

const [service = '', lockFile = '', mode = 'list', countText = '50'] = process.argv.slice(2);
const store = new KeychainSecretStore({ service, lockFile });
for (let i = 0; i < Number(countText); i++) {
  if (mode === 'list') await store.list();
  else {
    await store.set(`churn-${i}`, `value-${i}`);
    await store.delete(`churn-${i}`);
  }
}
process.stdout.write('ok');
