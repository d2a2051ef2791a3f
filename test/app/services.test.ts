/**
 * The app's services end to end, as the window drives them through IPC: a real authorization server (oidc-provider)
 * and protected MCP server on 127.0.0.1, the real keychain (private gnome-keyring), the real engine and MCP layer.
 * The browser step is played by the test bed's user agent.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventChannel, EventPayloads } from '../../preload/contract.ts';
import { createAppServices, type AppRuntime } from '../../main/services.ts';
import { startTestBed, type TestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';

interface Recorded {
  readonly channel: EventChannel;
  readonly payload: unknown;
}

let bed: TestBed;
let dataDir: string;
let runtime: AppRuntime | undefined;
let events: Recorded[];
let clipboard: string[];
let account = { username: 'alice', password: 'password123' };
/** The user's browser: completes the login unless a test says the user walked away. */
let browserCompletes = true;
/** Which scopes the user ticks on the consent page. */
let approveScopes: 'defaults' | 'all' = 'defaults';

async function start(refreshMarginMs?: number): Promise<AppRuntime> {
  runtime = await createAppServices({
    ...(refreshMarginMs !== undefined && { core: { refreshMarginMs } }),
    appVersion: '0.0.0-test',
    dataDir,
    emit: <C extends EventChannel>(channel: C, payload: EventPayloads[C]) => events.push({ channel, payload }),
    openBrowser: async (url) => {
      if (browserCompletes) await completeLogin(url, account, { approveScopes });
    },
    clipboard: { writeText: (text) => clipboard.push(text) },
    autoConnect: false,
  });
  return runtime;
}

/** Every token the keychain holds for this data directory, to search the outputs for. */
async function liveSecrets(rt: AppRuntime): Promise<string[]> {
  const sets = await rt.context.core.secrets().credentials.listTokenSets();
  return sets.flatMap((s) => [s.accessToken, s.refreshToken, s.idToken].filter((v): v is string => typeof v === 'string'));
}

beforeEach(async () => {
  bed = await startTestBed();
  dataDir = await mkdtemp(join(tmpdir(), 'keyport-services-'));
  events = [];
  clipboard = [];
  account = { username: 'alice', password: 'password123' };
  browserCompletes = true;
  approveScopes = 'defaults';
});

afterEach(async () => {
  await runtime?.dispose();
  runtime = undefined;
  await bed.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('signing in from the window', () => {
  it('alice signs in, lists and calls tools, inspects her tokens, and signs out with revocation', async () => {
    const { services } = await start();
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });

    const tokenSet = await services.auth.signIn(server.id);
    expect(tokenSet.issuer).toBe(bed.issuer);
    expect(tokenSet.resource).toBe(bed.mcpUrl);
    expect(tokenSet.scopes).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    const access = tokenSet.tokens.find((t) => t.kind === 'access');
    expect(access?.format).toBe('jwt');
    expect(access?.audienceMatchesResource).toBe(true);
    expect(access?.subject).toBe('alice');

    const tools = await services.capabilities.tools(server.id);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['get_user_profile', 'write_data']));
    const profile = await services.capabilities.callTool(server.id, { callId: 'c1', tool: 'get_user_profile', arguments: {} });
    expect(profile.isError).toBe(false);
    expect(JSON.stringify(profile.content)).toContain('alice');

    const listed = await services.servers.list();
    expect(listed[0]?.status.state).toBe('connected');
    const flows = await services.auth.flows(server.id);
    expect(flows[0]?.kind).toBe('login');
    expect(flows[0]?.outcome).toBe('ok');

    await services.auth.copyToken(server.id, 'access');
    const secrets = await liveSecrets(runtime as AppRuntime);
    expect(clipboard).toEqual([secrets[0]]);

    const revocationsBefore = bed.authServer.count({ endpoint: 'revocation' });
    expect(await services.auth.signOut(server.id)).toBe(true);
    expect(bed.authServer.count({ endpoint: 'revocation' })).toBeGreaterThan(revocationsBefore);
    expect(await services.auth.tokens(server.id)).toBeNull();
    expect((await services.servers.list())[0]?.status.state).toBe('needs-sign-in');

    // Nothing secret reached an event payload or a file in the data directory.
    const eventText = JSON.stringify(events);
    for (const secret of secrets) expect(eventText).not.toContain(secret);
    for (const file of await readdir(dataDir, { recursive: true })) {
      const text = await readFile(join(dataDir, file), 'utf8').catch(() => '');
      for (const secret of secrets) expect(text, file).not.toContain(secret);
    }
  });

  it('bob meets a step-up on write_data, consents to mcp:write, and the call then succeeds', async () => {
    account = { username: 'bob', password: 'secret456' };
    const { services } = await start();
    const server = await services.servers.add({ url: bed.mcpUrl });
    await services.auth.signIn(server.id);
    await expect(
      services.capabilities.callTool(server.id, { callId: 'w1', tool: 'write_data', arguments: { key: 'k', value: 'v' } }),
    ).rejects.toMatchObject({ code: 'insufficient_scope' });
    const stepUp = events.find((e) => e.channel === 'auth:onStepUp');
    expect(stepUp?.payload).toMatchObject({ serverId: server.id, scopes: expect.arrayContaining(['mcp:write']) });

    approveScopes = 'all';
    const upgraded = await services.auth.stepUp(server.id, ['mcp:write']);
    expect(upgraded.scopes).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    const result = await services.capabilities.callTool(server.id, {
      callId: 'w2',
      tool: 'write_data',
      arguments: { key: 'k', value: 'v' },
    });
    expect(result.isError).toBe(false);
    expect(bed.mcpServer.count({ toolName: 'write_data', status: 200 })).toBeGreaterThan(0);
  });

  it('a token that expires mid-session is refreshed on the next call, and the window hears of it', async () => {
    bed.authServer.setTokenTtls({ accessToken: 3 });
    const { services } = await start(1_000);
    const server = await services.servers.add({ url: bed.mcpUrl });
    const first = await services.auth.signIn(server.id);
    await services.capabilities.callTool(server.id, { callId: 'a', tool: 'get_user_profile', arguments: {} });
    await new Promise((resolve) => setTimeout(resolve, 2_200));

    const result = await services.capabilities.callTool(server.id, { callId: 'b', tool: 'get_user_profile', arguments: {} });
    expect(result.isError).toBe(false);
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' })).toBe(1);
    await expect
      .poll(() => events.filter((e) => e.channel === 'tokens:onChanged').length)
      .toBeGreaterThan(1);
    const latest = await services.auth.tokens(server.id);
    expect(latest?.refreshHistory.at(-1)).toMatchObject({ outcome: 'ok' });
    const fingerprint = (view: typeof first | null) => view?.tokens.find((t) => t.kind === 'access')?.fingerprint;
    expect(fingerprint(latest)).not.toBe(fingerprint(first));
    expect((await services.auth.flows(server.id)).some((f) => f.kind === 'refresh' && f.outcome === 'ok')).toBe(true);
  });

  it('a server that is down gives a typed error status, not a hang', async () => {
    const { services } = await start();
    const server = await services.servers.add({ url: 'http://127.0.0.1:9/mcp', name: 'Nowhere' });
    const view = await services.servers.connect(server.id);
    expect(view.status.state).toBe('error');
  });

  it('cancelling a sign-in that waits for the browser stops it cleanly', async () => {
    browserCompletes = false;
    const { services } = await start();
    const server = await services.servers.add({ url: bed.mcpUrl });
    const signIn = services.auth.signIn(server.id);
    // Wait until the browser would be showing the login page (the authorization URL is known), then give up.
    await expect.poll(() => services.auth.copyLink(server.id).then(() => true, () => false)).toBe(true);
    expect(await services.auth.cancel(server.id)).toBe(true);
    await expect(signIn).rejects.toMatchObject({ code: 'cancelled' });
    expect(await services.auth.tokens(server.id)).toBeNull();
  });
});
