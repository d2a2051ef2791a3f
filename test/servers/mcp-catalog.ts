/**
 * What the test bed's MCP servers offer (DESIGN.md "Test bed"), independent of the SDK line that serves it: tools,
 * resources and prompts that together exercise every result type a client must render — text, image, resource
 * links, `structuredContent` with an `outputSchema`, `isError`, progress notifications, cancellation and log
 * messages. The SDK 1.x server (mcp-tools.ts) and the SDK v2 servers (mcp-tools-v2.ts) register the same
 * definitions, so a client's journey reads the same on every protocol era; only elicitation differs per era and
 * lives with each SDK.
 *
 * Data (notes, key/value data, usage counters) is per user (`sub`) and lives in a {@link TestBedState} that
 * survives MCP server restarts within the process, like a database would.
 */
import { randomUUID } from 'node:crypto';
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
  /** The protocol era an SDK v2 instance serves, reported by `public_info`. */
  readonly era?: string;
}

/** The caller as the HTTP layer attaches it to `authInfo.extra.caller` (resource-gate.ts `authInfoFor`). */
export interface Caller {
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The caller of a request, from the SDK's `authInfo` (1.x `extra.authInfo`, v2 `ctx.http.authInfo`). */
export function callerOf(authInfo: { readonly extra?: Record<string, unknown> } | undefined): Caller {
  const value = authInfo?.extra?.caller as Caller | undefined;
  if (!value) throw new Error('unauthenticated request reached a tool');
  return value;
}

/** A content item or result, as both SDK lines accept it. */
export interface ToolResult {
  readonly content: readonly Readonly<Record<string, unknown>>[];
  readonly structuredContent?: Record<string, unknown>;
  readonly isError?: boolean;
}

/** What a tool body gets, whatever SDK serves it. */
export interface ToolContext {
  readonly caller: Caller;
  readonly signal: AbortSignal;
  readonly progressToken: string | number | undefined;
  /** Sends a notification related to the call (progress, log message). */
  notify(notification: { readonly method: string; readonly params: Record<string, unknown> }): Promise<void>;
}

/** A test bed tool, independent of the SDK line that serves it. */
export interface TestBedTool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input?: z.ZodRawShape;
  readonly output?: z.ZodRawShape;
  readonly annotations?: Readonly<Record<string, boolean>>;
  run(args: Readonly<Record<string, unknown>>, context: ToolContext): Promise<ToolResult>;
}

/** The tools every test MCP server offers (all but the era-specific `confirm_action`). */
export function testBedTools(state: TestBedState, facts: ServerFacts): readonly TestBedTool[] {
  const countUse = (who: Caller, name: string) => countToolUse(state, who, name);
  /** Refuses a gated tool in-band too, in case the HTTP-layer check is bypassed (e.g. a batch). */
  const gated =
    (name: string, body: (args: Readonly<Record<string, unknown>>, context: ToolContext) => Promise<ToolResult>) =>
    async (args: Readonly<Record<string, unknown>>, context: ToolContext): Promise<ToolResult> => {
      const needed = TOOL_SCOPES[name];
      if (needed && !context.caller.scopes.includes(needed)) return failure(`insufficient_scope: ${name} needs ${needed}`);
      countUse(context.caller, name);
      return body(args, context);
    };
  const counted =
    (name: string, body: (args: Readonly<Record<string, unknown>>, context: ToolContext) => Promise<ToolResult>) =>
    async (args: Readonly<Record<string, unknown>>, context: ToolContext): Promise<ToolResult> => {
      countUse(context.caller, name);
      return body(args, context);
    };

  return [
    {
      name: 'public_info',
      title: 'Public info',
      description: 'Facts about this server; needs no particular scope.',
      annotations: { readOnlyHint: true },
      run: counted('public_info', async () =>
        text(`${facts.name} ${facts.version}${facts.era ? ` (${facts.era} era)` : ''}. Authorization server: ${facts.issuer}. Resource: ${facts.resource}. Time: ${new Date().toISOString()}`),
      ),
    },
    {
      name: 'get_user_profile',
      title: 'User profile',
      description: 'Who the access token belongs to (structured output).',
      output: { sub: z.string(), client_id: z.string(), scopes: z.array(z.string()), expires_at: z.number(), name: z.string().optional() },
      annotations: { readOnlyHint: true },
      run: counted('get_user_profile', async (_args, { caller }) => {
        const profile = { sub: caller.sub, client_id: caller.clientId, scopes: [...caller.scopes], expires_at: caller.expiresAt };
        return { content: [{ type: 'text', text: JSON.stringify(profile) }], structuredContent: profile };
      }),
    },
    {
      name: 'read_data',
      title: 'Read data',
      description: 'Reads your stored key/value data (needs mcp:read).',
      input: { key: z.string().optional().describe('one key, or omit for all') },
      annotations: { readOnlyHint: true },
      run: gated('read_data', async ({ key }, { caller }) => {
        const data = dataFor(state, caller.sub);
        if (typeof key === 'string') {
          const value = data.get(key);
          return value === undefined ? failure(`no data under "${key}"`) : text(`${key}=${value}`);
        }
        return text([...data].map(([k, v]) => `${k}=${v}`).join('\n'));
      }),
    },
    {
      name: 'write_data',
      title: 'Write data',
      description: 'Stores a key/value pair (needs mcp:write).',
      input: { key: z.string().min(1).max(100), value: z.string().max(10_000) },
      annotations: { readOnlyHint: false, idempotentHint: true },
      run: gated('write_data', async ({ key, value }, context) => {
        dataFor(state, context.caller.sub).set(String(key), String(value));
        await context.notify({ method: 'notifications/message', params: { level: 'info', logger: 'testbed', data: `wrote ${String(key)}` } });
        return text(`stored ${String(key)}`);
      }),
    },
    {
      name: 'admin_operation',
      title: 'Admin operation',
      description: 'Administrative actions (needs mcp:admin).',
      input: { operation: z.enum(['stats', 'reset_usage']) },
      annotations: { destructiveHint: true },
      run: gated('admin_operation', async ({ operation }) => {
        if (operation === 'reset_usage') {
          state.usage.clear();
          return text('usage counters reset');
        }
        return text(JSON.stringify({ users: state.usage.size, notes: [...state.notes.values()].reduce((n, m) => n + m.size, 0) }));
      }),
    },
    {
      name: 'create_secure_note',
      title: 'Create secure note',
      description: 'Creates a private note; returns a link to its resource.',
      input: { title: z.string().min(1).max(200), content: z.string().max(10_000) },
      run: counted('create_secure_note', async ({ title, content }, { caller }) => {
        const note: SecureNote = { id: randomUUID().slice(0, 8), title: String(title), content: String(content), createdAt: new Date().toISOString() };
        mapFor(state.notes, caller.sub).set(note.id, note);
        return {
          content: [
            { type: 'text', text: `created note ${note.id}` },
            { type: 'resource_link', uri: `user://notes/${note.id}`, name: note.title, mimeType: 'text/plain' },
          ],
        };
      }),
    },
    {
      name: 'list_secure_notes',
      title: 'List secure notes',
      description: 'Lists your notes as resource links.',
      annotations: { readOnlyHint: true },
      run: counted('list_secure_notes', async (_args, { caller }) => {
        const notes = [...mapFor(state.notes, caller.sub).values()];
        return {
          content: [
            { type: 'text', text: notes.length ? `${notes.length} note(s)` : 'no notes' },
            ...notes.map((note) => ({ type: 'resource_link', uri: `user://notes/${note.id}`, name: note.title, mimeType: 'text/plain' })),
          ],
        };
      }),
    },
    {
      name: 'get_api_usage',
      title: 'API usage',
      description: 'How many times you called each tool.',
      annotations: { readOnlyHint: true },
      run: counted('get_api_usage', async (_args, { caller }) => text(JSON.stringify(Object.fromEntries(mapFor(state.usage, caller.sub))))),
    },
    {
      name: 'long_running_task',
      title: 'Long-running task',
      description: 'Counts through steps, reporting progress (send a progressToken); can be cancelled.',
      input: { steps: z.number().int().min(1).max(100).default(5), delay_ms: z.number().int().min(0).max(10_000).default(100) },
      run: counted('long_running_task', async ({ steps, delay_ms }, context) => {
        const total = Number(steps);
        for (let step = 1; step <= total; step++) {
          await sleep(Number(delay_ms), context.signal);
          if (context.signal.aborted) return failure('cancelled');
          if (context.progressToken !== undefined) {
            await context.notify({
              method: 'notifications/progress',
              params: { progressToken: context.progressToken, progress: step, total, message: `step ${step} of ${total}` },
            });
          }
        }
        return text(`completed ${total} steps`);
      }),
    },
    {
      name: 'get_logo',
      title: 'Logo',
      description: 'Returns a tiny PNG image.',
      annotations: { readOnlyHint: true },
      run: counted('get_logo', async () => ({ content: [{ type: 'image', data: TINY_PNG_BASE64, mimeType: 'image/png' }] })),
    },
    {
      name: 'fail_always',
      title: 'Failing tool',
      description: 'Always returns an error result (isError).',
      annotations: { readOnlyHint: true },
      run: counted('fail_always', async () => failure('this tool always fails')),
    },
  ];
}

/** The form `confirm_action` asks for (both eras). */
export const CONFIRM_FORM = {
  type: 'object',
  properties: {
    confirm: { type: 'boolean', title: 'Confirm', default: false },
    reason: { type: 'string', title: 'Reason', default: 'none given' },
  },
  required: ['confirm'],
} as const;

/** `confirm_action`'s description and input (the elicitation itself is era-specific). */
export const CONFIRM_TOOL = {
  title: 'Confirm action',
  input: { action: z.string().min(1).max(200) },
} as const;

/** Counts one use of a tool (for tools registered outside {@link testBedTools}). */
export function countToolUse(state: TestBedState, caller: Caller, name: string): void {
  const usage = mapFor(state.usage, caller.sub);
  usage.set(name, (usage.get(name) ?? 0) + 1);
}

/** The `user://profile` resource's contents. */
export function profileContents(uri: URL, caller: Caller) {
  const body = { sub: caller.sub, client_id: caller.clientId, scopes: caller.scopes, expires_at: caller.expiresAt };
  return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }] };
}

/** The listing of the `user://notes/{id}` template. */
export function listNotes(state: TestBedState, caller: Caller) {
  return {
    resources: [...mapFor(state.notes, caller.sub).values()].map((note) => ({ uri: `user://notes/${note.id}`, name: note.title, mimeType: 'text/plain' })),
  };
}

/** One note's contents; throws for a note the caller does not have. */
export function noteContents(state: TestBedState, caller: Caller, uri: URL, id: string) {
  const note = mapFor(state.notes, caller.sub).get(id);
  if (!note) throw new Error(`note ${id} not found`);
  return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: `${note.title}\n\n${note.content}` }] };
}

/** The `draft_note` prompt's messages. */
export function draftNoteMessages(topic: string, tone: string | undefined) {
  return {
    messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `Draft a short secure note about ${topic}${tone ? ` in a ${tone} tone` : ''}.` } }],
  };
}

/** The `summarize_notes` prompt (no arguments). */
export function summarizeNotesMessages() {
  return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'Summarize my secure notes (use list_secure_notes).' } }] };
}

/** The `draft_note` prompt's arguments. */
export const DRAFT_NOTE_ARGS = { topic: z.string().describe('what the note is about'), tone: z.string().optional().describe('e.g. formal') };

/** A text result. */
export function text(value: string): ToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** An `isError` result. */
export function failure(value: string): ToolResult {
  return { isError: true, content: [{ type: 'text', text: value }] };
}

/** The inner map of one user (created on first use). */
export function mapFor<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

/** A user's key/value data, seeded with two entries on first use. */
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
