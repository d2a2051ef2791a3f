/**
 * Proxies and private certificate authorities (issue 12 item 5): the CLI signs in, lists and calls tools, and
 * refreshes against an https authorization server and MCP server whose names only an HTTP CONNECT proxy knows and
 * whose certificate only a test CA signed — all on 127.0.0.1, so nothing can leave this machine: a request that got
 * there went through the proxy and trusted the CA.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetwork, proxyFromPac } from '../../main/net/proxy.ts';
import { createAppServices } from '../../main/services.ts';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { runCli } from '../cli/helpers.ts';
import { followToCallback, makeTestPki, startConnectProxy, startHttpsBed, type HttpsBed, type TestPki, type TestProxy } from './https-bed.ts';

const NAME = 'bed.keyport.test';
const TTL = 2;
let pki: TestPki;
let bed: HttpsBed;
let proxy: TestProxy;
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-proxy-'));
  dirs.push(dir);
  return dir;
}

function browserCommand(): string {
  const script = fileURLToPath(new URL('./proxy-browser.ts', import.meta.url));
  return `"${process.execPath}" "${script}" ${proxy.url} "${pki.caCert}"`;
}

beforeAll(async () => {
  pki = makeTestPki([NAME]);
  bed = await startHttpsBed(pki, NAME, TTL);
  proxy = await startConnectProxy(new Map([[NAME, bed.port]]));
});

afterAll(async () => {
  for (const dir of dirs) {
    const secrets = openKeychainSecrets(dir);
    for (const item of await secrets.store.list()) await secrets.store.delete(item.account);
    rmSync(dir, { recursive: true, force: true });
  }
  await proxy?.close();
  await bed?.close();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

describe('HTTPS_PROXY and a private CA, through the CLI', () => {
  it('signs in, lists and calls tools, and refreshes, every request through the proxy to the https servers', async () => {
    const d = dataDir();
    const env = { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: pki.caCert };
    const cli = (argv: readonly string[]) => runCli(['--data-dir', d, ...argv], { env });
    expect((await cli(['servers', 'add', bed.mcpUrl, '--name', 'corp'])).code).toBe(0);
    const before = proxy.connects.length;
    const login = await cli(['login', 'corp', '--browser-command', browserCommand(), '--timeout', '20']);
    expect(login.code, login.stderr).toBe(0);
    const tools = await cli(['--json', 'tools', 'corp']);
    expect(tools.code, tools.stderr).toBe(0);
    expect((JSON.parse(tools.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(['whoami']);
    const call = await cli(['call', 'corp', 'whoami']);
    expect(call.code, call.stderr).toBe(0);
    expect(call.stdout).toBe(`reached ${NAME} through TLS\n`);
    await new Promise((r) => setTimeout(r, TTL * 1000 + 500));
    const again = await cli(['call', 'corp', 'whoami']);
    expect(again.code, again.stderr).toBe(0);
    expect(bed.requests.filter((r) => r.path === '/token' && r.grant === 'refresh_token').length).toBeGreaterThanOrEqual(1);
    // OAuth (metadata, registration, token) and MCP requests all arrived, and only through tunnels the proxy opened.
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server', '/register', '/token', '/mcp']) {
      expect(bed.requests.some((r) => r.path === path), path).toBe(true);
    }
    expect(proxy.connects.length).toBeGreaterThan(before);
    expect(new Set(proxy.connects)).toEqual(new Set([`${NAME}:${bed.port}`]));
    expect(proxy.refused).toEqual([]);
  });

  it('without the CA certificate the sign-in stops before the browser, saying to give the CA (NODE_EXTRA_CA_CERTS)', async () => {
    const d = dataDir();
    const cli = (argv: readonly string[]) => runCli(['--data-dir', d, ...argv], { env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: '' } });
    expect((await cli(['servers', 'add', bed.mcpUrl, '--name', 'corp'])).code).toBe(0);
    const login = await cli(['login', 'corp', '--browser-command', browserCommand(), '--timeout', '5']);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/not signed by an authority Keyport trusts \([A-Z_]+\)\. .*NODE_EXTRA_CA_CERTS/);
    expect(login.stderr).not.toMatch(/Open this URL/);
  });

  it('the CA from the app’s own setting (network.json in the data folder) is trusted too', async () => {
    const d = dataDir();
    writeFileSync(join(d, 'network.json'), JSON.stringify({ extraCaCertificates: [pki.caCert] }));
    const cli = (argv: readonly string[]) => runCli(['--data-dir', d, ...argv], { env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: '' } });
    expect((await cli(['servers', 'add', bed.mcpUrl, '--name', 'corp'])).code).toBe(0);
    const login = await cli(['login', 'corp', '--browser-command', browserCommand(), '--timeout', '20']);
    expect(login.code, login.stderr).toBe(0);
  });

  it('a proxy that refuses the tunnel is named as the problem, with the setting to check', async () => {
    const d = dataDir();
    const cli = (argv: readonly string[]) => runCli(['--data-dir', d, ...argv], { env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: pki.caCert } });
    expect((await cli(['servers', 'add', `https://unknown.keyport.test:${bed.port}/mcp`, '--name', 'nowhere'])).code).toBe(0);
    const login = await cli(['login', 'nowhere', '--browser-command', browserCommand(), '--timeout', '5']);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/The proxy refused to connect Keyport to https:\/\/unknown\.keyport\.test:\d+ \(HTTP 502\)\. Check HTTPS_PROXY/);
    expect(proxy.refused).toContain(`unknown.keyport.test:${bed.port}`);
  });
});

describe('the network module', () => {
  it('uses the OS proxy the host resolves (Electron’s session.resolveProxy) when the environment names none', async () => {
    const asked: string[] = [];
    const port = new URL(proxy.url).port;
    const network = createNetwork({ env: {}, extraCaFiles: [pki.caCert], resolveProxy: async (url) => (asked.push(url), `PROXY 127.0.0.1:${port}; DIRECT`) });
    const before = proxy.connects.length;
    const response = await network.fetch(`${bed.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(response.status).toBe(200);
    expect(proxy.connects.length).toBeGreaterThan(before);
    expect(asked).toEqual([`${bed.origin}/.well-known/oauth-protected-resource/mcp`]);
    await network.close();
  });

  it('NO_PROXY is honoured, and loopback never goes through a proxy', async () => {
    const network = createNetwork({ env: { HTTPS_PROXY: proxy.url, NO_PROXY: NAME }, extraCaFiles: [pki.caCert] });
    const before = proxy.connects.length;
    await expect(network.fetch(`${bed.origin}/mcp`)).rejects.toThrow();
    const local = await network.fetch(`https://127.0.0.1:${bed.port}/.well-known/oauth-authorization-server`).catch((e: unknown) => e);
    // Reached directly (the certificate names bed.keyport.test, not 127.0.0.1, so TLS refuses the name): no tunnel.
    expect(String((local as Error).cause ?? local)).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|altnames/);
    expect(proxy.connects.length).toBe(before);
    await network.close();
  });

  it('reads PAC answers as Electron gives them', () => {
    expect(proxyFromPac('PROXY proxy.corp:8080; DIRECT')).toBe('http://proxy.corp:8080');
    expect(proxyFromPac('HTTPS secure.corp:443')).toBe('https://secure.corp:443');
    expect(proxyFromPac('DIRECT')).toBeUndefined();
    expect(proxyFromPac('')).toBeUndefined();
  });
});

describe('the app (the shell gives the OS proxy through resolveProxy)', () => {
  it('signs in, lists and calls tools through the OS proxy, trusting the CA from network.json', async () => {
    const d = dataDir();
    writeFileSync(join(d, 'network.json'), JSON.stringify({ extraCaCertificates: [pki.caCert] }));
    const browser = createNetwork({ env: { HTTPS_PROXY: proxy.url }, extraCaFiles: [pki.caCert] });
    const port = new URL(proxy.url).port;
    const before = proxy.connects.length;
    const refusedBefore = proxy.refused.length;
    const runtime = await createAppServices({
      appVersion: '0.0.0-test',
      dataDir: d,
      emit: () => undefined,
      autoConnect: false,
      resolveProxy: async (url) => (new URL(url).hostname === NAME ? `PROXY 127.0.0.1:${port}` : 'DIRECT'),
      openBrowser: async (url) => void (await followToCallback(browser.fetch, url)),
    });
    try {
      const server = await runtime.services.servers.add({ url: bed.mcpUrl, name: 'corp' });
      await runtime.services.auth.signIn(server.id);
      expect((await runtime.services.capabilities.tools(server.id)).map((t) => t.name)).toEqual(['whoami']);
      const result = await runtime.services.capabilities.callTool(server.id, { callId: 'c1', tool: 'whoami', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: `reached ${NAME} through TLS` }]);
      expect(proxy.connects.length).toBeGreaterThan(before + 2);
      expect(proxy.refused.length).toBe(refusedBefore);
    } finally {
      await runtime.dispose();
      await browser.close();
    }
  });
});
