/**
 * The test bed's catalog (mcp-catalog.ts) on the MCP SDK v2 server (`@modelcontextprotocol/server` 2.4), for the
 * modern-only and dual-era servers (mcp-server-v2.ts): same tools, arguments, scopes and per-user data as the SDK
 * 1.x server. What the 2026-07-28 wire changes:
 *
 * - `confirm_action` asks through a multi-round-trip `input_required` result (the form elicitation travels inside the
 *   result; the client retries the call with `inputResponses`). On a dual-era server's 2025 path, which is stateless
 *   (no session to carry a server-to-client request), it answers an `isError` result saying so;
 * - progress and log notifications turn the response into an SSE stream (`responseMode: 'auto'`).
 */
import { McpServer, ResourceTemplate, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import {
  CONFIRM_FORM,
  CONFIRM_TOOL,
  DRAFT_NOTE_ARGS,
  callerOf,
  countToolUse,
  draftNoteMessages,
  failure,
  listNotes,
  noteContents,
  profileContents,
  summarizeNotesMessages,
  testBedTools,
  text,
} from './mcp-catalog.ts';
import type { ServerFacts, TestBedState, TestBedTool, ToolContext, ToolResult } from './mcp-catalog.ts';

/** The era the factory was asked to build an instance for (createMcpHandler's `McpRequestContext.era`). */
export type ServedEra = 'legacy' | 'modern';

/** The catalog's view of one SDK v2 request. */
function contextOf(ctx: ServerContext): ToolContext {
  const token = ctx.mcpReq._meta?.progressToken;
  return {
    caller: callerOf(ctx.http?.authInfo),
    signal: ctx.mcpReq.signal,
    progressToken: typeof token === 'string' || typeof token === 'number' ? token : undefined,
    notify: (notification) => ctx.mcpReq.notify(notification),
  };
}

/** Registers one catalog tool on an SDK v2 server. */
function register(server: McpServer, tool: TestBedTool): void {
  const config = {
    title: tool.title,
    description: tool.description,
    ...(tool.output ? { outputSchema: z.object(tool.output) } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
  const result = (value: ToolResult) => value as CallToolResult;
  if (tool.input) {
    server.registerTool(tool.name, { ...config, inputSchema: z.object(tool.input) }, async (args: Record<string, unknown>, ctx: ServerContext) => result(await tool.run(args, contextOf(ctx))));
  } else {
    server.registerTool(tool.name, config, async (ctx: ServerContext) => result(await tool.run({}, contextOf(ctx))));
  }
}

/** Builds one v2 `McpServer` for one request (the v2 handler asks its factory for a fresh instance per request). */
export function createTestBedMcpServerV2(state: TestBedState, facts: ServerFacts, era: ServedEra): McpServer {
  const server = new McpServer(
    { name: facts.name, version: facts.version, title: facts.title ?? 'Keyport test bed' },
    { capabilities: { logging: {} }, instructions: 'Keyport test bed (MCP SDK v2 server): a protected MCP server for OAuth testing.' },
  );
  for (const tool of testBedTools(state, { ...facts, era })) register(server, tool);

  server.registerTool(
    'confirm_action',
    {
      title: CONFIRM_TOOL.title,
      description: 'Asks the user to confirm through a form elicitation (multi-round-trip on the 2026-07-28 wire).',
      inputSchema: z.object(CONFIRM_TOOL.input),
    },
    async ({ action }, ctx) => {
      countToolUse(state, callerOf(ctx.http?.authInfo), 'confirm_action');
      if (era === 'legacy') return failure('elicitation needs the 2026-07-28 wire on this server (its 2025 path is stateless)') as CallToolResult;
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (answer.kind !== 'elicit') {
        return inputRequired({
          inputRequests: { confirm: inputRequired.elicit({ mode: 'form', message: `Confirm: ${action}`, requestedSchema: structuredClone(CONFIRM_FORM) as never }) },
        });
      }
      return text(JSON.stringify({ action: answer.action, content: answer.content ?? null })) as CallToolResult;
    },
  );

  server.registerResource(
    'profile',
    'user://profile',
    { title: 'Your profile', description: 'The signed-in user as the token describes them.', mimeType: 'application/json' },
    async (uri, ctx) => profileContents(uri, callerOf(ctx.http?.authInfo)),
  );
  server.registerResource(
    'note',
    new ResourceTemplate('user://notes/{id}', { list: async (ctx) => listNotes(state, callerOf(ctx.http?.authInfo)) }),
    { title: 'Secure note', description: 'One of your notes.', mimeType: 'text/plain' },
    async (uri, variables, ctx) => noteContents(state, callerOf(ctx.http?.authInfo), uri, String(variables.id)),
  );
  server.registerPrompt(
    'draft_note',
    { title: 'Draft a note', description: 'Asks the model to draft a secure note on a topic.', argsSchema: z.object(DRAFT_NOTE_ARGS) },
    ({ topic, tone }) => draftNoteMessages(topic, tone),
  );
  server.registerPrompt('summarize_notes', { title: 'Summarize notes', description: 'Summarize all your notes.' }, () => summarizeNotesMessages());
  return server;
}
