/**
 * bench/warm-start: with valid tokens already stored, the time from "start" (a fresh engine over the stored
 * credentials + a fresh connection) to "tools listed", against a raw SDK `Client` that connects to the same server
 * with the same bearer in a static header (no OAuth machinery at all), in alternating rounds. Also counts the OAuth
 * requests Keyport made on the warm path (authorization server + protected-resource metadata): target 0.
 * Targets: median ratio ≤ 1.1 and 0 OAuth requests.
 *
 * Bearer tokens (`dpop: 'off'`), so both sides send the same kind of request; a DPoP-bound token would add a proof
 * per request on Keyport's side only.
 * The tokens are in the real OS keychain (the Secret Service on Linux; a private, throw-away gnome-keyring is started
 * when none is reachable). Every "start" builds a new keychain store, engine and connection and reads the tokens from
 * the Secret Service; only libsecret's D-Bus connection and session stay open between starts, as in a running app.
 * Both sides share the process's HTTP connection pool. The run also prints how many keychain items each Keyport start
 * read and how long that read took, which is most of the difference between the two sides.
 *
 * Run: `npm run bench -- warm-start` (or `node bench/warm-start/index.ts [--rounds N]`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialStore, FetchFn } from '../../main/oauth/index.ts';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { secretServiceUsable, startPrivateKeyring, stopPrivateKeyring, type PrivateKeyring } from '../../test/setup/keyring.ts';
import { connectionFor, engineFor, signIn, startBedWithClient } from '../../test/mcp/helpers/engine-bed.ts';
import { median, numberArg, printResult } from '../lib.ts';

const RATIO_TARGET = 1.1;
const rounds = numberArg('rounds', 60);

let keyring: PrivateKeyring | undefined;
if (process.platform === 'linux' && !secretServiceUsable(process.env.DBUS_SESSION_BUS_ADDRESS)) {
  keyring = await startPrivateKeyring();
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress;
  Object.assign(process.env, keyring.env);
}
const dataDir = await mkdtemp(join(tmpdir(), 'keyport-bench-warm-'));
const bed = await startBedWithClient();
try {
  // First run: the user signs in once; tokens land in the keychain.
  await signIn(bed, 'alice', { store: openKeychainSecrets(dataDir).credentials, dpop: 'off' });

  // The raw client needs the same bearer: observe it once on the wire (bench only; never logged).
  let bearer: string | undefined;
  const spy: FetchFn = (input, init) => {
    const auth = new Headers(init?.headers).get('authorization');
    if (auth !== null && String(input instanceof Request ? input.url : input).startsWith(bed.mcpUrl)) bearer = auth;
    return fetch(input, init);
  };

  // What the keychain costs inside each Keyport start: how many items it read, and how long the token-set read took.
  const keychain = { reads: [] as number[], readMs: [] as number[] };
  const observed = (inner: CredentialStore): CredentialStore => {
    let reads = 0;
    const count = <T>(p: Promise<T>): Promise<T> => {
      reads++;
      return p;
    };
    keychain.reads.push(0);
    const slot = keychain.reads.length - 1;
    const done = <T>(p: Promise<T>): Promise<T> => p.finally(() => (keychain.reads[slot] = reads));
    return {
      getRegistration: (issuer) => done(count(inner.getRegistration(issuer))),
      putRegistration: (record) => inner.putRegistration(record),
      deleteRegistration: (issuer) => inner.deleteRegistration(issuer),
      putTokenSet: (record) => inner.putTokenSet(record),
      deleteTokenSet: (key) => inner.deleteTokenSet(key),
      listTokenSets: () => done(count(inner.listTokenSets())),
      findTokenSetKey: (serverUrl, account) => inner.findTokenSetKey!(serverUrl, account),
      getTokenSet: async (key) => {
        const t = performance.now();
        const record = await done(count(inner.getTokenSet(key)));
        keychain.readMs.push(performance.now() - t);
        return record;
      },
    };
  };

  const keyportStart = async (fetchFn?: FetchFn): Promise<number> => {
    const t0 = performance.now();
    const store = observed(openKeychainSecrets(dataDir).credentials);
    const signed = engineFor(bed, 'alice', { store, dpop: 'off', ...(fetchFn !== undefined ? { fetch: fetchFn } : {}) });
    const conn = connectionFor(bed, signed, { reconnect: false });
    await conn.connect();
    const tools = await conn.listTools();
    const ms = performance.now() - t0;
    if (tools.length === 0) throw new Error('no tools listed');
    await conn.disconnect();
    return ms;
  };
  const rawStart = async (): Promise<number> => {
    const t0 = performance.now();
    const client = new Client({ name: 'raw-bench', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(bed.mcpUrl), { requestInit: { headers: { Authorization: bearer ?? '' } } });
    await client.connect(transport);
    const { tools } = await client.listTools();
    const ms = performance.now() - t0;
    if (tools.length === 0) throw new Error('no tools listed');
    await transport.terminateSession().catch(() => undefined);
    await client.close();
    return ms;
  };

  await keyportStart(spy);
  if (bearer === undefined) throw new Error('could not observe the bearer');
  for (let w = 0; w < 3; w++) {
    await keyportStart();
    await rawStart();
  }

  keychain.reads.length = 0;
  keychain.readMs.length = 0;
  const asBefore = bed.authServer.count();
  const wellKnown = (): number => bed.mcpServer.log.filter((r) => r.path.startsWith('/.well-known/')).length;
  const prmBefore = wellKnown();
  const times = { keyport: [] as number[], raw: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      times.keyport.push(await keyportStart());
      times.raw.push(await rawStart());
    } else {
      times.raw.push(await rawStart());
      times.keyport.push(await keyportStart());
    }
  }
  const oauthRequests = bed.authServer.count() - asBefore + (wellKnown() - prmBefore);
  const mk = median(times.keyport);
  const mr = median(times.raw);
  const ratio = mk / mr;
  console.log(`warm-start: ${rounds} rounds, alternating; server ${bed.mcpUrl}`);
  console.log(`  keyport (fresh engine over stored tokens + connect + tools/list) median ${mk.toFixed(2)} ms`);
  console.log(`  raw SDK (static bearer, connect + tools/list)                     median ${mr.toFixed(2)} ms`);
  console.log(`  ratio ${ratio.toFixed(3)}  target ≤ ${RATIO_TARGET}`);
  console.log(`  keychain items read per Keyport start: ${median(keychain.reads)}; that read took median ${median(keychain.readMs).toFixed(2)} ms (Keyport − raw: ${(mk - mr).toFixed(2)} ms)`);
  console.log(`  OAuth requests during the Keyport starts: ${oauthRequests}  target 0`);
  printResult({
    bench: 'warm-start',
    metric: 'median_ratio_keyport_vs_raw',
    value: Number(ratio.toFixed(4)),
    target: RATIO_TARGET,
    pass: ratio <= RATIO_TARGET && oauthRequests === 0,
    oauthRequests,
    keychainReadsPerStart: median(keychain.reads),
    keychainReadMs: Number(median(keychain.readMs).toFixed(3)),
  });
} finally {
  await bed.close();
  const secrets = openKeychainSecrets(dataDir);
  for (const item of await secrets.store.list().catch(() => [])) await secrets.store.delete(item.account).catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
  if (keyring) stopPrivateKeyring(keyring);
}
