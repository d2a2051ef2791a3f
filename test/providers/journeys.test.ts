/**
 * Provider journeys through the CLI (issue 12 item 1): for each emulated provider, what its notes say a user enters
 * (`keyport servers add` with the settings) → sign in (the automated user agent as the browser) → tools → call →
 * refresh after the access token expired → sign out. Real keychain (the private one from test/setup), real emulated
 * authorization servers and MCP servers on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { runCli } from '../cli/helpers.ts';
import type { CliRun } from '../cli/helpers.ts';
import { startProvider, type AnyProviderOptions, type ProviderEmulation, type ProviderId } from '../servers/providers/index.ts';
import { addFlags, browserCommand, freePort } from './journey-helpers.ts';

const dirs: string[] = [];
const running: ProviderEmulation[] = [];

afterAll(async () => {
  for (const dir of dirs.splice(0)) {
    const secrets = openKeychainSecrets(dir);
    for (const item of await secrets.store.list()) await secrets.store.delete(item.account);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const p of running.splice(0)) await p.close();
});

async function start(id: ProviderId, options: AnyProviderOptions = {}): Promise<{ provider: ProviderEmulation; cli: (argv: readonly string[], stdin?: string) => Promise<CliRun> }> {
  const provider = await startProvider(id, options);
  running.push(provider);
  const dir = mkdtempSync(join(tmpdir(), `keyport-${id}-`));
  dirs.push(dir);
  const cli = (argv: readonly string[], stdin?: string): Promise<CliRun> => runCli(['--data-dir', dir, ...argv], stdin === undefined ? {} : { stdin });
  return { provider, cli };
}

/** How long the journeys' access tokens live (seconds): short, so the journey sees a refresh. */
const TTL = 2;

const refreshes = (p: ProviderEmulation): number => p.authServer.log.filter((r) => r.endpoint === 'token' && r.grantType === 'refresh_token' && r.status === 200).length;

const JOURNEYS: readonly ProviderId[] = ['entra', 'google', 'github', 'linear', 'atlassian', 'auth0', 'okta', 'keycloak', 'figma', 'cloudflare', 'notion', 'slack', 'salesforce'];

describe.each(JOURNEYS)('%s via the CLI', (id) => {
  it(`${id}: add with the provider notes' settings → sign in → tools → call → refresh after expiry → sign out`, async () => {
    const { provider, cli } = await start(id, { accessTokenTtl: TTL, ...(id === 'slack' || id === 'salesforce' ? { callbackPort: await freePort() } : {}) });
    const { args, stdin } = addFlags(provider.entry, id);
    const add = await cli(['servers', 'add', provider.mcpUrl, ...args], stdin);
    expect(add.code, add.stderr).toBe(0);

    const login = await cli(['login', id, '--browser-command', browserCommand, '--timeout', '20']);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^Signed in to ${id} `));

    const tools = await cli(['--json', 'tools', id]);
    expect(tools.code, tools.stderr).toBe(0);
    const names = (JSON.parse(tools.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toContain('get_user_profile');

    const call = await cli(['--json', 'call', id, 'get_user_profile']);
    expect(call.code, call.stderr).toBe(0);
    expect((JSON.parse(call.stdout) as { result: { isError: boolean } }).result.isError).toBe(false);

    const before = refreshes(provider);
    await new Promise((r) => setTimeout(r, TTL * 1000 + 600));
    const again = await cli(['--json', 'call', id, 'get_user_profile']);
    expect(again.code, again.stderr).toBe(0);
    expect(refreshes(provider)).toBeGreaterThan(before);

    const logout = await cli(['logout', id]);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toMatch(new RegExp(`^Signed out of ${id}`));
    const status = await cli(['--json', 'status', id]);
    expect((JSON.parse(status.stdout) as { servers: { status: { state: string } }[] }).servers[0]?.status.state).toBe('signed-out');
  });
});

/** What Keyport says when a provider is added with nothing but its URL, where that cannot work: each names the fix. */
const REFUSALS: readonly { readonly id: ProviderId; readonly name: string; readonly code: string; readonly names: RegExp }[] = [
  { id: 'entra', name: 'refused before the browser: S256 not advertised, naming --assume-pkce-s256', code: 'pkce_unsupported', names: /--assume-pkce-s256/ },
  // The issuers differ only by the root's trailing slash, the same URL (RFC 3986 §6.2.3): what stops is the client id.
  { id: 'google', name: 'refused before the browser: no dynamic registration, saying to register an app and enter its client id', code: 'client_id_required', names: /does not support dynamic registration: register an app there/ },
  { id: 'github', name: 'refused before the browser: no metadata, naming --authorization-endpoint and --token-endpoint', code: 'discovery_failed', names: /--authorization-endpoint URL --token-endpoint URL/ },
  { id: 'okta', name: 'refused before the browser: registration refused, saying to register an app and enter its client id', code: 'registration_failed', names: /register an app there with redirect URI http:\/\/127\.0\.0\.1\/callback \(any port\) and enter its client id/ },
  { id: 'keycloak', name: 'refused before the browser: registration refused (Trusted Hosts), saying to enter a client id', code: 'registration_failed', names: /--client-id ID/ },
];

describe.each(REFUSALS)('$id with nothing but its URL', ({ id, name, code, names }) => {
  it(`${id}: ${name}`, async () => {
    const { provider, cli } = await start(id);
    expect((await cli(['servers', 'add', provider.mcpUrl, '--name', id])).code).toBe(0);
    const login = await cli(['--json', 'login', id, '--browser-command', browserCommand, '--timeout', '10']);
    expect(login.code).toBe(1);
    const error = (JSON.parse(login.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe(code);
    expect(error.message).toMatch(names);
    expect(login.stderr).not.toMatch(/Open this URL to sign in/);
    // eslint-disable-next-line no-control-regex
    expect(login.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
