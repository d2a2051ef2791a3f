/**
 * The test bed's catalog (mcp-catalog.ts) on the MCP SDK 1.x server, plus `confirm_action`, whose form elicitation
 * is a server-to-client request on the 2025 wire. Re-exports the catalog's shared pieces under the names other
 * modules import from here.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
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

export { TINY_PNG_BASE64, TOOL_SCOPES, createTestBedState, dataFor, mapFor, sleep } from './mcp-catalog.ts';
export type { SecureNote, ServerFacts, TestBedState } from './mcp-catalog.ts';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The catalog's view of one SDK 1.x request. */
function contextOf(extra: Extra): ToolContext {
  return {
    caller: callerOf(extra.authInfo),
    signal: extra.signal,
    progressToken: extra._meta?.progressToken,
    notify: (notification) => extra.sendNotification(notification as ServerNotification),
  };
}

/** Registers one catalog tool on an SDK 1.x server. */
function register(server: McpServer, tool: TestBedTool): void {
  const config = {
    title: tool.title,
    description: tool.description,
    ...(tool.output ? { outputSchema: tool.output } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
  const result = (value: ToolResult) => value as CallToolResult;
  if (tool.input) {
    server.registerTool(tool.name, { ...config, inputSchema: tool.input }, async (args: Record<string, unknown>, extra: Extra) => result(await tool.run(args, contextOf(extra))));
  } else {
    server.registerTool(tool.name, config, async (extra: Extra) => result(await tool.run({}, contextOf(extra))));
  }
}

/** Builds one `McpServer` (one per session: an SDK server object serves exactly one transport). */
export function createTestBedMcpServer(state: TestBedState, facts: ServerFacts): McpServer {
  const server = new McpServer(
    { name: facts.name, version: facts.version, title: facts.title ?? 'Keyport test bed' },
    { capabilities: { logging: {} }, instructions: 'Keyport test bed: a protected MCP server for OAuth testing.' },
  );
  for (const tool of testBedTools(state, facts)) register(server, tool);

  server.registerTool(
    'confirm_action',
    { title: CONFIRM_TOOL.title, description: 'Asks the user to confirm through an elicitation form (needs a client with elicitation).', inputSchema: CONFIRM_TOOL.input },
    async ({ action }, extra) => {
      countToolUse(state, callerOf(extra.authInfo), 'confirm_action');
      try {
        const answer = await server.server.elicitInput(
          { mode: 'form', message: `Confirm: ${action}`, requestedSchema: structuredClone(CONFIRM_FORM) as never },
          { signal: extra.signal, relatedRequestId: extra.requestId },
        );
        return text(JSON.stringify({ action: answer.action, content: answer.content ?? null })) as CallToolResult;
      } catch (error) {
        return failure(`elicitation failed: ${(error as Error).message}`) as CallToolResult;
      }
    },
  );

  server.registerResource(
    'profile',
    'user://profile',
    { title: 'Your profile', description: 'The signed-in user as the token describes them.', mimeType: 'application/json' },
    async (uri, extra) => profileContents(uri, callerOf(extra.authInfo)),
  );
  server.registerResource(
    'note',
    new ResourceTemplate('user://notes/{id}', { list: async (extra) => listNotes(state, callerOf(extra.authInfo)) }),
    { title: 'Secure note', description: 'One of your notes.', mimeType: 'text/plain' },
    async (uri, variables, extra) => noteContents(state, callerOf(extra.authInfo), uri, String(variables.id)),
  );
  server.registerPrompt(
    'draft_note',
    { title: 'Draft a note', description: 'Asks the model to draft a secure note on a topic.', argsSchema: DRAFT_NOTE_ARGS },
    ({ topic, tone }) => draftNoteMessages(topic, tone),
  );
  server.registerPrompt('summarize_notes', { title: 'Summarize notes', description: 'Summarize all your notes.' }, () => summarizeNotesMessages());
  return server;
}
