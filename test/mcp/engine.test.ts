/**
 * The connection layer on top of the real OAuth engine and the test bed (oidc-provider AS + protected MCP server):
 * alice signs in and uses every tool, a resource and a prompt; bob meets step-up on write_data; a token that
 * expires mid-session is refreshed without the caller noticing; a server restart mid-session is survived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpConnection } from '../../main/mcp/connection.ts';
import type { ServerStatus } from '../../preload/contract.ts';
import type { TestBed } from '../servers/testbed.ts';
import { connectionFor, signIn, startBedWithClient } from './helpers/engine-bed.ts';
import type { SignedIn } from './helpers/engine-bed.ts';
import { errorOf } from './helpers/rejections.ts';

let bed: TestBed;

beforeAll(async () => {
  bed = await startBedWithClient();
});
afterAll(async () => {
  await bed?.close();
});

function connect(s: SignedIn): McpConnection {
  return connectionFor(bed, s, {
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, maxAttempts: 20 },
    onElicitation: async () => ({ action: 'accept', content: { confirm: true } }),
  });
}

const argsFor: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  read_data: {},
  write_data: { key: 'color', value: 'blue' },
  admin_operation: { operation: 'stats' },
  create_secure_note: { title: 'n1', content: 'secret' },
  long_running_task: { steps: 2, delay_ms: 10 },
  confirm_action: { action: 'deploy' },
};

describe('alice', () => {
  let signed: SignedIn;
  let conn: McpConnection;
  beforeAll(async () => {
    signed = await signIn(bed, 'alice');
    conn = connect(signed);
    await conn.connect();
  });
  afterAll(async () => {
    await conn?.disconnect();
  });

  it('lists and calls every tool (admin_operation meets step-up: alice has no mcp:admin)', async () => {
    const tools = await conn.listTools();
    const names = tools.map((t) => t.name);
    for (const expected of ['public_info', 'get_user_profile', 'read_data', 'write_data', 'admin_operation', 'create_secure_note', 'list_secure_notes', 'get_api_usage']) {
      expect(names).toContain(expected);
    }
    for (const tool of tools) {
      const args = argsFor[tool.name] ?? {};
      if (tool.name === 'admin_operation') {
        const err = await errorOf(conn.callTool(tool.name, args));
        expect(err).toMatchObject({ code: 'insufficient_scope', tool: 'admin_operation' });
        expect(err.scopes).toContain('mcp:admin');
        continue;
      }
      const r = await conn.callTool(tool.name, args);
      expect(r.isError, `${tool.name}: ${JSON.stringify(r.content)}`).toBe(tool.name === 'fail_always');
    }
    const profile = await conn.callTool('get_user_profile');
    expect(JSON.stringify(profile)).toContain('alice');
  });

  it('reads a resource and gets a prompt', async () => {
    const resources = await conn.listResources();
    expect(resources.map((r) => r.uri)).toContain('user://profile');
    const read = await conn.readResource('user://profile');
    expect(JSON.stringify(read.contents)).toContain('alice');
    if (conn.serverInfo()?.capabilities.prompts === true) {
      const prompts = await conn.listPrompts();
      const first = prompts[0];
      if (first !== undefined) {
        const args: Record<string, string> = {};
        for (const a of first.arguments) if (a.required) args[a.name] = 'x';
        const p = await conn.getPrompt(first.name, args);
        expect(p.messages.length).toBeGreaterThan(0);
      }
    }
  });

  it('survives a restart of the MCP server mid-session', async () => {
    await conn.callTool('public_info');
    await bed.mcpServer.restart();
    await new Promise((r) => setTimeout(r, 50));
    expect((await conn.callTool('read_data', {})).isError).toBe(false);
    await expect.poll(() => conn.status().state, { timeout: 5000 }).toBe('connected');
  });
});

describe('bob', () => {
  it('calling write_data meets step-up: insufficient_scope and a step-up-needed status naming the tool', async () => {
    const signed = await signIn(bed, 'bob');
    const conn = connect(signed);
    try {
      await conn.connect();
      expect((await conn.callTool('read_data', {})).isError).toBe(false);
      const err = await errorOf(conn.callTool('write_data', { key: 'k', value: 'v' }));
      expect(err.code).toBe('insufficient_scope');
      expect(err.scopes).toContain('mcp:write');
      const status = conn.status();
      expect(status).toMatchObject({ state: 'step-up-needed', tool: 'write_data' });
      expect((status as Extract<ServerStatus, { state: 'step-up-needed' }>).scopes).toContain('mcp:write');
    } finally {
      await conn.disconnect();
    }
  });
});

describe('a pre-registered client', () => {
  it('works the same through the seam', async () => {
    const signed = await signIn(bed, 'alice', { registration: 'preregistered' });
    const conn = connect(signed);
    try {
      await conn.connect();
      expect((await conn.callTool('get_user_profile')).isError).toBe(false);
    } finally {
      await conn.disconnect();
    }
  });
});

describe('token expiry', () => {
  it('an access token that expires mid-session is refreshed without the caller noticing', async () => {
    bed.authServer.setTokenTtls({ accessToken: 2 });
    try {
      const signed = await signIn(bed, 'alice', { refreshMarginMs: 500 });
      const conn = connect(signed);
      const statuses: ServerStatus[] = [];
      conn.subscribe((e) => {
        if (e.type === 'status') statuses.push(e.status);
      });
      try {
        await conn.connect();
        expect((await conn.callTool('public_info')).isError).toBe(false);
        const refreshesBefore = bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' });
        await new Promise((r) => setTimeout(r, 2200));
        // the token is dead now; the call goes through anyway
        expect((await conn.callTool('read_data', {})).isError).toBe(false);
        expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token' })).toBeGreaterThan(refreshesBefore);
        expect(statuses.map((s) => s.state)).toContain('refreshing');
        expect(conn.status().state).toBe('connected');
      } finally {
        await conn.disconnect();
      }
    } finally {
      bed.authServer.setTokenTtls({ accessToken: 3600 });
    }
  });
});
