/**
 * `npm run bench -- warm-start`: the app starting with N configured servers it already holds tokens for, at a real
 * network's latency (40 ms round trip by default). Measures the time from the start of the app's services (the same
 * `createAppServices` main/index.ts calls, whose start connects every signed-in server) until *every* server's tools
 * are listed, against raw MCP SDK 1.x clients that connect to the same N servers in parallel with the same tokens as
 * static `Authorization` headers (no OAuth machinery at all) and list their tools. Alternating rounds; before each
 * start every proxied connection is closed, so each start opens new connections as a freshly launched app does.
 *
 * The servers: N protected MCP servers (each its own origin, resource, token set and connection) and one
 * authorization server, each behind a latency proxy in another process (bench/far-side.ts). The tokens are in the
 * real keychain (the Secret Service on Linux; a private, throw-away gnome-keyring is started when none is reachable),
 * put there by real sign-ins through the app's services. Bearer tokens (`dpop: 'off'`), so both sides send the same
 * requests.
 *
 * Targets, at N = 30 (the JSON line): median ratio ≤ 1.1; 0 OAuth requests (authorization server + protected-resource
 * metadata) during Keyport's starts; at most one keychain read per server (and no listing of the keychain). Also run
 * for 1 and 100 servers, so the growth with N shows (it should be flat in wall time: the servers are independent);
 * and, for reference only, the old loopback figure (1 server, 0 ms added; its retired target was ≤ 1.1).
 * Every size also prints the CPU time per start of this process and of the far side: with many servers a start is
 * bound by CPU (each connection's handshake, JSON and schema work on one event loop) rather than by round trips, and
 * the CPU figures say which side's work grows with N.
 *
 * Options: `--sizes 1,30,100`, `--servers 30` (the size the JSON line reports), `--rounds N` (10 per size),
 * `--warmups N` (1), `--rtt MS` (40), `--handshake` (a new connection costs one more round trip, as TCP's does),
 * `--timeline` (also print one start of each side with 1 server, request by request).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startFarSide } from '../far-side.ts';
import type { FarSide } from '../far-side.ts';
import type { FetchFn } from '../../main/oauth/index.ts';
import { check, countArg, listArg, median, numberArg, printChecks } from '../lib.ts';
import { allToolsListed, signInServers, startApp, useKeychain } from '../signed-in.ts';
import type { KeychainReads, SignedInServers, StartedApp } from '../signed-in.ts';

const RATIO_TARGET = 1.1;
const mainSize = numberArg('servers', 30);
const sizes = [...new Set([...listArg('sizes', [1, 30, 100]), mainSize])].sort((a, b) => a - b);
const rounds = numberArg('rounds', 10);
const warmups = countArg('warmups', 1);
const rttMs = numberArg('rtt', 40);
const handshake = process.argv.includes('--handshake');
const showTimeline = process.argv.includes('--timeline');

/** What one start took: wall time, and CPU time in this process and in the far side's. */
interface StartRun {
  readonly ms: number;
  readonly cpuMs: number;
  readonly farCpuMs: number;
}

/** Times `body` (up to the moment it resolves), with the CPU both processes used meanwhile. */
async function timedStart<T>(far: FarSide, body: () => Promise<T>): Promise<StartRun & { readonly value: T }> {
  const far0 = (await far.counts()).cpuMs;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await body();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const farCpuMs = (await far.counts()).cpuMs - far0;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, farCpuMs, value };
}

/** One Keyport start: the app's services over the data directory until every server's tools are listed. */
async function keyportStart(far: FarSide, signed: SignedInServers, n: number): Promise<StartRun & { reads: KeychainReads }> {
  const counting: KeychainReads = { gets: 0, lists: 0 };
  const ids = signed.servers.slice(0, n).map((s) => s.id);
  const states = new Map<string, number>();
  let app: StartedApp | undefined;
  try {
    const run = await timedStart(far, async () => {
      app = await startApp({ dataDir: signed.dataDir, reads: counting });
      app.onStatus((_id, status) => states.set(status.state, (states.get(status.state) ?? 0) + 1));
      return allToolsListed(app, ids);
    });
    // The reads of the start itself (shutting down is not part of it).
    const reads = { ...counting };
    if ([...run.value.values()].some((count) => count === 0)) throw new Error('a server listed no tools');
    if (reads.gets > n || reads.lists > 0) {
      console.log(`  note: a start with ${n} servers read ${reads.gets} keychain items and listed the keychain ${reads.lists} times; statuses seen: ${[...states].map(([s, c]) => `${s} ×${c}`).join(', ')}`);
    }
    return { ...run, reads };
  } finally {
    await app?.runtime.dispose();
  }
}

/**
 * The requests of one start with one server, as `+ms  → METHOD path (JSON-RPC method)` / `+ms  ← status` lines, for
 * each side: where a start's round trips go. Only methods, paths and statuses are printed.
 */
async function timeline(far: FarSide, signed: SignedInServers): Promise<{ keyport: string[]; raw: string[] }> {
  const watch = (lines: string[], t0: { at: number }): FetchFn => async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    let rpc = '';
    try {
      const parsed = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: unknown }) : undefined;
      if (typeof parsed?.method === 'string') rpc = ` (${parsed.method})`;
    } catch {
      // not JSON
    }
    const at = (): string => `+${(performance.now() - t0.at).toFixed(1)} ms`.padStart(11);
    lines.push(`${at()}  → ${init?.method ?? 'GET'} ${url.pathname}${rpc}`);
    const response = await fetch(input, init);
    lines.push(`${at()}  ← ${response.status} ${url.pathname}${rpc}`);
    return response;
  };
  await signed.useFirst(1);
  const id = signed.servers[0]!.id;
  const url = signed.servers[0]!.url ?? '';
  const keyport: string[] = [];
  await far.dropConnections();
  const k0 = { at: performance.now() };
  const app = await startApp({ dataDir: signed.dataDir, fetch: watch(keyport, k0) });
  await allToolsListed(app, [id]);
  keyport.push(`+${(performance.now() - k0.at).toFixed(1)} ms`.padStart(11) + '  tools listed');
  await app.runtime.dispose();
  const raw: string[] = [];
  await far.dropConnections();
  const r0 = { at: performance.now() };
  const client = new Client({ name: 'raw-bench', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: watch(raw, r0), requestInit: { headers: { Authorization: signed.authorization.get(url) ?? '' } } });
  await client.connect(transport);
  await client.listTools();
  raw.push(`+${(performance.now() - r0.at).toFixed(1)} ms`.padStart(11) + '  tools listed');
  await client.close();
  return { keyport, raw };
}

/** One raw start: N SDK clients with static bearers, connecting and listing tools in parallel. */
async function rawStart(far: FarSide, signed: SignedInServers, n: number): Promise<StartRun> {
  const urls = signed.servers.slice(0, n).map((s) => s.url ?? '');
  const run = await timedStart(far, () =>
    Promise.all(
      urls.map(async (url) => {
        const client = new Client({ name: 'raw-bench', version: '1.0.0' });
        const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: signed.authorization.get(url) ?? '' } } });
        await client.connect(transport);
        const { tools } = await client.listTools();
        if (tools.length === 0) throw new Error('a server listed no tools');
        return { client, transport };
      }),
    ),
  );
  await Promise.all(
    run.value.map(async ({ client, transport }) => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }),
  );
  return run;
}

/** The figures of one size. */
interface SizeResult {
  readonly servers: number;
  readonly keyportMs: number;
  readonly rawMs: number;
  readonly ratio: number;
  readonly oauthRequests: number;
  /** The most keychain item reads one start made, per server. */
  readonly keychainReadsPerServer: number;
  readonly keychainListings: number;
  /** Median CPU time per start: this process's, and the far side's (the servers and proxies). */
  readonly cpu: { readonly keyport: number; readonly raw: number; readonly farKeyport: number; readonly farRaw: number };
}

/** `rounds` alternating starts of each side with `n` servers configured. */
async function measure(far: FarSide, signed: SignedInServers, n: number, count: number): Promise<SizeResult> {
  await signed.useFirst(n);
  const before = async () => {
    await far.dropConnections();
  };
  for (let w = 0; w < warmups; w++) {
    await before();
    await keyportStart(far, signed, n);
    await before();
    await rawStart(far, signed, n);
  }
  const start = await far.counts();
  const keyport: StartRun[] = [];
  const raw: StartRun[] = [];
  let reads = 0;
  let listings = 0;
  for (let r = 0; r < count; r++) {
    for (const side of r % 2 === 0 ? (['keyport', 'raw'] as const) : (['raw', 'keyport'] as const)) {
      await before();
      if (side === 'raw') {
        raw.push(await rawStart(far, signed, n));
        continue;
      }
      const run = await keyportStart(far, signed, n);
      keyport.push(run);
      reads = Math.max(reads, run.reads.gets);
      listings += run.reads.lists;
    }
  }
  const end = await far.counts();
  const keyportMs = median(keyport.map((x) => x.ms));
  const rawMs = median(raw.map((x) => x.ms));
  return {
    servers: n,
    keyportMs,
    rawMs,
    ratio: keyportMs / rawMs,
    oauthRequests: end.authServer - start.authServer + (end.wellKnown - start.wellKnown),
    keychainReadsPerServer: reads / n,
    keychainListings: listings,
    cpu: {
      keyport: median(keyport.map((x) => x.cpuMs)),
      raw: median(raw.map((x) => x.cpuMs)),
      farKeyport: median(keyport.map((x) => x.farCpuMs)),
      farRaw: median(raw.map((x) => x.farCpuMs)),
    },
  };
}

const stopKeychain = await useKeychain();
let far: FarSide | undefined;
let signed: SignedInServers | undefined;
try {
  far = await startFarSide({ servers: Math.max(...sizes), oneWayDelayMs: 0, handshakeRoundTrips: handshake ? 1 : 0 });
  const t0 = performance.now();
  signed = await signInServers(far.mcpUrls);
  console.log(`warm-start: ${far.mcpUrls.length} servers signed in (setup, ${((performance.now() - t0) / 1000).toFixed(1)} s); ${rounds} rounds per size, alternating`);

  const loopback = await measure(far, signed, 1, rounds);
  await far.setDelay(rttMs / 2);
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await measure(far, signed, n, rounds));

  const fmt = (x: number): string => `${x.toFixed(1)} ms`.padStart(9);
  console.log(`\nat ${rttMs} ms round trip${handshake ? ', connection setup one more' : ''}: start → every server's tools listed (medians)`);
  console.log('  servers   keyport        raw   ratio   OAuth requests   keychain reads/server');
  for (const r of results) {
    console.log(`  ${String(r.servers).padStart(7)} ${fmt(r.keyportMs)}  ${fmt(r.rawMs)}   ${r.ratio.toFixed(3)}   ${String(r.oauthRequests).padStart(14)}   ${r.keychainReadsPerServer.toFixed(2).padStart(21)}${r.keychainListings ? ` (+${r.keychainListings} listings)` : ''}`);
  }
  const first = results[0]!;
  const last = results[results.length - 1]!;
  console.log('  CPU per start (medians): servers   keyport (far side)      raw (far side)');
  for (const r of results) {
    console.log(`                          ${String(r.servers).padStart(7)}  ${fmt(r.cpu.keyport)} (${r.cpu.farKeyport.toFixed(0).padStart(4)} ms)  ${fmt(r.cpu.raw)} (${r.cpu.farRaw.toFixed(0).padStart(4)} ms)`);
  }
  if (results.length > 1) {
    console.log(`  growth from ${first.servers} to ${last.servers} servers: keyport ×${(last.keyportMs / first.keyportMs).toFixed(2)}, raw ×${(last.rawMs / first.rawMs).toFixed(2)} (flat would be ×1)`);
  }
  console.log(`\non loopback, 1 server (reference; the retired target was ≤ ${RATIO_TARGET}): keyport ${loopback.keyportMs.toFixed(2)} ms, raw ${loopback.rawMs.toFixed(2)} ms, ratio ${loopback.ratio.toFixed(3)}`);

  if (showTimeline) {
    const lines = await timeline(far, signed);
    console.log(`\none start with 1 server at ${rttMs} ms round trip, request by request (the MCP server's stream is a GET that stays open):`);
    console.log(`  keyport:\n${lines.keyport.join('\n')}`);
    console.log(`  raw SDK:\n${lines.raw.join('\n')}`);
  }

  const at = results.find((r) => r.servers === mainSize)!;
  printChecks('warm-start', [
    check(`median_ratio_keyport_vs_raw_${at.servers}_servers_${rttMs}ms_rtt`, Number(at.ratio.toFixed(3)), '<=', RATIO_TARGET),
    check('oauth_requests', at.oauthRequests, '==', 0),
    check('keychain_reads_per_server', at.keychainReadsPerServer + at.keychainListings, '<=', 1),
  ], {
    oauthRequests: at.oauthRequests,
    keychainReadsPerServer: at.keychainReadsPerServer,
    sizes: results.map((r) => ({ servers: r.servers, keyportMs: Number(r.keyportMs.toFixed(1)), rawMs: Number(r.rawMs.toFixed(1)), ratio: Number(r.ratio.toFixed(3)) })),
    loopbackRatio: Number(loopback.ratio.toFixed(3)),
  });
} finally {
  await signed?.cleanup();
  await far?.close();
  stopKeychain();
}
