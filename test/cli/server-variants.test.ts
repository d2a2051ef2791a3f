/**
 * Issue 10 journeys from the CLI: the MCP servers users meet besides the spec-perfect one, each behind the same
 * DPoP-advertising authorization server (oidc-provider 9): a Bearer-only server (like the SDK 1.x
 * `requireBearerAuth`), a 2026-07-28-only server (SDK v2, `initialize` refused), and a dual-era server. For each:
 * add → sign in → tools → call → refresh after expiry → sign out, with `bin/keyport.js` processes and the real
 * keychain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { startTestBed, VARIANT_MCP_SERVERS, type TestBed } from '../servers/testbed.ts';
import { runBin, type CliRun } from './helpers.ts';

const agent = fileURLToPath(new URL('../servers/browser-agent.ts', import.meta.url));
const browserCommand = `"${process.execPath}" "${agent}"`;

let bed: TestBed;
let dataDir: string;

function cli(argv: readonly string[]): Promise<CliRun> {
  return runBin(['--data-dir', dataDir, ...argv], { env: { BROWSER: '' }, timeoutMs: 60_000 });
}

beforeAll(async () => {
  bed = await startTestBed({ extraMcpServers: VARIANT_MCP_SERVERS });
  dataDir = mkdtempSync(join(tmpdir(), 'keyport-variants-'));
});

afterAll(async () => {
  const secrets = openKeychainSecrets(dataDir);
  for (const item of await secrets.store.list()) await secrets.store.delete(item.account);
  rmSync(dataDir, { recursive: true, force: true });
  await bed?.close();
});

const journeys = [
  { name: 'bearer-only', era: 'legacy', presented: 'Bearer — the resource does not ask for DPoP' },
  { name: 'modern', era: 'modern', presented: undefined },
  { name: 'dual', era: 'modern', presented: undefined },
] as const;

describe.each(journeys)('the $name MCP server from the CLI', ({ name, era, presented }) => {
  it('adds, signs in, lists and calls tools, refreshes after expiry, and signs out', async () => {
    const server = bed.extraMcpServers![name]!;
    expect((await cli(['servers', 'add', server.url, '--name', name])).code).toBe(0);

    // Short-lived access tokens for this sign-in, so the journey meets an expiry and a refresh.
    const refreshesBefore = bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' });
    bed.authServer.setTokenTtls({ accessToken: 3 });
    const login = await cli(['login', name, '--browser-command', browserCommand]);
    const signedInAt = Date.now();
    bed.authServer.setTokenTtls({ accessToken: 3600 });
    expect(login.code, login.stderr).toBe(0);

    const tools = await cli(['tools', name]);
    expect(tools.code, tools.stderr).toBe(0);
    expect(tools.stdout).toContain('get_user_profile');

    const call = await cli(['call', name, 'get_user_profile']);
    expect(call.code, call.stderr).toBe(0);
    expect(call.stdout).toContain('alice');

    // The era the server speaks is shown, and remembered for the next start.
    const list = JSON.parse((await cli(['--json', 'servers', 'list'])).stdout) as { servers: { name: string; protocolEra?: string }[] };
    expect(list.servers.find((s) => s.name === name)?.protocolEra).toBe(era);

    const token = await cli(['token', name]);
    expect(token.stdout).toContain(presented ?? 'Presented as:');

    // Past the first token's expiry, a call still works: the token was refreshed exactly once on the way.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, signedInAt + 3_500 - Date.now())));
    const again = await cli(['call', name, 'get_user_profile']);
    expect(again.code, again.stderr).toBe(0);
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' }) - refreshesBefore).toBe(1);

    const logout = await cli(['logout', name]);
    expect(logout.code, logout.stderr).toBe(0);
    expect((await cli(['status', name])).stdout).toMatch(/signed-out/);
    expect((await cli(['call', name, 'get_user_profile'])).code).not.toBe(0);
  });
});

describe('a warm start to a modern server', () => {
  it('sends no server/discover probe when the era is cached', async () => {
    const server = bed.extraMcpServers!.modern!;
    expect((await cli(['login', 'modern', '--browser-command', browserCommand])).code).toBe(0);
    expect((await cli(['tools', 'modern'])).code).toBe(0);
    server.clearLog();
    const warm = await cli(['tools', 'modern']);
    expect(warm.code, warm.stderr).toBe(0);
    expect(server.count({ rpcMethod: 'server/discover' })).toBe(0);
    expect(server.count({ rpcMethod: 'initialize' })).toBe(0);
    expect(server.count({ rpcMethod: 'tools/list' })).toBe(1);
  });
});
