/**
 * The MCP server variants of the test bed, checked from the outside: what each resource says about DPoP
 * (`supported` / `required` / `bearer-only`) in its metadata and challenges and what it accepts, and the SDK v2
 * servers (2026-07-28 only, and dual-era) on the raw modern wire and with the SDK 1.x client. Tokens come from
 * client_credentials (no browser needed), bound with DPoP where a test says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { decodeJwt } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { VARIANT_MCP_SERVERS, startTestBed } from './testbed.ts';
import type { TestBed } from './testbed.ts';
import type { McpTestServer } from './mcp-server.ts';
import { MODERN_PROTOCOL_VERSION } from './mcp-server-v2.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const CLIENT = { client_id: 'variants-suite', client_secret: 'variants-suite-secret-0123456789abcdef' };
const MODERN = MODERN_PROTOCOL_VERSION;
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'variants-suite', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};

let bed: TestBed;
let as: oauth.AuthorizationServer;
let servers: Readonly<Record<string, McpTestServer>>;

beforeAll(async () => {
  bed = await startTestBed({
    authServer: { clients: [{ ...CLIENT, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }] },
    extraMcpServers: { ...VARIANT_MCP_SERVERS, required: { dpop: 'required' } },
  });
  servers = bed.extraMcpServers ?? {};
  as = await oauth.processDiscoveryResponse(new URL(bed.issuer), await oauth.discoveryRequest(new URL(bed.issuer), { algorithm: 'oauth2', ...insecure }));
});

afterAll(async () => {
  await bed?.close();
});

function server(name: string): McpTestServer {
  const found = servers[name];
  if (!found) throw new Error(`no ${name} server`);
  return found;
}

/** A client_credentials token for `resource`, DPoP-bound when a handle is given. */
async function token(resource: string, scope: string, dpop?: oauth.DPoPHandle): Promise<string> {
  const client = { client_id: CLIENT.client_id } as oauth.Client;
  const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(CLIENT.client_secret), { scope, resource }, {
    ...(dpop ? { DPoP: dpop } : {}),
    ...insecure,
  });
  return (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
}

async function metadata(target: McpTestServer): Promise<Record<string, unknown>> {
  return (await (await fetch(target.resourceMetadataUrl)).json()) as Record<string, unknown>;
}

function post(url: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** One request on the 2026-07-28 wire: version header, method/name headers, the `_meta` envelope. */
async function modern(url: string, accessToken: string, method: string, params: Record<string, unknown> = {}): Promise<Response> {
  const name: Record<string, string> = typeof params.name === 'string' ? { 'Mcp-Name': params.name } : {};
  const meta = { ...ENVELOPE, ...((params._meta as object | undefined) ?? {}) };
  return post(
    url,
    { Authorization: `Bearer ${accessToken}`, 'MCP-Protocol-Version': MODERN, 'Mcp-Method': method, ...name },
    { jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta } },
  );
}

/** The JSON-RPC result of a JSON or SSE response (the last message carrying an `id`). */
async function rpcResult(response: Response): Promise<{ result?: Record<string, unknown>; error?: { code: number; data?: Record<string, unknown> }; notifications: unknown[] }> {
  const text = await response.text();
  const messages = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
    : [JSON.parse(text) as Record<string, unknown>];
  const final = messages.findLast((message) => 'id' in message) ?? {};
  return { ...(final as object), notifications: messages.filter((message) => !('id' in message)) };
}

async function connect(url: string, accessToken: string): Promise<Client> {
  const client = new Client({ name: 'variants-suite', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${accessToken}` } } }));
  return client;
}

describe('DPoP as the resource states it', () => {
  it('supported (the default): metadata lists the algorithms, and a Bearer and a DPoP-bound token both work', async () => {
    expect(bed.mcpServer.dpop).toBe('supported');
    const document = await metadata(bed.mcpServer);
    expect(document.dpop_signing_alg_values_supported).toContain('ES256');
    expect(document).not.toHaveProperty('dpop_bound_access_tokens_required');
    const bearer = await connect(bed.mcpUrl, await token(bed.mcpUrl, 'mcp:read'));
    expect((await bearer.callTool({ name: 'read_data', arguments: {} })).isError).toBeFalsy();
    await bearer.close();
  });

  it('required: metadata requires bound tokens, challenges only with DPoP, and refuses a Bearer token', async () => {
    const required = server('required');
    const document = await metadata(required);
    expect(document.dpop_bound_access_tokens_required).toBe(true);
    const anonymous = await post(required.url, {}, initialize);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^DPoP resource_metadata="[^"]+", scope="mcp:read mcp:write", algs="ES256[^"]*"$/);
    const bearer = await post(required.url, { Authorization: `Bearer ${await token(required.url, 'mcp:read')}` }, initialize);
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token", error_description="this resource requires DPoP-bound access tokens"/);

    const dpop = oauth.DPoP({ client_id: CLIENT.client_id } as oauth.Client, await oauth.generateKeyPair('ES256'));
    const bound = await token(required.url, 'mcp:read', dpop);
    expect((decodeJwt(bound).cnf as { jkt?: string }).jkt).toEqual(expect.any(String));
    const headers = new Headers({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' });
    const accepted = await oauth.protectedResourceRequest(bound, 'POST', new URL(required.url), headers, JSON.stringify(initialize), { DPoP: dpop, ...insecure });
    expect(accepted.status).toBe(200);
  });

  it('bearer-only: metadata says nothing about DPoP and the DPoP scheme gets the SDK 1.x answer', async () => {
    const bearerOnly = server('bearer-only');
    expect(bearerOnly.dpop).toBe('bearer-only');
    const document = await metadata(bearerOnly);
    expect(document).not.toHaveProperty('dpop_signing_alg_values_supported');
    expect(document).not.toHaveProperty('dpop_bound_access_tokens_required');
    const anonymous = await post(bearerOnly.url, {}, initialize);
    expect(anonymous.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${bearerOnly.resourceMetadataUrl}", scope="mcp:read mcp:write"`);

    const plain = await token(bearerOnly.url, 'mcp:read');
    const asDpop = await post(bearerOnly.url, { Authorization: `DPoP ${plain}` }, initialize);
    expect(asDpop.status).toBe(401);
    expect(asDpop.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="Invalid Authorization header format, expected 'Bearer TOKEN'", resource_metadata="${bearerOnly.resourceMetadataUrl}", scope="mcp:read mcp:write"`,
    );
    expect(await asDpop.json()).toEqual({ error: 'invalid_token', error_description: "Invalid Authorization header format, expected 'Bearer TOKEN'" });

    const dpop = oauth.DPoP({ client_id: CLIENT.client_id } as oauth.Client, await oauth.generateKeyPair('ES256'));
    const bound = await token(bearerOnly.url, 'mcp:read', dpop);
    const boundAsBearer = await post(bearerOnly.url, { Authorization: `Bearer ${bound}` }, initialize);
    expect(boundAsBearer.status).toBe(401);
    expect(boundAsBearer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="access token is DPoP-bound/);

    const client = await connect(bearerOnly.url, plain);
    expect((await client.callTool({ name: 'read_data', arguments: {} })).isError).toBeFalsy();
    await client.close();
  });
});

describe('2026-07-28-only server (SDK v2, legacy rejected)', () => {
  it('serves server/discover and tools on the modern wire and logs every method', async () => {
    const target = server('modern');
    expect(target.era).toBe('modern');
    target.clearLog();
    const accessToken = await token(target.url, 'mcp:read mcp:write');
    const discover = await rpcResult(await modern(target.url, accessToken, 'server/discover'));
    expect(discover.result?.supportedVersions).toEqual([MODERN]);
    const tools = await rpcResult(await modern(target.url, accessToken, 'tools/list'));
    expect((tools.result?.tools as { name: string }[]).map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['public_info', 'get_user_profile', 'read_data', 'write_data', 'confirm_action', 'long_running_task']),
    );
    const profile = await rpcResult(await modern(target.url, accessToken, 'tools/call', { name: 'get_user_profile', arguments: {} }));
    expect(profile.result?.structuredContent).toMatchObject({ sub: CLIENT.client_id, scopes: ['mcp:read', 'mcp:write'] });
    const written = await rpcResult(await modern(target.url, accessToken, 'tools/call', { name: 'write_data', arguments: { key: 'era', value: 'modern' } }));
    expect(written.result?.isError).toBeFalsy();

    expect(target.count({ rpcMethod: 'server/discover', protocolVersion: MODERN, status: 200 })).toBe(1);
    expect(target.count({ rpcMethod: 'tools/call', toolName: 'write_data', status: 200 })).toBe(1);
    expect(target.count({ rpcMethod: 'initialize' })).toBe(0);
  });

  it('answers initialize with -32022 and the supported versions, so the SDK 1.x client cannot connect', async () => {
    const target = server('modern');
    const accessToken = await token(target.url, 'mcp:read');
    const refused = await rpcResult(await post(target.url, { Authorization: `Bearer ${accessToken}` }, initialize));
    expect(refused.error).toMatchObject({ code: -32022, data: { supported: [MODERN] } });
    await expect(connect(target.url, accessToken)).rejects.toThrow();
  });

  it('steps up with 403 insufficient_scope, asks for confirmation in an input_required result, and streams progress', async () => {
    const target = server('modern');
    const readOnly = await token(target.url, 'mcp:read');
    const forbidden = await modern(target.url, readOnly, 'tools/call', { name: 'write_data', arguments: { key: 'k', value: 'v' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="write_data requires mcp:write", resource_metadata="${target.resourceMetadataUrl}", scope="mcp:write"`,
    );

    const asked = await rpcResult(await modern(target.url, readOnly, 'tools/call', { name: 'confirm_action', arguments: { action: 'deploy' } }));
    expect(asked.result).toMatchObject({ resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create' } } });
    const answered = await rpcResult(
      await modern(target.url, readOnly, 'tools/call', {
        name: 'confirm_action',
        arguments: { action: 'deploy' },
        inputResponses: { confirm: { action: 'accept', content: { confirm: true } } },
      }),
    );
    expect(answered.result?.content).toEqual([{ type: 'text', text: '{"action":"accept","content":{"confirm":true}}' }]);

    const progress = await rpcResult(
      await modern(target.url, readOnly, 'tools/call', { name: 'long_running_task', arguments: { steps: 3, delay_ms: 1 }, _meta: { progressToken: 'p1' } }),
    );
    expect(progress.notifications.map((n) => (n as { params: { progress: number } }).params.progress)).toEqual([1, 2, 3]);
    expect(progress.result?.content).toEqual([{ type: 'text', text: 'completed 3 steps' }]);
  });
});

describe('dual-era server (SDK v2, both wires)', () => {
  it('serves the SDK 1.x client through initialize and a modern client without it, on one resource', async () => {
    const target = server('dual');
    expect(target.era).toBe('dual');
    target.clearLog();
    const accessToken = await token(target.url, 'mcp:read mcp:write');
    const legacy = await connect(target.url, accessToken);
    expect((await legacy.callTool({ name: 'write_data', arguments: { key: 'era', value: 'both' } })).isError).toBeFalsy();
    const elicit = await legacy.callTool({ name: 'confirm_action', arguments: { action: 'x' } });
    expect(elicit.isError).toBe(true);
    expect((await legacy.listPrompts()).prompts.map((prompt) => prompt.name)).toEqual(expect.arrayContaining(['draft_note', 'summarize_notes']));
    expect((await legacy.readResource({ uri: 'user://profile' })).contents[0]).toMatchObject({ mimeType: 'application/json' });
    await legacy.close();

    const read = await rpcResult(await modern(target.url, accessToken, 'tools/call', { name: 'read_data', arguments: { key: 'era' } }));
    expect(read.result?.content).toEqual([{ type: 'text', text: 'era=both' }]);
    expect(target.count({ rpcMethod: 'initialize', status: 200 })).toBe(1);
    expect(target.count({ rpcMethod: 'tools/call', protocolVersion: MODERN })).toBe(1);
    expect(target.count({ rpcMethod: 'server/discover' })).toBe(0);
  });

  it('is its own resource: a token for the main server is refused with invalid_token', async () => {
    const target = server('dual');
    const forMain = await token(bed.mcpUrl, 'mcp:read');
    const refused = await modern(target.url, forMain, 'tools/list');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="access token claim check failed: aud"/);
  });
});
