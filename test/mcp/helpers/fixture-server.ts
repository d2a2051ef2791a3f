/**
 * A low-level SDK MCP server exercising everything the connection layer handles: paginated tools with every
 * content type, structured output, `isError`, progress, cancellation, elicitation, logging, `list_changed`,
 * resources and templates, prompts. Plain JSON Schemas (no zod) so the tests see exactly what a server sends.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ErrorCode,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

/** A 1×1 transparent PNG. */
export const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
/** A 44-byte silent WAV header. */
export const WAV_EMPTY = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=';

/** Tools per `tools/list` page, small so pagination is exercised. */
export const TOOL_PAGE_SIZE = 3;

const baseTools: Tool[] = [
  {
    name: 'echo',
    description: 'Echoes its text.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
    annotations: { readOnlyHint: true },
  },
  { name: 'all_content', description: 'Returns one block of every content type.', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'add',
    description: 'Adds two numbers, with structured output.',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
  },
  {
    name: 'bad_structured',
    description: 'Declares an output schema and breaks it.',
    inputSchema: { type: 'object', properties: {} },
    outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
  },
  { name: 'fail', description: 'Always returns isError.', inputSchema: { type: 'object', properties: {} } },
  { name: 'throws', description: 'Answers with a JSON-RPC error.', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'slow',
    description: 'Sends progress every `delayMs` for `steps` steps; stops when cancelled.',
    inputSchema: { type: 'object', properties: { steps: { type: 'integer', minimum: 1 }, delayMs: { type: 'integer', minimum: 0 } }, required: ['steps'] },
  },
  { name: 'ask', description: 'Elicits a form from the user and returns the answer.', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'log',
    description: 'Sends a log message.',
    inputSchema: { type: 'object', properties: { level: { type: 'string' }, message: { type: 'string' } }, required: ['message'] },
  },
  { name: 'add_tool', description: 'Adds a tool and sends tools/list_changed.', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'resumable',
    description: 'Closes its SSE stream mid-call (when the server supports it), then answers: the client must resume.',
    inputSchema: { type: 'object', properties: {} },
  },
  { name: 'whoami', description: 'Tells which fixture process answered.', inputSchema: { type: 'object', properties: {} } },
  { name: 'touch', description: 'Updates fixture://readme and notifies subscribers.', inputSchema: { type: 'object', properties: {} } },
];

/** Options of one fixture server instance. */
export interface FixtureServerOptions {
  /** Distinguishes instances (e.g. before and after a restart). */
  readonly instance?: string;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('cancelled'));
    });
  });

/** State shared by every session of one fixture host, so tests can observe the server side. */
export interface FixtureState {
  cancelled: number;
  extraTools: number;
}

/** A fresh low-level `Server` with the fixture's capabilities (one per session). */
export function createFixtureServer(state: FixtureState, opts: FixtureServerOptions = {}): Server {
  const server = new Server(
    { name: 'keyport-fixture', version: '1.0.0', title: 'Keyport fixture' },
    {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true }, prompts: {}, logging: {} },
      instructions: 'A fixture for Keyport tests.',
    },
  );
  const tools = (): Tool[] => {
    const extra: Tool[] = [];
    for (let i = 0; i < state.extraTools; i++) extra.push({ name: `extra_${i}`, inputSchema: { type: 'object', properties: {} } });
    return [...baseTools, ...extra];
  };

  server.setRequestHandler(ListToolsRequestSchema, (req) => {
    const all = tools();
    const start = req.params?.cursor !== undefined ? Number(req.params.cursor) : 0;
    if (!Number.isInteger(start) || start < 0 || start > all.length) throw new McpError(ErrorCode.InvalidParams, 'bad cursor');
    const end = start + TOOL_PAGE_SIZE;
    return { tools: all.slice(start, end), ...(end < all.length ? { nextCursor: String(end) } : {}) };
  });

  server.setRequestHandler(SetLevelRequestSchema, () => ({}));
  const subscribed = new Set<string>();
  server.setRequestHandler(SubscribeRequestSchema, (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });

  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const args = (req.params.arguments ?? {}) as Record<string, unknown>;
    switch (req.params.name) {
      case 'echo':
        return { content: [{ type: 'text', text: String(args.text) }] };
      case 'touch':
        if (subscribed.has('fixture://readme')) {
          await extra.sendNotification({ method: 'notifications/resources/updated', params: { uri: 'fixture://readme' } });
        }
        return { content: [{ type: 'text', text: subscribed.has('fixture://readme') ? 'notified' : 'nobody subscribed' }] };
      case 'whoami':
        return { content: [{ type: 'text', text: opts.instance ?? 'fixture' }] };
      case 'all_content':
        return {
          content: [
            { type: 'text', text: 'hello', annotations: { audience: ['user'], priority: 0.5 } },
            { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
            { type: 'audio', data: WAV_EMPTY, mimeType: 'audio/wav' },
            { type: 'resource_link', uri: 'fixture://readme', name: 'readme', mimeType: 'text/plain', description: 'The readme' },
            { type: 'resource', resource: { uri: 'fixture://inline', mimeType: 'text/plain', text: 'inline text' } },
            { type: 'resource', resource: { uri: 'fixture://inline.bin', mimeType: 'application/octet-stream', blob: 'AAEC' } },
          ],
        };
      case 'add': {
        const sum = Number(args.a) + Number(args.b);
        return { content: [{ type: 'text', text: String(sum) }], structuredContent: { sum } };
      }
      case 'bad_structured':
        return { content: [{ type: 'text', text: 'oops' }], structuredContent: { sum: 'not a number' } };
      case 'fail':
        return { content: [{ type: 'text', text: 'the tool failed on purpose' }], isError: true };
      case 'throws':
        throw new McpError(ErrorCode.InternalError, 'boom');
      case 'slow': {
        const steps = Number(args.steps);
        const delayMs = Number(args.delayMs ?? 50);
        const token = req.params._meta?.progressToken;
        try {
          for (let i = 1; i <= steps; i++) {
            await sleep(delayMs, extra.signal);
            if (token !== undefined) {
              await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } });
            }
          }
        } catch {
          state.cancelled += 1;
          throw new McpError(ErrorCode.InternalError, 'cancelled');
        }
        return { content: [{ type: 'text', text: `done after ${steps} steps` }] };
      }
      case 'ask': {
        const answer = await server.elicitInput(
          {
          message: 'Tell me about you',
          requestedSchema: {
            type: 'object',
            properties: {
              name: { type: 'string', title: 'Name' },
              color: { type: 'string', enum: ['red', 'green'], default: 'green' },
              age: { type: 'integer', default: 42 },
              subscribe: { type: 'boolean', default: true },
            },
            required: ['name'],
          },
          },
          { relatedRequestId: extra.requestId },
        );
        return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
      }
      case 'log':
        await extra.sendNotification({
          method: 'notifications/message',
          params: { level: (typeof args.level === 'string' ? args.level : 'info') as 'info', logger: 'fixture', data: args.message },
        });
        return { content: [{ type: 'text', text: 'logged' }] };
      case 'add_tool':
        state.extraTools += 1;
        await extra.sendNotification({ method: 'notifications/tools/list_changed' });
        return { content: [{ type: 'text', text: 'added' }] };
      case 'resumable': {
        await sleep(20);
        extra.closeSSEStream?.();
        await sleep(150);
        return { content: [{ type: 'text', text: extra.closeSSEStream !== undefined ? 'resumed' : 'no-resume' }] };
      }
      default:
        if (req.params.name.startsWith('extra_')) return { content: [{ type: 'text', text: req.params.name }] };
        throw new McpError(ErrorCode.InvalidParams, `Tool ${req.params.name} not found`);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, (req) => {
    const all = [
      { uri: 'fixture://readme', name: 'readme', mimeType: 'text/plain', description: 'The readme' },
      { uri: 'fixture://logo', name: 'logo', mimeType: 'image/png' },
    ];
    if (req.params?.cursor === undefined) return { resources: all.slice(0, 1), nextCursor: 'p2' };
    return { resources: all.slice(1) };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [{ uriTemplate: 'fixture://notes/{id}', name: 'note', mimeType: 'text/plain' }],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (req) => {
    const uri = req.params.uri;
    if (uri === 'fixture://readme') return { contents: [{ uri, mimeType: 'text/plain', text: 'Read me, please.' }] };
    if (uri === 'fixture://logo') return { contents: [{ uri, mimeType: 'image/png', blob: PNG_1PX }] };
    const note = /^fixture:\/\/notes\/(.+)$/.exec(uri);
    if (note !== null) return { contents: [{ uri, mimeType: 'text/plain', text: `note ${note[1]}` }] };
    throw new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found`);
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({
    prompts: [
      {
        name: 'greet',
        description: 'Greets someone.',
        arguments: [
          { name: 'name', required: true },
          { name: 'style', description: 'formal or casual' },
        ],
      },
    ],
  }));
  server.setRequestHandler(GetPromptRequestSchema, (req) => {
    if (req.params.name !== 'greet') throw new McpError(ErrorCode.InvalidParams, 'unknown prompt');
    const name = req.params.arguments?.name;
    if (name === undefined) throw new McpError(ErrorCode.InvalidParams, 'name is required');
    const style = req.params.arguments?.style ?? 'casual';
    return {
      description: 'A greeting',
      messages: [
        { role: 'user', content: { type: 'text', text: style === 'formal' ? `Good day, ${name}.` : `Hi ${name}!` } },
        { role: 'assistant', content: { type: 'image', data: PNG_1PX, mimeType: 'image/png' } },
      ],
    };
  });
  return server;
}
