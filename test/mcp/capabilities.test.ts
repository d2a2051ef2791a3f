/**
 * Capabilities over Streamable HTTP against the SDK fixture server (static-token protected): tools with
 * pagination and every content type, structured output, isError, progress, cancellation, elicitation, logging,
 * list_changed, resources, prompts, ping, and Last-Event-ID resumption.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from '../../main/mcp/connection.ts';
import type { ConnectionEvent, McpConnection } from '../../main/mcp/connection.ts';
import { staticBearerSession } from '../../main/mcp/auth.ts';
import type { ElicitationRequestView, ProgressView } from '../../main/mcp/views.ts';
import { collectUpdates, nextEvent } from './helpers/events.ts';
import { startHttpHost } from './helpers/http-host.ts';
import type { HttpHost } from './helpers/http-host.ts';
import { PNG_1PX, TOOL_PAGE_SIZE, WAV_EMPTY } from './helpers/fixture-server.ts';
import { codeOf } from './helpers/rejections.ts';

const TOKEN = 'static-test-token';
let host: HttpHost;
let conn: McpConnection;
const events: ConnectionEvent[] = [];
const elicitations: ElicitationRequestView[] = [];

/** Plain data survives structured cloning (what Electron IPC does) and a JSON round trip unchanged. */
function expectSerialisable(value: unknown): void {
  expect(structuredClone(value)).toEqual(value);
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
}

beforeAll(async () => {
  host = await startHttpHost({ tokens: { [TOKEN]: ['read', 'write'] }, eventStore: true });
  conn = createConnection(
    { id: 'fixture', transport: 'streamable-http', url: host.url },
    {
      authorize: () => staticBearerSession(TOKEN),
      connectTimeoutMs: 5000,
      onElicitation: async (request) => {
        elicitations.push(request);
        return { action: 'accept', content: { name: 'Alice' } };
      },
    },
  );
  conn.subscribe((e) => events.push(e));
  await conn.connect();
});

afterAll(async () => {
  await conn.disconnect();
  await host.close();
});

describe('connect', () => {
  it('reports server info and a connected status', () => {
    const info = conn.serverInfo();
    expect(info).toMatchObject({ name: 'keyport-fixture', transport: 'streamable-http', title: 'Keyport fixture' });
    expect(info?.capabilities).toEqual({ tools: true, resources: true, prompts: true, logging: true, completions: false });
    expect(conn.status().state).toBe('connected');
    expect(events.filter((e) => e.type === 'status').map((e) => (e.type === 'status' ? e.status.state : ''))).toEqual(['connecting', 'connected']);
    expectSerialisable(info);
  });
});

describe('tools', () => {
  it('lists every page', async () => {
    const before = host.stats.methods['tools/list'] ?? 0;
    const tools = await conn.listTools({ refresh: true });
    expect(tools.length).toBeGreaterThan(TOOL_PAGE_SIZE * 2);
    expect(tools.map((t) => t.name)).toContain('whoami');
    expect((host.stats.methods['tools/list'] ?? 0) - before).toBe(Math.ceil(tools.length / TOOL_PAGE_SIZE));
    expect(tools.find((t) => t.name === 'echo')).toMatchObject({ annotations: { readOnlyHint: true } });
    expectSerialisable(tools);
  });

  it('returns every content type', async () => {
    const r = await conn.callTool('all_content');
    expect(r.isError).toBe(false);
    expect(r.content).toEqual([
      { type: 'text', text: 'hello', annotations: { audience: ['user'], priority: 0.5 } },
      { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
      { type: 'audio', data: WAV_EMPTY, mimeType: 'audio/wav' },
      { type: 'resource_link', uri: 'fixture://readme', name: 'readme', mimeType: 'text/plain', description: 'The readme' },
      { type: 'resource', resource: { kind: 'text', uri: 'fixture://inline', mimeType: 'text/plain', text: 'inline text' } },
      { type: 'resource', resource: { kind: 'blob', uri: 'fixture://inline.bin', mimeType: 'application/octet-stream', blob: 'AAEC' } },
    ]);
    expectSerialisable(r);
  });

  it('returns structuredContent checked against outputSchema', async () => {
    const r = await conn.callTool('add', { a: 2, b: 40 });
    expect(r.structuredContent).toEqual({ sum: 42 });
    expect(await codeOf(conn.callTool('bad_structured'))).toBe('invalid_output');
  });

  it('checks arguments against inputSchema before sending', async () => {
    const before = host.stats.requests;
    expect(await codeOf(conn.callTool('echo', { text: 3 }))).toBe('invalid_arguments');
    expect(await codeOf(conn.callTool('echo', {}))).toBe('invalid_arguments');
    expect(await codeOf(conn.callTool('echo', { text: 'x', extra: 1 }))).toBe('invalid_arguments');
    expect(host.stats.requests).toBe(before);
    expect((await conn.callTool('echo', { text: 'hi' })).content).toEqual([{ type: 'text', text: 'hi' }]);
  });

  it('returns isError results as data and JSON-RPC errors as tool_error', async () => {
    const r = await conn.callTool('fail');
    expect(r.isError).toBe(true);
    expect(r.content).toEqual([{ type: 'text', text: 'the tool failed on purpose' }]);
    expect(await codeOf(conn.callTool('throws'))).toBe('tool_error');
    expect(await codeOf(conn.callTool('no_such_tool'))).toBe('not_found');
  });

  it('reports progress', async () => {
    const seen: ProgressView[] = [];
    const r = await conn.callTool('slow', { steps: 3, delayMs: 10 }, { onProgress: (p) => seen.push(p) });
    expect(r.content).toEqual([{ type: 'text', text: 'done after 3 steps' }]);
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
  });

  it('cancels a running call and tells the server', async () => {
    const ac = new AbortController();
    const cancelledBefore = host.state.cancelled;
    const p = conn.callTool('slow', { steps: 100, delayMs: 50 }, { signal: ac.signal, onProgress: () => ac.abort('user cancelled') });
    expect(await codeOf(p)).toBe('cancelled');
    await expect.poll(() => host.state.cancelled, { timeout: 3000 }).toBe(cancelledBefore + 1);
  });

  it('times out a call that takes too long', async () => {
    expect(await codeOf(conn.callTool('slow', { steps: 1, delayMs: 2000 }, { timeoutMs: 200 }))).toBe('timeout');
  });

  it('follows tools/list_changed', async () => {
    const before = (await conn.listTools()).length;
    const changed = nextEvent(conn, 'tools-changed');
    await conn.callTool('add_tool');
    expect((await changed).tools.length).toBe(before + 1);
    expect((await conn.callTool('extra_0')).content).toEqual([{ type: 'text', text: 'extra_0' }]);
  });

  it('resumes an interrupted SSE response with Last-Event-ID', async () => {
    const seen = host.stats.lastEventIds.length;
    const r = await conn.callTool('resumable');
    expect(r.content).toEqual([{ type: 'text', text: 'resumed' }]);
    expect(host.stats.lastEventIds.length).toBeGreaterThan(seen);
  });
});

describe('elicitation', () => {
  it('surfaces the form with its defaults and applies them to the answer', async () => {
    const r = await conn.callTool('ask');
    expect(elicitations).toHaveLength(1);
    const req = elicitations[0];
    expect(req).toMatchObject({ serverId: 'fixture', message: 'Tell me about you', defaults: { color: 'green', age: 42, subscribe: true } });
    expectSerialisable(req);
    const first = r.content[0];
    expect(first?.type).toBe('text');
    const answer = JSON.parse(first?.type === 'text' ? first.text : '{}') as unknown;
    expect(answer).toEqual({ action: 'accept', content: { name: 'Alice', color: 'green', age: 42, subscribe: true } });
  });
});

describe('logging', () => {
  it('delivers server log messages as events', async () => {
    await conn.setLogLevel('debug');
    const got = new Promise<unknown>((resolve) => {
      const off = conn.subscribe((e) => {
        if (e.type === 'log') {
          off();
          resolve(e.message);
        }
      });
    });
    await conn.callTool('log', { level: 'warning', message: 'disk almost full' });
    expect(await got).toMatchObject({ level: 'warning', logger: 'fixture', data: 'disk almost full', source: 'server' });
  });
});

describe('resources', () => {
  it('lists (all pages), lists templates, reads text and blobs', async () => {
    const resources = await conn.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['fixture://readme', 'fixture://logo']);
    const templates = await conn.listResourceTemplates();
    expect(templates).toEqual([{ uriTemplate: 'fixture://notes/{id}', name: 'note', mimeType: 'text/plain' }]);
    expect(await conn.readResource('fixture://readme')).toEqual({
      uri: 'fixture://readme',
      contents: [{ kind: 'text', uri: 'fixture://readme', mimeType: 'text/plain', text: 'Read me, please.' }],
    });
    const logo = await conn.readResource('fixture://logo');
    expect(logo.contents[0]).toEqual({ kind: 'blob', uri: 'fixture://logo', mimeType: 'image/png', blob: PNG_1PX });
    expect((await conn.readResource('fixture://notes/7')).contents[0]).toMatchObject({ text: 'note 7' });
    expect(await codeOf(conn.readResource('fixture://missing'))).toBe('server_error');
    expectSerialisable([resources, templates, logo]);
  });
});

describe('resource subscriptions', () => {
  it('delivers resources/updated for a subscribed URI, and stops after unsubscribing', async () => {
    const { uris: updates, stop: off } = collectUpdates(conn);
    try {
      await conn.subscribeResource('fixture://readme');
      expect((await conn.callTool('touch')).content).toEqual([{ type: 'text', text: 'notified' }]);
      await expect.poll(() => updates).toEqual(['fixture://readme']);
      await conn.unsubscribeResource('fixture://readme');
      expect((await conn.callTool('touch')).content).toEqual([{ type: 'text', text: 'nobody subscribed' }]);
    } finally {
      off();
    }
  });
});

describe('prompts', () => {
  it('lists and gets with arguments', async () => {
    const prompts = await conn.listPrompts();
    expect(prompts).toEqual([
      {
        name: 'greet',
        description: 'Greets someone.',
        arguments: [
          { name: 'name', required: true },
          { name: 'style', required: false, description: 'formal or casual' },
        ],
      },
    ]);
    const p = await conn.getPrompt('greet', { name: 'Ada', style: 'formal' });
    expect(p).toEqual({
      name: 'greet',
      description: 'A greeting',
      messages: [
        { role: 'user', content: { type: 'text', text: 'Good day, Ada.' } },
        { role: 'assistant', content: { type: 'image', data: PNG_1PX, mimeType: 'image/png' } },
      ],
    });
    expect(await codeOf(conn.getPrompt('greet', {}))).toBe('invalid_arguments');
    expectSerialisable(p);
  });
});

describe('ping', () => {
  it('measures a round trip', async () => {
    const ms = await conn.ping();
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5000);
  });
});
