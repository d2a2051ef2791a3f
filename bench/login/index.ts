/**
 * `npm run bench -- login`: cold logins at a real network's latency (40 ms round trip by default), with Keyport's
 * engine and with the MCP SDK 1.x's `auth()`, alternating, against the same authorization server (oidc-provider) and
 * MCP server, both behind latency proxies in another process (bench/far-side.ts). Both clients are driven by the same
 * automated user agent (`completeLogin`), which also crosses the proxies, and both receive the code on a real
 * loopback server.
 *
 * For each client it reports: the login's wall time; the user agent's part (from the authorization URL to the
 * callback: the login and consent pages, the same for both); the client's own part (the rest: discovery,
 * registration, code exchange); its HTTP requests; and its **sequential round trips on the critical path**, counted
 * from the requests' start and end times (the longest chain of requests each sent after the previous one's response
 * arrived). Target: Keyport's own time ≤ 0.6 × the SDK's, and its critical path equal to the minimum below. The JSON
 * line carries the own-time ratio. The old loopback figures (0 ms added) are printed too, for reference only.
 *
 * ## The fewest round trips this server allows: 4
 * The test bed's MCP server answers 401 with `resource_metadata` and `scope`; its authorization server is on another
 * origin, offers dynamic registration (RFC 7591) and no client ID metadata documents, and the client holds nothing.
 * 1. The probe (the MCP request that gets the 401) **and** the protected-resource metadata (RFC 9728) at its
 *    well-known URL, together. The metadata does not depend on the probe when the well-known URL is where the
 *    challenge points (it is here); the probe is still needed for its `scope`, which the MCP spec prefers over
 *    `scopes_supported`, but only by the authorization request, so the two overlap.
 * 2. Authorization-server metadata (RFC 8414): its URL comes from the resource metadata's `authorization_servers`.
 * 3. Registration: its endpoint comes from the AS metadata.
 *    (the user agent's part: the authorization URL needs the `client_id` and `authorization_endpoint`)
 * 4. The code exchange: it needs the code.
 * Nothing else can overlap: each step's URL or input is in the previous step's answer. A client that already has a
 * registration (or a pre-registered client, or a metadata document) for that AS needs 3.
 *
 * Options: `--iterations N` (15 each), `--warmups N` (2 each, on loopback), `--rtt MS` (40), `--handshake` (every new
 * connection costs one more round trip, as TCP's handshake does; off by default, so round trips are requests only),
 * `BENCH_DPOP=off` (Keyport sends bearer tokens like the SDK; by default its tokens are DPoP-bound, since the AS offers
 * DPoP, and the JSON line says `"dpop": "auto"`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { InMemoryOAuthClientProvider } from '@modelcontextprotocol/sdk/examples/client/simpleOAuthClientProvider.js';
import { createOAuthEngine, InMemoryCredentialStore, type FetchFn } from '../../main/oauth/index.ts';
import { ACCOUNTS } from '../../test/servers/accounts.ts';
import { completeLogin } from '../../test/servers/user-agent.ts';
import { startFarSide } from '../far-side.ts';
import { check, countArg, criticalPath, median, numberArg, printChecks, recordingFetch, type RequestSpan } from '../lib.ts';

/** The fewest sequential round trips a cold login to the test bed allows (see the header). */
const MIN_ROUND_TRIPS = 4;
const OWN_TIME_TARGET = 0.6;

const iterations = numberArg('iterations', 15);
const warmups = countArg('warmups', 2);
const rttMs = numberArg('rtt', 40);
const handshake = process.argv.includes('--handshake');
const dpopOff = process.env.BENCH_DPOP === 'off';
const credentials = { username: ACCOUNTS.alice.username, password: ACCOUNTS.alice.password };

/** What one login did. */
interface LoginRun {
  readonly ms: number;
  /** The user agent's part: from the authorization URL to the callback. */
  readonly browserMs: number;
  /** When the user agent started and reached the callback (performance.now()). */
  readonly browser: { readonly start: number; readonly end: number };
  readonly spans: readonly RequestSpan[];
}

/** The shared user agent, timed. */
async function browse(url: string | URL): Promise<{ start: number; end: number }> {
  const start = performance.now();
  await completeLogin(url, credentials);
  return { start, end: performance.now() };
}

/**
 * One cold Keyport login: fresh engine and store, probe (with the well-known resource metadata request alongside) →
 * AS metadata → registration → browser → code exchange. Every request the engine makes goes through the recorder.
 */
async function keyportLogin(mcpUrl: string): Promise<LoginRun> {
  const spans: RequestSpan[] = [];
  let browsing: Promise<{ start: number; end: number }> | undefined;
  const engine = createOAuthEngine({
    store: new InMemoryCredentialStore(),
    fetch: recordingFetch<FetchFn>((input, init) => fetch(input, init), spans),
    openBrowser: async (url) => {
      browsing = browse(url);
      await browsing;
    },
  });
  const t0 = performance.now();
  await engine.login({ serverUrl: mcpUrl, settings: dpopOff ? { dpop: 'off' } : {} });
  const ms = performance.now() - t0;
  if (browsing === undefined) throw new Error('the engine never opened the browser');
  const browser = await browsing;
  return { ms, browserMs: browser.end - browser.start, browser, spans };
}

/**
 * One cold SDK login, as its transport performs it: the MCP request gets a 401, auth() with the challenge → REDIRECT,
 * the user agent lands on a loopback server, auth() with the code.
 */
async function sdkLogin(mcpUrl: string): Promise<LoginRun> {
  const spans: RequestSpan[] = [];
  let resolveCode!: (code: string) => void;
  const codePromise = new Promise<string>((r) => (resolveCode = r));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.writeHead(200, { 'content-type': 'text/html' }).end('ok');
    resolveCode(url.searchParams.get('code') ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const redirect = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  try {
    let authorizationUrl: URL | undefined;
    // The SDK's own example provider (what its reference conformance client uses).
    const provider = new InMemoryOAuthClientProvider(
      redirect,
      { client_name: 'bench-sdk', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' } as OAuthClientMetadata,
      (url) => {
        authorizationUrl = url;
      },
    );
    // The SDK puts the resource's scopes in its registration request, which oidc-provider refuses (resource scopes
    // are not client scopes there); strip that one member so the SDK can register at all. Same request count.
    const recorded = recordingFetch<FetchFn>((input, init) => fetch(input, init), spans);
    const fetchFn: FetchFn = (input, init) => {
      if (String(input).endsWith('/reg') && typeof init?.body === 'string') {
        const { scope: _scope, ...body } = JSON.parse(init.body) as Record<string, unknown>;
        return recorded(input, { ...init, body: JSON.stringify(body) });
      }
      return recorded(input, init);
    };
    const t0 = performance.now();
    // As the SDK transport does: the MCP request is answered 401, then auth() with what the challenge says.
    const probe = await fetchFn(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":0,"method":"ping"}' });
    await probe.body?.cancel();
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(probe);
    const options = { serverUrl: mcpUrl, fetchFn, ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}), ...(scope ? { scope } : {}) };
    const first = await auth(provider, options);
    if (first !== 'REDIRECT' || !authorizationUrl) throw new Error(`SDK auth() returned ${first}`);
    // As an app on the SDK does (and as Keyport does): the code is exchanged when it reaches the loopback server,
    // without waiting for the browser to finish showing the callback page.
    const browsing = browse(authorizationUrl);
    const code = await Promise.race([codePromise, browsing.then(() => codePromise)]);
    const second = await auth(provider, { ...options, authorizationCode: code });
    if (second !== 'AUTHORIZED') throw new Error(`SDK auth() returned ${second}`);
    const ms = performance.now() - t0;
    const browser = await browsing;
    return { ms, browserMs: browser.end - browser.start, browser, spans };
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

/** The medians of a phase, per client. */
interface Summary {
  readonly ms: number;
  readonly browserMs: number;
  readonly ownMs: number;
  readonly requests: number;
  readonly roundTrips: number;
  /** The critical path of the login with the median own time. */
  readonly path: readonly RequestSpan[];
  /** That login's own time spent waiting for the critical path's responses (the rest is the client's own work). */
  readonly waitingMs: number;
  readonly typicalOwnMs: number;
}

function summarize(runs: readonly LoginRun[]): Summary {
  const own = runs.map((r) => r.ms - r.browserMs);
  const ownMedian = median(own);
  const typical = runs.reduce((best, r) => (Math.abs(r.ms - r.browserMs - ownMedian) < Math.abs(best.ms - best.browserMs - ownMedian) ? r : best));
  return {
    ms: median(runs.map((r) => r.ms)),
    browserMs: median(runs.map((r) => r.browserMs)),
    ownMs: ownMedian,
    requests: median(runs.map((r) => r.spans.length)),
    roundTrips: median(runs.map((r) => criticalPath(r.spans).length)),
    path: criticalPath(typical.spans),
    // Waiting outside the user agent's part only (the code exchange may start before the user agent is done).
    waitingMs: criticalPath(typical.spans).reduce((sum, span) => {
      const overlap = Math.max(0, Math.min(span.end, typical.browser.end) - Math.max(span.start, typical.browser.start));
      return sum + span.end - span.start - overlap;
    }, 0),
    typicalOwnMs: typical.ms - typical.browserMs,
  };
}

/** `count` logins of each client, alternating which goes first so drift affects both alike. */
async function phase(mcpUrl: string, count: number, before: () => Promise<void>): Promise<{ keyport: Summary; sdk: Summary }> {
  const keyport: LoginRun[] = [];
  const sdk: LoginRun[] = [];
  for (let i = 0; i < count; i++) {
    const order = i % 2 === 0 ? (['keyport', 'sdk'] as const) : (['sdk', 'keyport'] as const);
    for (const side of order) {
      await before();
      if (side === 'keyport') keyport.push(await keyportLogin(mcpUrl));
      else sdk.push(await sdkLogin(mcpUrl));
    }
  }
  return { keyport: summarize(keyport), sdk: summarize(sdk) };
}

const far = await startFarSide({ servers: 1, oneWayDelayMs: 0, handshakeRoundTrips: handshake ? 1 : 0 });
try {
  const mcpUrl = far.mcpUrls[0]!;
  // Every login starts without pooled connections, as a first sign-in to a new server does.
  const cold = () => far.dropConnections();
  if (warmups > 0) await phase(mcpUrl, warmups, cold);
  const loopback = await phase(mcpUrl, iterations, cold);
  await far.setDelay(rttMs / 2);
  const far40 = await phase(mcpUrl, iterations, cold);

  const ms = (x: number): string => `${x.toFixed(1)} ms`.padStart(10);
  const line = (name: string, s: Summary): string =>
    `  ${name.padEnd(16)} total ${ms(s.ms)}   user agent ${ms(s.browserMs)}   own ${ms(s.ownMs)}   ${s.requests} requests   ${s.roundTrips} round trips on the critical path`;
  console.log(`login: cold logins, ${iterations} each, alternating; authorization server and MCP server behind latency proxies in another process`);
  console.log(`keyport DPoP: ${dpopOff ? 'off (bearer, like the SDK)' : 'auto (DPoP-bound tokens; BENCH_DPOP=off for bearer)'}; connection setup ${handshake ? 'costs a round trip (--handshake)' : 'free (requests only)'}`);
  console.log(`\nat ${rttMs} ms round trip:`);
  console.log(line('keyport engine', far40.keyport));
  console.log(line('MCP SDK auth()', far40.sdk));
  const ownRatio = far40.keyport.ownMs / far40.sdk.ownMs;
  console.log(`  own time ratio keyport/sdk ${ownRatio.toFixed(3)} (target <= ${OWN_TIME_TARGET}); total ratio ${(far40.keyport.ms / far40.sdk.ms).toFixed(3)}`);
  console.log(`  round trips: keyport ${far40.keyport.roundTrips}, sdk ${far40.sdk.roundTrips}, fewest this server allows ${MIN_ROUND_TRIPS} (see the header)`);
  for (const [name, s] of [['keyport', far40.keyport], ['sdk', far40.sdk]] as const) {
    console.log(`  ${name} critical path: ${s.path.map((p) => p.label.replace(/^(\S+) [^/]+/, '$1 ')).join(' → ')}`);
    console.log(`    a typical login's own ${s.typicalOwnMs.toFixed(1)} ms = ${s.waitingMs.toFixed(1)} ms waiting for those responses + ${(s.typicalOwnMs - s.waitingMs).toFixed(1)} ms of other work (the client's CPU, the callback)`);
  }
  console.log(`\non loopback (0 ms added; the retired targets were total ≤ 0.8, for reference only):`);
  console.log(line('keyport engine', loopback.keyport));
  console.log(line('MCP SDK auth()', loopback.sdk));
  console.log(`  total ratio ${(loopback.keyport.ms / loopback.sdk.ms).toFixed(3)}, own time ratio ${(loopback.keyport.ownMs / loopback.sdk.ownMs).toFixed(3)}`);

  printChecks('login', [check(`own_time_ratio_at_${rttMs}ms_rtt`, Number(ownRatio.toFixed(3)), '<=', OWN_TIME_TARGET), check('critical_path_round_trips', far40.keyport.roundTrips, '==', MIN_ROUND_TRIPS)], {
    dpop: dpopOff ? 'off' : 'auto',
    roundTrips: { keyport: far40.keyport.roundTrips, sdk: far40.sdk.roundTrips, minimum: MIN_ROUND_TRIPS },
    requests: { keyport: far40.keyport.requests, sdk: far40.sdk.requests },
    loopbackTotalRatio: Number((loopback.keyport.ms / loopback.sdk.ms).toFixed(3)),
  });
} finally {
  await far.close();
}
