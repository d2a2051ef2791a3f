/**
 * The test bed's tools, resources and prompts on the MCP SDK v2 server (`@modelcontextprotocol/server` 2.4), for
 * the modern-only and dual-era servers (mcp-server-v2.ts). Same names, arguments, scopes and per-user data as the
 * SDK 1.x server's (mcp-tools.ts), so a client's journey reads the same on every era. Differences forced by the
 * 2026-07-28 wire:
 *
 * - `confirm_action` asks through a multi-round-trip `input_required` result (the form elicitation travels inside the
 *   result; the client retries the call with `inputResponses`). On a dual-era server's 2025 path, which is stateless
 *   (no session to carry a server-to-client request), it answers an `isError` result saying so;
 * - progress and log notifications turn the response into an SSE stream (`responseMode: 'auto'`).
 */
import { randomUUID } from 'node:crypto';
import { McpServer, ResourceTemplate, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { TINY_PNG_BASE64, TOOL_SCOPES, dataFor, mapFor, sleep } from './mcp-tools.ts';
import type { SecureNote, ServerFacts, TestBedState } from './mcp-tools.ts';

/** The caller as the HTTP layer attaches it to `authInfo.extra` (see resource-gate.ts `authInfoFor`). */
interface Caller {
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

/** The era the factory was asked to build an instance for (createMcpHandler's `McpRequestContext.era`). */
export type ServedEra = 'legacy' | 'modern';

/** Builds one v2 `McpServer` for one request (the v2 handler asks its factory for a fresh instance per request). */
export function createTestBedMcpServerV2(state: TestBedState, facts: ServerFacts, era: ServedEra): McpServer {
  const server = new McpServer(
    { name: facts.name, version: facts.version, title: facts.title ?? 'Keyport test bed' },
    { capabilities: { logging: {} }, instructions: 'Keyport test bed (MCP SDK v2 server): a protected MCP server for OAuth testing.' },
  );

  const caller = (ctx: ServerContext): Caller => {
    const value = ctx.http?.authInfo?.extra?.caller as Caller | undefined;
    if (!value) throw new Error('unauthenticated request reached a tool');
    return value;
  };
  const countUse = (who: Caller, name: string) => {
    const usage = mapFor(state.usage, who.sub);
    usage.set(name, (usage.get(name) ?? 0) + 1);
  };
  const lacksScope = (who: Caller, name: string): CallToolResult | undefined => {
    const needed = TOOL_SCOPES[name];
    if (!needed || who.scopes.includes(needed)) return undefined;
    return { isError: true, content: [{ type: 'text', text: `insufficient_scope: ${name} needs ${needed}` }] };
  };

  server.registerTool(
    'public_info',
    { title: 'Public info', description: 'Facts about this server; needs no particular scope.', annotations: { readOnlyHint: true } },
    async (ctx) => {
      countUse(caller(ctx), 'public_info');
      return text(`${facts.name} ${facts.version} (${era} era). Authorization server: ${facts.issuer}. Resource: ${facts.resource}. Time: ${new Date().toISOString()}`);
    },
  );

  server.registerTool(
    'get_user_profile',
    {
      title: 'User profile',
      description: 'Who the access token belongs to (structured output).',
      outputSchema: z.object({
        sub: z.string(),
        client_id: z.string(),
        scopes: z.array(z.string()),
        expires_at: z.number(),
      }),
      annotations: { readOnlyHint: true },
    },
    async (ctx) => {
      const who = caller(ctx);
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
      inputSchema: z.object({ key: z.string().optional().describe('one key, or omit for all') }),
      annotations: { readOnlyHint: true },
    },
    async ({ key }, ctx) => {
      const who = caller(ctx);
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
      inputSchema: z.object({ key: z.string().min(1).max(100), value: z.string().max(10_000) }),
      annotations: { readOnlyHint: false, idempotentHint: true },
    },
    async ({ key, value }, ctx) => {
      const who = caller(ctx);
      const refused = lacksScope(who, 'write_data');
      if (refused) return refused;
      countUse(who, 'write_data');
      dataFor(state, who.sub).set(key, value);
      return text(`stored ${key}`);
    },
  );

  server.registerTool(
    'admin_operation',
    {
      title: 'Admin operation',
      description: 'Administrative actions (needs mcp:admin).',
      inputSchema: z.object({ operation: z.enum(['stats', 'reset_usage']) }),
      annotations: { destructiveHint: true },
    },
    async ({ operation }, ctx) => {
      const who = caller(ctx);
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
      inputSchema: z.object({ title: z.string().min(1).max(200), content: z.string().max(10_000) }),
    },
    async ({ title, content }, ctx) => {
      const who = caller(ctx);
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
    async (ctx) => {
      const who = caller(ctx);
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
    async (ctx) => {
      const who = caller(ctx);
      countUse(who, 'get_api_usage');
      return text(JSON.stringify(Object.fromEntries(mapFor(state.usage, who.sub))));
    },
  );

  server.registerTool(
    'long_running_task',
    {
      title: 'Long-running task',
      description: 'Counts through steps, reporting progress (send a progressToken); can be cancelled.',
      inputSchema: z.object({
        steps: z.number().int().min(1).max(100).default(5),
        delay_ms: z.number().int().min(0).max(10_000).default(100),
      }),
    },
    async ({ steps, delay_ms }, ctx) => {
      const who = caller(ctx);
      countUse(who, 'long_running_task');
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        await sleep(delay_ms, ctx.mcpReq.signal);
        if (ctx.mcpReq.signal.aborted) return { isError: true, content: [{ type: 'text', text: 'cancelled' }] };
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
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
    async (ctx) => {
      countUse(caller(ctx), 'get_logo');
      return { content: [{ type: 'image', data: TINY_PNG_BASE64, mimeType: 'image/png' }] };
    },
  );

  server.registerTool(
    'fail_always',
    { title: 'Failing tool', description: 'Always returns an error result (isError).', annotations: { readOnlyHint: true } },
    async (ctx) => {
      countUse(caller(ctx), 'fail_always');
      return { isError: true, content: [{ type: 'text', text: 'this tool always fails' }] };
    },
  );

  server.registerTool(
    'confirm_action',
    {
      title: 'Confirm action',
      description: 'Asks the user to confirm through a form elicitation (multi-round-trip on the 2026-07-28 wire).',
      inputSchema: z.object({ action: z.string().min(1).max(200) }),
    },
    async ({ action }, ctx) => {
      countUse(caller(ctx), 'confirm_action');
      if (era === 'legacy') {
        return { isError: true, content: [{ type: 'text', text: 'elicitation needs the 2026-07-28 wire on this server (its 2025 path is stateless)' }] };
      }
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (answer.kind !== 'elicit') {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
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
            }),
          },
        });
      }
      return text(JSON.stringify({ action: answer.action, content: answer.content ?? null }));
    },
  );

  server.registerResource(
    'profile',
    'user://profile',
    { title: 'Your profile', description: 'The signed-in user as the token describes them.', mimeType: 'application/json' },
    async (uri, ctx) => {
      const who = caller(ctx);
      const body = { sub: who.sub, client_id: who.clientId, scopes: who.scopes, expires_at: who.expiresAt };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }] };
    },
  );

  server.registerResource(
    'note',
    new ResourceTemplate('user://notes/{id}', {
      list: async (ctx) => ({
        resources: [...mapFor(state.notes, caller(ctx).sub).values()].map((note) => ({
          uri: `user://notes/${note.id}`,
          name: note.title,
          mimeType: 'text/plain',
        })),
      }),
    }),
    { title: 'Secure note', description: 'One of your notes.', mimeType: 'text/plain' },
    async (uri, variables, ctx) => {
      const id = String(variables.id);
      const note = mapFor(state.notes, caller(ctx).sub).get(id);
      if (!note) throw new Error(`note ${id} not found`);
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: `${note.title}\n\n${note.content}` }] };
    },
  );

  server.registerPrompt(
    'draft_note',
    {
      title: 'Draft a note',
      description: 'Asks the model to draft a secure note on a topic.',
      argsSchema: z.object({ topic: z.string().describe('what the note is about'), tone: z.string().optional().describe('e.g. formal') }),
    },
    ({ topic, tone }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Draft a short secure note about ${topic}${tone ? ` in a ${tone} tone` : ''}.` } }],
    }),
  );

  return server;
}

function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}
