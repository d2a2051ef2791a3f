/**
 * bench/warm-start: with valid tokens already stored, the time from "start" (a fresh engine over the stored
 * credentials + a fresh connection) to "tools listed", against a raw SDK `Client` that connects to the same server
 * with the same bearer in a static header (no OAuth machinery at all), in alternating rounds. Also counts the OAuth
 * requests Keyport made on the warm path (authorization server + protected-resource metadata): target 0.
 * Targets: median ratio ≤ 1.1 and 0 OAuth requests.
 *
 * Bearer tokens (`dpop: 'off'`), so both sides send the same kind of request; a DPoP-bound token would add a proof
 * per request on Keyport's side only.
 * The credential store is the engine's in-memory store shared across "app starts" (the keychain-backed store is
 * exercised by test/secrets); what is measured is the work the engine and the connection do on top of it.
 *
 * Run: `npm run bench -- warm-start` (or `node bench/warm-start/index.ts [--rounds N]`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryCredentialStore } from '../../main/oauth/index.ts';
import type { FetchFn } from '../../main/oauth/index.ts';
import { connectionFor, engineFor, signIn, startBedWithClient } from '../../test/mcp/helpers/engine-bed.ts';
import { median, numberArg, printResult } from '../lib.ts';

const RATIO_TARGET = 1.1;
const rounds = numberArg('rounds', 60);

const bed = await startBedWithClient();
try {
  const store = new InMemoryCredentialStore();
  // First run: the user signs in once; tokens land in the store.
  await signIn(bed, 'alice', { store, dpop: 'off' });

  // The raw client needs the same bearer: observe it once on the wire (bench only; never logged).
  let bearer: string | undefined;
  const spy: FetchFn = (input, init) => {
    const auth = new Headers(init?.headers).get('authorization');
    if (auth !== null && String(input instanceof Request ? input.url : input).startsWith(bed.mcpUrl)) bearer = auth;
    return fetch(input, init);
  };

  const keyportStart = async (fetchFn?: FetchFn): Promise<number> => {
    const t0 = performance.now();
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
  console.log(`  OAuth requests during the Keyport starts: ${oauthRequests}  target 0`);
  printResult({
    bench: 'warm-start',
    metric: 'median_ratio_keyport_vs_raw',
    value: Number(ratio.toFixed(4)),
    target: RATIO_TARGET,
    pass: ratio <= RATIO_TARGET && oauthRequests === 0,
    oauthRequests,
  });
} finally {
  await bed.close();
}
