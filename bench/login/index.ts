/**
 * `npm run bench -- login`: cold logins against the same local authorization server (oidc-provider) and MCP server,
 * with Keyport's engine and with the MCP SDK's `auth()`, alternating, both driven by the same automated user agent
 * (`completeLogin`) and both receiving the code on a real loopback server. Prints the median wall time of each, the
 * ratio, and the HTTP requests each client made per login; then the same split into the part both clients share (the
 * user agent's walk through the login and consent pages, from the authorization URL to the callback) and the rest,
 * which is each client's own (discovery, registration, code exchange). Ends with the JSON line the harness reads.
 *
 * Usage: node bench/login/index.ts [--iterations N]   (default 15 each, after 2 warm-ups each)
 * Keyport runs with its defaults: the test bed's AS offers DPoP, so Keyport's tokens are DPoP-bound (the SDK cannot do
 * that), and the JSON line reports that default configuration (`"dpop": "auto"`). BENCH_DPOP=off compares like for
 * like (bearer tokens on both sides) and the JSON line then says `"dpop": "off"`.
 *
 * The test bed, the user agent and both clients share this process's one event loop, so a login's wall time is close
 * to the CPU time of all parties together (the authorization server and the user agent dominate it); work a client
 * does concurrently only pays off where the loop would otherwise wait.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { InMemoryOAuthClientProvider } from '@modelcontextprotocol/sdk/examples/client/simpleOAuthClientProvider.js';
import { createOAuthEngine, InMemoryCredentialStore, type FetchFn } from '../../main/oauth/index.ts';
import { ACCOUNTS } from '../../test/servers/accounts.ts';
import { startTestBed } from '../../test/servers/testbed.ts';
import { completeLogin } from '../../test/servers/user-agent.ts';
import { median, numberArg, printResult } from '../lib.ts';

const iterations = numberArg('iterations', 15);
const credentials = { username: ACCOUNTS.alice.username, password: ACCOUNTS.alice.password };
const dpopOff = process.env.BENCH_DPOP === 'off';

/** What one login did: its client's HTTP requests, and how long the user agent took from the URL to the callback. */
interface LoginRun {
  readonly requests: number;
  readonly browserMs: number;
}

/** The shared user agent, timed. */
async function browse(url: string | URL): Promise<number> {
  const t0 = performance.now();
  await completeLogin(url, credentials);
  return performance.now() - t0;
}

function counting(counter: { n: number }): FetchFn {
  return (input, init) => {
    counter.n++;
    return fetch(input, init);
  };
}

/**
 * One cold Keyport login: fresh engine and store, probe (with the well-known resource metadata request alongside) →
 * discovery → DCR → browser → code exchange. Every request goes through the counter, the speculative one included.
 */
async function keyportLogin(mcpUrl: string): Promise<LoginRun> {
  const counter = { n: 0 };
  let browsing: Promise<number> = Promise.resolve(0);
  const engine = createOAuthEngine({
    store: new InMemoryCredentialStore(),
    fetch: counting(counter),
    openBrowser: async (url) => {
      browsing = browse(url);
      await browsing;
    },
  });
  await engine.login({ serverUrl: mcpUrl, settings: dpopOff ? { dpop: 'off' } : {} });
  return { requests: counter.n, browserMs: await browsing };
}

/**
 * One cold SDK login, as its transport performs it: the MCP request gets a 401, auth() with the challenge → REDIRECT,
 * the user agent lands on a loopback server, auth() with the code.
 */
async function sdkLogin(mcpUrl: string): Promise<LoginRun> {
  const counter = { n: 0 };
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
    const counted = counting(counter);
    const fetchFn: FetchFn = (input, init) => {
      if (String(input).endsWith('/reg') && typeof init?.body === 'string') {
        const { scope: _scope, ...body } = JSON.parse(init.body) as Record<string, unknown>;
        return counted(input, { ...init, body: JSON.stringify(body) });
      }
      return counted(input, init);
    };
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
    return { requests: counter.n, browserMs: await browsing };
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

async function timed(fn: () => Promise<LoginRun>): Promise<LoginRun & { readonly ms: number }> {
  const t0 = performance.now();
  const run = await fn();
  return { ...run, ms: performance.now() - t0 };
}

const bed = await startTestBed();
try {
  for (let i = 0; i < 2; i++) {
    await keyportLogin(bed.mcpUrl);
    await sdkLogin(bed.mcpUrl);
  }
  const keyport: (LoginRun & { ms: number })[] = [];
  const sdk: (LoginRun & { ms: number })[] = [];
  for (let i = 0; i < iterations; i++) {
    // Alternate which goes first so drift affects both equally.
    if (i % 2 === 0) {
      keyport.push(await timed(() => keyportLogin(bed.mcpUrl)));
      sdk.push(await timed(() => sdkLogin(bed.mcpUrl)));
    } else {
      sdk.push(await timed(() => sdkLogin(bed.mcpUrl)));
      keyport.push(await timed(() => keyportLogin(bed.mcpUrl)));
    }
  }
  const kMs = median(keyport.map((x) => x.ms));
  const sMs = median(sdk.map((x) => x.ms));
  const kReq = median(keyport.map((x) => x.requests));
  const sReq = median(sdk.map((x) => x.requests));
  const ratio = kMs / sMs;
  console.log(`cold logins: ${iterations} each, alternating, against oidc-provider + MCP test server on 127.0.0.1`);
  console.log(`keyport DPoP: ${dpopOff ? 'off (bearer, like the SDK)' : 'auto (DPoP-bound tokens; BENCH_DPOP=off for bearer)'}`);
  console.log(`keyport engine   median ${kMs.toFixed(1)} ms   ${kReq} client HTTP requests per login`);
  console.log(`MCP SDK auth()   median ${sMs.toFixed(1)} ms   ${sReq} client HTTP requests per login`);
  console.log(`time ratio keyport/sdk ${ratio.toFixed(3)} (target <= 0.8); fewer requests: ${kReq < sReq}`);
  const kBrowser = median(keyport.map((x) => x.browserMs));
  const sBrowser = median(sdk.map((x) => x.browserMs));
  const kOwn = median(keyport.map((x) => x.ms - x.browserMs));
  const sOwn = median(sdk.map((x) => x.ms - x.browserMs));
  console.log(`  shared user agent + login/consent pages: keyport ${kBrowser.toFixed(1)} ms, sdk ${sBrowser.toFixed(1)} ms (${((100 * sBrowser) / sMs).toFixed(0)}% of the SDK's login)`);
  console.log(`  each client's own part (discovery, registration, code exchange): keyport ${kOwn.toFixed(1)} ms, sdk ${sOwn.toFixed(1)} ms, ratio ${(kOwn / sOwn).toFixed(3)}`);
  const pass = ratio <= 0.8 && kReq < sReq;
  printResult({ bench: 'login', metric: 'time_ratio', value: Number(ratio.toFixed(3)), target: 0.8, pass, dpop: dpopOff ? 'off' : 'auto', requests: { keyport: kReq, sdk: sReq } });
} finally {
  await bed.close();
}
