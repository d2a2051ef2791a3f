/**
 * The catalog calls of one connection: tools (listed across every page, arguments and structured output checked
 * against their schemas), resources and their subscriptions, prompts, logging and ping. Each runs on the
 * lifecycle's live session and returns plain view data; the SDK does the paging, the era's wire details
 * (`Mcp-Param-*` headers, `input_required` rounds) and the progress and cancellation plumbing.
 */
import { ProtocolErrorCode } from '@modelcontextprotocol/client';
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { checkResult } from './limits.ts';
import { toContentView, toPromptView, toResourceContentsView, toResourceTemplateView, toResourceView, toToolView } from './convert.ts';
import { McpConnectionError } from './errors.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Session } from './session.ts';
import type {
  LogLevel,
  ProgressView,
  PromptResultView,
  PromptView,
  ResourceReadView,
  ResourceTemplateView,
  ResourceView,
  ToolResultView,
  ToolView,
} from './views.ts';

/** Per-call options of a tool call. */
export interface CallToolOptions {
  /** Aborting cancels the call at the server (`notifications/cancelled`, or closing its stream on the 2026-07-28 wire) and rejects with `cancelled`. */
  readonly signal?: AbortSignal;
  /** Receives the server's progress notifications; each one also resets the timeout. */
  readonly onProgress?: (progress: ProgressView) => void;
  /** Time allowed without progress (default: the connection's `requestTimeoutMs`). */
  readonly timeoutMs?: number;
  /** Hard cap regardless of progress. */
  readonly maxTotalTimeoutMs?: number;
}

/** Per-call options of the other requests. */
export interface RequestOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** The catalog part of an `McpConnection`: every call runs on the live session and returns plain view data. */
export interface Catalog {
  /** Every tool, all pages; cached until `list_changed`, a reconnect, or `refresh: true`. */
  readonly listTools: (options?: { readonly refresh?: boolean }) => Promise<readonly ToolView[]>;
  /** Calls a tool after checking `args` against its `inputSchema`; `structuredContent` is checked against `outputSchema`. */
  readonly callTool: (name: string, args?: Readonly<Record<string, unknown>>, options?: CallToolOptions) => Promise<ToolResultView>;
  readonly listResources: () => Promise<readonly ResourceView[]>;
  readonly listResourceTemplates: () => Promise<readonly ResourceTemplateView[]>;
  readonly readResource: (uri: string, options?: RequestOptions) => Promise<ResourceReadView>;
  readonly listPrompts: () => Promise<readonly PromptView[]>;
  readonly getPrompt: (name: string, args?: Readonly<Record<string, string>>, options?: RequestOptions) => Promise<PromptResultView>;
  /** Asks the server to send log messages at `level` and above. */
  readonly setLogLevel: (level: LogLevel) => Promise<void>;
  /** Round trip in milliseconds. */
  readonly ping: (options?: RequestOptions) => Promise<number>;
  /** Asks for `resource-updated` events about `uri`; kept across reconnects until `unsubscribeResource`. */
  readonly subscribeResource: (uri: string) => Promise<void>;
  readonly unsubscribeResource: (uri: string) => Promise<void>;
  /** Forgets the tool list (a new session, or the server said it changed). */
  readonly forgetTools: () => void;
}

interface ToolEntry {
  readonly view: ToolView;
  input?: JsonSchemaValidator<unknown> | null;
  output?: JsonSchemaValidator<unknown> | null;
}

/** Each list call asks the server (Keyport keeps its own tool cache); the SDK's copy only feeds its header mirroring. */
const FRESH = { cacheMode: 'refresh' } as const;

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal !== undefined ? { signal } : {};
}

/** Creates the catalog calls over a lifecycle. */
export function createCatalog(life: Lifecycle, requestTimeoutMs: number): Catalog {
  const { where } = life;
  // Every result is checked for depth and list length before anything here (or the window) walks it.
  const run: typeof life.run = async (ctx, idempotent, signal, fn) => checkResult(await life.run(ctx, idempotent, signal, fn), where());
  let tools: Map<string, ToolEntry> | undefined;
  let toolList: readonly ToolView[] | undefined;
  /** Compiles tool schemas; created on first use (an Ajv instance is not free) and renewed with each tool list. */
  let validator: AjvJsonSchemaValidator | undefined;

  async function listTools(opts: { readonly refresh?: boolean } = {}): Promise<readonly ToolView[]> {
    if (toolList !== undefined && opts.refresh !== true) return toolList;
    const result = await run({ what: 'Listing tools' }, true, undefined, (s) => s.client.listTools(undefined, { timeout: requestTimeoutMs, ...FRESH }));
    const list = result.tools.map(toToolView);
    const map = new Map<string, ToolEntry>();
    for (const view of list) map.set(view.name, { view });
    validator = undefined;
    tools = map;
    toolList = list;
    return list;
  }

  /**
   * A validator for a tool's schema; its `$schema` picks the dialect (2020-12 unless it names draft-07 or 2019-09).
   * A schema that cannot be compiled is not enforced: the server still validates its own input.
   */
  function compile(schema: Readonly<Record<string, unknown>> | undefined): JsonSchemaValidator<unknown> | null {
    if (schema === undefined) return null;
    try {
      validator ??= new AjvJsonSchemaValidator();
      return validator.getValidator({ ...schema } as JsonSchemaType);
    } catch {
      return null;
    }
  }

  async function toolEntry(name: string): Promise<ToolEntry> {
    let entry = tools?.get(name);
    if (entry === undefined) {
      await listTools({ refresh: tools !== undefined });
      entry = tools?.get(name);
    }
    if (entry === undefined) throw new McpConnectionError('not_found', `${where()} does not offer a tool named "${name}". Refresh the tool list.`, { tool: name });
    return entry;
  }

  function checkOutput(name: string, entry: ToolEntry, structured: unknown): void {
    if (entry.output === undefined) entry.output = compile(entry.view.outputSchema);
    if (structured === undefined) {
      throw new McpConnectionError('invalid_output', `The tool "${name}" declares an output schema but returned no structured content. Report it to the server's maintainer.`, { tool: name });
    }
    if (entry.output === null) return;
    const check = entry.output(structured);
    if (!check.valid) {
      throw new McpConnectionError('invalid_output', `The tool "${name}" returned structured content that does not match its output schema (${check.errorMessage}). Report it to the server's maintainer.`, {
        tool: name,
      });
    }
  }

  async function callTool(name: string, args: Readonly<Record<string, unknown>> = {}, opts: CallToolOptions = {}): Promise<ToolResultView> {
    const entry = tools?.get(name) ?? (await toolEntry(name));
    if (entry.input === undefined) entry.input = compile(entry.view.inputSchema);
    if (entry.input !== null) {
      const check = entry.input(args);
      if (!check.valid) {
        throw new McpConnectionError('invalid_arguments', `The arguments for "${name}" do not match its schema: ${check.errorMessage}. Fix them and call again.`, { tool: name });
      }
    }
    const started = performance.now();
    const timeout = opts.timeoutMs ?? requestTimeoutMs;
    const onProgress = opts.onProgress;
    const result = await run({ what: `The call to "${name}"`, tool: name, timeoutMs: timeout }, false, opts.signal, (s) =>
      s.client.callTool(
        { name, arguments: { ...args } },
        {
          timeout,
          resetTimeoutOnProgress: true,
          ...(opts.maxTotalTimeoutMs !== undefined ? { maxTotalTimeout: opts.maxTotalTimeoutMs } : {}),
          ...signalOf(opts.signal),
          ...(onProgress !== undefined
            ? {
                onprogress: (p: { progress: number; total?: number; message?: string }) =>
                  onProgress({
                    progress: p.progress,
                    ...(p.total !== undefined ? { total: p.total } : {}),
                    ...(p.message !== undefined ? { message: p.message } : {}),
                  }),
              }
            : {}),
        },
      ),
    );
    const isError = result.isError === true;
    const structured: unknown = result.structuredContent;
    if (entry.view.outputSchema !== undefined && !isError) checkOutput(name, entry, structured);
    return {
      tool: name,
      content: result.content.map(toContentView),
      isError,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(structured !== undefined ? { structuredContent: structured as Readonly<Record<string, unknown>> } : {}),
    };
  }

  async function ensureCapability(cap: 'resources' | 'prompts' | 'logging' | 'tools'): Promise<Session> {
    const s = life.current() ?? (await life.ready());
    if (!s.info.capabilities[cap]) throw new McpConnectionError('unsupported', `${where()} does not offer ${cap}.`);
    return s;
  }

  return {
    listTools,
    callTool,
    forgetTools() {
      tools = undefined;
      toolList = undefined;
      validator = undefined;
    },
    async listResources() {
      await ensureCapability('resources');
      const r = await run({ what: 'Listing resources' }, true, undefined, (s) => s.client.listResources(undefined, { timeout: requestTimeoutMs, ...FRESH }));
      return r.resources.map(toResourceView);
    },
    async listResourceTemplates() {
      await ensureCapability('resources');
      const r = await run({ what: 'Listing resource templates' }, true, undefined, (s) =>
        s.client.listResourceTemplates(undefined, { timeout: requestTimeoutMs, ...FRESH }),
      );
      return r.resourceTemplates.map(toResourceTemplateView);
    },
    async readResource(uri, opts = {}) {
      await ensureCapability('resources');
      const timeout = opts.timeoutMs ?? requestTimeoutMs;
      const r = await run({ what: `Reading ${uri}`, timeoutMs: timeout }, true, opts.signal, (s) =>
        s.client.readResource({ uri }, { timeout, ...FRESH, ...signalOf(opts.signal) }),
      );
      return { uri, contents: r.contents.map(toResourceContentsView) };
    },
    async listPrompts() {
      await ensureCapability('prompts');
      const r = await run({ what: 'Listing prompts' }, true, undefined, (s) => s.client.listPrompts(undefined, { timeout: requestTimeoutMs, ...FRESH }));
      return r.prompts.map(toPromptView);
    },
    async getPrompt(name, args = {}, opts = {}) {
      await ensureCapability('prompts');
      for (const [k, v] of Object.entries(args)) {
        if (typeof v !== 'string') throw new McpConnectionError('invalid_arguments', `The prompt argument "${k}" must be text.`);
      }
      const timeout = opts.timeoutMs ?? requestTimeoutMs;
      const r = await run({ what: `Getting the prompt "${name}"`, timeoutMs: timeout }, true, opts.signal, (s) =>
        s.client.getPrompt({ name, arguments: { ...args } }, { timeout, ...signalOf(opts.signal) }),
      ).catch((err: unknown) => {
        if (err instanceof McpConnectionError && err.rpcCode === ProtocolErrorCode.InvalidParams) {
          throw new McpConnectionError('invalid_arguments', `${where()} rejected the arguments for the prompt "${name}" (or does not know it). Check the required arguments.`, {
            cause: err,
          });
        }
        throw err;
      });
      return {
        name,
        messages: r.messages.map((m) => ({ role: m.role, content: toContentView(m.content) })),
        ...(r.description !== undefined ? { description: r.description } : {}),
      };
    },
    async setLogLevel(level) {
      await ensureCapability('logging');
      await run({ what: 'Setting the log level' }, true, undefined, (s) => s.client.setLoggingLevel(level, { timeout: requestTimeoutMs }));
    },
    async subscribeResource(uri) {
      const s = await ensureCapability('resources');
      if (s.client.getServerCapabilities()?.resources?.subscribe !== true) throw new McpConnectionError('unsupported', `${where()} does not offer resource subscriptions.`);
      life.resourceSubscriptions.add(uri);
      await run({ what: `Subscribing to ${uri}` }, true, undefined, async (sx) => {
        if (sx.client.getProtocolEra() === 'modern') await life.refreshListen(sx);
        else await sx.client.subscribeResource({ uri }, { timeout: requestTimeoutMs });
      }).catch((err: unknown) => {
        life.resourceSubscriptions.delete(uri);
        throw err;
      });
    },
    async unsubscribeResource(uri) {
      if (!life.resourceSubscriptions.delete(uri)) return;
      if (life.current() === undefined) return;
      await run({ what: `Unsubscribing from ${uri}` }, true, undefined, async (sx) => {
        if (sx.client.getProtocolEra() === 'modern') await life.refreshListen(sx);
        else await sx.client.unsubscribeResource({ uri }, { timeout: requestTimeoutMs });
      });
    },
    async ping(opts = {}) {
      const timeout = opts.timeoutMs ?? Math.min(requestTimeoutMs, 10_000);
      const started = performance.now();
      await run({ what: 'The ping', timeoutMs: timeout }, true, opts.signal, (s) => s.client.ping({ timeout, ...signalOf(opts.signal) }));
      return Math.round((performance.now() - started) * 1000) / 1000;
    },
  };
}
