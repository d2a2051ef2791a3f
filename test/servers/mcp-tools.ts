/**
 * What the protected MCP server offers (DESIGN.md "Test bed"): tools, resources and prompts that together exercise
 * every result type a client must render — text, image, resource links, `structuredContent` with an
 * `outputSchema`, `isError`, progress notifications, cancellation, log messages and elicitation.
 *
 * Data (notes, key/value data, usage counters) is per user (`sub`) and lives in a {@link TestBedState} that
 * survives MCP server restarts within the process, like a database would.
 */
import { randomUUID } from 'node:crypto';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { McpScope } from './accounts.ts';

/**
 * The scope each gated tool needs. The HTTP layer checks these before the SDK sees a `tools/call`, so a client gets
 * a real `403 insufficient_scope` challenge (step-up) rather than a tool error.
 */
export const TOOL_SCOPES: Readonly<Record<string, McpScope>> = {
  read_data: 'mcp:read',
  write_data: 'mcp:write',
  admin_operation: 'mcp:admin',
};

/** A secure note as stored (per user). */
export interface SecureNote {
  readonly id: string;
  readonly title: string;
  readonly content: string;
  readonly createdAt: string;
}

/** The server's data, shared by all sessions and kept across restarts of the MCP server. */
export interface TestBedState {
  readonly notes: Map<string, Map<string, SecureNote>>;
  readonly data: Map<string, Map<string, string>>;
  readonly usage: Map<string, Map<string, number>>;
}

/** Creates empty state. */
export function createTestBedState(): TestBedState {
  return { notes: new Map(), data: new Map(), usage: new Map() };
}

/** The caller as the HTTP layer attaches it to `authInfo.extra`. */
interface Caller {
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  readonly claims: Record<string, unknown>;
}

/** A 1×1 PNG (one teal pixel), for the image content type. */
export const TINY_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Static facts the tools report. */
export interface ServerFacts {
  readonly name: string;
  readonly version: string;
  readonly issuer: string;
  readonly resource: string;
  /** Human-readable server title (default `Keyport test bed`). */
  readonly title?: string;
}

/** Builds one `McpServer` (one per session: an SDK server object serves exactly one transport). */
export function createTestBedMcpServer(state: TestBedState, facts: ServerFacts): McpServer {
  const server = new McpServer(
    { name: facts.name, version: facts.version, title: facts.title ?? 'Keyport test bed' },
    { capabilities: { logging: {} }, instructions: 'Keyport test bed: a protected MCP server for OAuth testing.' },
  );

  const caller = (extra: { authInfo?: { extra?: Record<string, unknown> } }): Caller => {
    const value = extra.authInfo?.extra?.caller as Caller | undefined;
    if (!value) throw new Error('unauthenticated request reached a tool');
    return value;
  };
  const countUse = (who: Caller, name: string) => {
    const usage = mapFor(state.usage, who.sub);
    usage.set(name, (usage.get(name) ?? 0) + 1);
  };
  /** Refuses a gated tool in-band too, in case the HTTP-layer check is bypassed (e.g. a batch). */
  const lacksScope = (who: Caller, name: string): CallToolResult | undefined => {
    const needed = TOOL_SCOPES[name];
    if (!needed || who.scopes.includes(needed)) return undefined;
    return { isError: true, content: [{ type: 'text', text: `insufficient_scope: ${name} needs ${needed}` }] };
  };

  server.registerTool(
    'public_info',
    { title: 'Public info', description: 'Facts about this server; needs no particular scope.', annotations: { readOnlyHint: true } },
    async (extra) => {
      countUse(caller(extra), 'public_info');
      return text(`${facts.name} ${facts.version}. Authorization server: ${facts.issuer}. Resource: ${facts.resource}. Time: ${new Date().toISOString()}`);
    },
  );

  server.registerTool(
    'get_user_profile',
    {
      title: 'User profile',
      description: 'Who the access token belongs to (structured output).',
      outputSchema: {
        sub: z.string(),
        client_id: z.string(),
        scopes: z.array(z.string()),
        expires_at: z.number(),
        name: z.string().optional(),
      },
      annotations: { readOnlyHint: true },
    },
    async (extra) => {
      const who = caller(extra);
      countUse(who, 'get_user_profile');
      const profile = { sub: who.sub, client_id: who.clientId, scopes: [...who.scopes], expires_at: who.expiresAt };
      return { content: [{ type: 'text', text: JSON.stringify(profile) }], structuredContent: profile };
    },
  );

  server.registerTool(
    'read_data',
    {
      title: 'Read data',
      description: 'Reads your stored key/value data (needs mcp:read).',
      inputSchema: { key: z.string().optional().describe('one key, or omit for all') },
      annotations: { readOnlyHint: true },
    },
    async ({ key }, extra) => {
      const who = caller(extra);
      const refused = lacksScope(who, 'read_data');
      if (refused) return refused;
      countUse(who, 'read_data');
      const data = dataFor(state, who.sub);
      if (key !== undefined) {
        const value = data.get(key);
        return value === undefined ? { isError: true, content: [{ type: 'text', text: `no data under "${key}"` }] } : text(`${key}=${value}`);
      }
      return text([...data].map(([k, v]) => `${k}=${v}`).join('\n'));
    },
  );

  server.registerTool(
    'write_data',
    {
      title: 'Write data',
      description: 'Stores a key/value pair (needs mcp:write).',
      inputSchema: { key: z.string().min(1).max(100), value: z.string().max(10_000) },
      annotations: { readOnlyHint: false, idempotentHint: true },
    },
    async ({ key, value }, extra) => {
      const who = caller(extra);
      const refused = lacksScope(who, 'write_data');
      if (refused) return refused;
      countUse(who, 'write_data');
      dataFor(state, who.sub).set(key, value);
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'testbed', data: `wrote ${key}` } });
      return text(`stored ${key}`);
    },
  );

  server.registerTool(
    'admin_operation',
    {
      title: 'Admin operation',
      description: 'Administrative actions (needs mcp:admin).',
      inputSchema: { operation: z.enum(['stats', 'reset_usage']) },
      annotations: { destructiveHint: true },
    },
    async ({ operation }, extra) => {
      const who = caller(extra);
      const refused = lacksScope(who, 'admin_operation');
      if (refused) return refused;
      countUse(who, 'admin_operation');
      if (operation === 'reset_usage') {
        state.usage.clear();
        return text('usage counters reset');
      }
      return text(JSON.stringify({ users: state.usage.size, notes: [...state.notes.values()].reduce((n, m) => n + m.size, 0) }));
    },
  );

  server.registerTool(
    'create_secure_note',
    {
      title: 'Create secure note',
      description: 'Creates a private note; returns a link to its resource.',
      inputSchema: { title: z.string().min(1).max(200), content: z.string().max(10_000) },
    },
    async ({ title, content }, extra) => {
      const who = caller(extra);
      countUse(who, 'create_secure_note');
      const note: SecureNote = { id: randomUUID().slice(0, 8), title, content, createdAt: new Date().toISOString() };
      mapFor(state.notes, who.sub).set(note.id, note);
      return {
        content: [
          { type: 'text', text: `created note ${note.id}` },
          { type: 'resource_link', uri: `user://notes/${note.id}`, name: note.title, mimeType: 'text/plain' },
        ],
      };
    },
  );

  server.registerTool(
    'list_secure_notes',
    { title: 'List secure notes', description: 'Lists your notes as resource links.', annotations: { readOnlyHint: true } },
    async (extra) => {
      const who = caller(extra);
      countUse(who, 'list_secure_notes');
      const notes = [...mapFor(state.notes, who.sub).values()];
      return {
        content: [
          { type: 'text', text: notes.length ? `${notes.length} note(s)` : 'no notes' },
          ...notes.map((note) => ({ type: 'resource_link' as const, uri: `user://notes/${note.id}`, name: note.title, mimeType: 'text/plain' })),
        ],
      };
    },
  );

  server.registerTool(
    'get_api_usage',
    { title: 'API usage', description: 'How many times you called each tool.', annotations: { readOnlyHint: true } },
    async (extra) => {
      const who = caller(extra);
      countUse(who, 'get_api_usage');
      return text(JSON.stringify(Object.fromEntries(mapFor(state.usage, who.sub))));
    },
  );

  server.registerTool(
    'long_running_task',
    {
      title: 'Long-running task',
      description: 'Counts through steps, reporting progress (send a progressToken); can be cancelled.',
      inputSchema: {
        steps: z.number().int().min(1).max(100).default(5),
        delay_ms: z.number().int().min(0).max(10_000).default(100),
      },
    },
    async ({ steps, delay_ms }, extra) => {
      const who = caller(extra);
      countUse(who, 'long_running_task');
      const progressToken = extra._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        await sleep(delay_ms, extra.signal);
        if (extra.signal.aborted) return { isError: true, content: [{ type: 'text', text: 'cancelled' }] };
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: step, total: steps, message: `step ${step} of ${steps}` },
          });
        }
      }
      return text(`completed ${steps} steps`);
    },
  );

  server.registerTool(
    'get_logo',
    { title: 'Logo', description: 'Returns a tiny PNG image.', annotations: { readOnlyHint: true } },
    async (extra) => {
      countUse(caller(extra), 'get_logo');
      return { content: [{ type: 'image', data: TINY_PNG_BASE64, mimeType: 'image/png' }] };
    },
  );

  server.registerTool(
    'fail_always',
    { title: 'Failing tool', description: 'Always returns an error result (isError).', annotations: { readOnlyHint: true } },
    async (extra) => {
      countUse(caller(extra), 'fail_always');
      return { isError: true, content: [{ type: 'text', text: 'this tool always fails' }] };
    },
  );

  server.registerTool(
    'confirm_action',
    {
      title: 'Confirm action',
      description: 'Asks the user to confirm through an elicitation form (needs a client with elicitation).',
      inputSchema: { action: z.string().min(1).max(200) },
    },
    async ({ action }, extra) => {
      countUse(caller(extra), 'confirm_action');
      try {
        const result = await server.server.elicitInput(
          {
            mode: 'form',
            message: `Confirm: ${action}`,
            requestedSchema: {
              type: 'object',
              properties: {
                confirm: { type: 'boolean', title: 'Confirm', default: false },
                reason: { type: 'string', title: 'Reason', default: 'none given' },
              },
              required: ['confirm'],
            },
          },
          { signal: extra.signal, relatedRequestId: extra.requestId },
        );
        return text(JSON.stringify({ action: result.action, content: result.content ?? null }));
      } catch (error) {
        return { isError: true, content: [{ type: 'text', text: `elicitation failed: ${(error as Error).message}` }] };
      }
    },
  );

  server.registerResource(
    'profile',
    'user://profile',
    { title: 'Your profile', description: 'The signed-in user as the token describes them.', mimeType: 'application/json' },
    async (uri, extra) => {
      const who = caller(extra);
      const body = { sub: who.sub, client_id: who.clientId, scopes: who.scopes, expires_at: who.expiresAt };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }] };
    },
  );

  server.registerResource(
    'note',
    new ResourceTemplate('user://notes/{id}', {
      list: async (extra) => ({
        resources: [...mapFor(state.notes, caller(extra).sub).values()].map((note) => ({
          uri: `user://notes/${note.id}`,
          name: note.title,
          mimeType: 'text/plain',
        })),
      }),
    }),
    { title: 'Secure note', description: 'One of your notes.', mimeType: 'text/plain' },
    async (uri, variables, extra) => {
      const id = String(variables.id);
      const note = mapFor(state.notes, caller(extra).sub).get(id);
      if (!note) throw new Error(`note ${id} not found`);
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: `${note.title}\n\n${note.content}` }] };
    },
  );

  server.registerPrompt(
    'draft_note',
    {
      title: 'Draft a note',
      description: 'Asks the model to draft a secure note on a topic.',
      argsSchema: { topic: z.string().describe('what the note is about'), tone: z.string().optional().describe('e.g. formal') },
    },
    ({ topic, tone }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Draft a short secure note about ${topic}${tone ? ` in a ${tone} tone` : ''}.` },
        },
      ],
    }),
  );

  server.registerPrompt('summarize_notes', { title: 'Summarize notes', description: 'Summarize all your notes.' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'Summarize my secure notes (use list_secure_notes).' } }],
  }));

  return server;
}

function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** The inner map of one user (created on first use); shared with the SDK v2 servers' tools. */
export function mapFor<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

/** A user's key/value data, seeded with two entries on first use; shared with the SDK v2 servers' tools. */
export function dataFor(state: TestBedState, sub: string): Map<string, string> {
  const existing = state.data.get(sub);
  if (existing) return existing;
  const seeded = new Map([
    ['greeting', `hello ${sub}`],
    ['plan', 'free'],
  ]);
  state.data.set(sub, seeded);
  return seeded;
}

/** Waits `ms`, or less when `signal` aborts (a cancelled tool stops early). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
