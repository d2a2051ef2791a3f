/** A process that adds `count` servers named `<prefix>-<n>` to the list in `dataDir`, one locked update each. */
import { ConfigStore } from '../../main/config/store.ts';
import { buildServer } from '../../main/config/servers.ts';

const [dataDir = '', prefix = 'p', countText = '10'] = process.argv.slice(2);
const config = new ConfigStore(dataDir);
for (let n = 0; n < Number(countText); n++) {
  await config.update((servers) => {
    const server = buildServer(servers, { name: `${prefix}-${n}`, url: `http://127.0.0.1:9/${prefix}/${n}` });
    return { servers: [...servers, server], result: undefined };
  });
}
process.stdout.write('ok');
