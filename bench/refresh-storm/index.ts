/**
 * bench/refresh-storm: 200 concurrent tool calls through one Keyport connection while the access token is
 * expired. The engine must refresh once (single-flight per token family) and every call must succeed; the
 * connection layer must not multiply refreshes (no reconnect storm, no per-call re-initialize).
 * Prints the number of refresh requests the authorization server saw; target exactly 1.
 *
 * Run: `npm run bench -- refresh-storm` (or `node bench/refresh-storm/index.ts [--calls N]`).
 */
import { connectionFor, signIn, startBedWithClient } from '../../test/mcp/helpers/engine-bed.ts';
import { numberArg, printResult } from '../lib.ts';

const TARGET = 1;
const TTL_S = 2;
const calls = numberArg('calls', 200);

const bed = await startBedWithClient({ authServer: { accessTokenTtl: TTL_S } });
try {
  const signed = await signIn(bed, 'alice', { refreshMarginMs: 0 });
  // Only the first token is short-lived: the refreshed one must outlive the storm, or a slow machine sees a second,
  // legitimate refresh when the new token expires too (the storm takes about as long as the old TTL).
  bed.authServer.setTokenTtls({ accessToken: 3600 });
  const conn = connectionFor(bed, signed, { reconnect: false });
  try {
    await conn.connect();
    await conn.listTools();
    // Let the access token expire.
    await new Promise((r) => setTimeout(r, TTL_S * 1000 + 300));
    bed.authServer.clearLog();
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: calls }, () => conn.callTool('read_data', {})));
    const ms = performance.now() - started;
    let ok = 0;
    let failed = 0;
    for (const r of results) {
      if (r.status === 'fulfilled' && !r.value.isError) ok += 1;
      else failed += 1;
    }
    const refreshes = bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' });
    const firstFailure = results.find((r) => r.status === 'rejected');
    console.log(`refresh-storm: ${calls} concurrent calls with an expired access token (ttl ${TTL_S} s), ${ms.toFixed(0)} ms`);
    console.log(`  calls ok ${ok}, failed ${failed}${firstFailure?.status === 'rejected' ? ` (first: ${String((firstFailure.reason as { code?: string }).code ?? firstFailure.reason)})` : ''}`);
    console.log(`  refresh requests at the AS: ${refreshes}  target exactly ${TARGET}`);
    console.log(`  other AS requests: ${bed.authServer.count() - refreshes}`);
    printResult({ bench: 'refresh-storm', metric: 'refresh_requests', value: refreshes, target: TARGET, pass: refreshes === TARGET && failed === 0 });
  } finally {
    await conn.disconnect();
  }
} finally {
  await bed.close();
}
