/**
 * One MCP server connection: one SDK `Client` at a time, the transport chosen by the config (Streamable HTTP with
 * the spec's fallback to HTTP+SSE, or stdio), bearer injection through the auth seam, a status machine, and
 * reconnection with backoff when the network drops or the server restarts. Everything it returns is plain data.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListToolsResultSchema,
  LoggingMessageNotificationSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { ServerStatus } from '../../preload/contract.ts';
import { withChallengeDetection } from './auth.ts';
import type { AuthEvent, AuthorizedSession, FetchLike } from './auth.ts';
import type { ConnectionOptions, McpServerConfig, ReconnectPolicy, StdioServerConfig } from './config.ts';
import { defaultReconnectPolicy } from './config.ts';
import {
  toContentView,
  toPromptView,
  toResourceContentsView,
  toResourceTemplateView,
  toResourceView,
  toToolView,
  schemaDefaults,
} from './convert.ts';
import {
  McpConnectionError,
  isNotDelivered,
  isSessionLost,
  networkCodeOf,
  signInChallengeCodes,
  stepUpChallengeCodes,
  deniedChallengeCodes,
  toMcpError,
} from './errors.ts';
import type { ErrorContext } from './errors.ts';
import { createStatusHolder } from './status.ts';
import type {
  ElicitationRequestView,
  LogLevel,
  LogMessageView,
  ProgressView,
  PromptResultView,
  PromptView,
  ResourceReadView,
  ResourceTemplateView,
  ResourceView,
  ServerInfoView,
  ToolResultView,
  ToolView,
} from './views.ts';

/** What a connection tells its subscribers. */
export type ConnectionEvent =
  | { readonly type: 'status'; readonly status: ServerStatus }
  | { readonly type: 'tools-changed'; readonly tools: readonly ToolView[] }
  | { readonly type: 'resources-changed' }
  | { readonly type: 'prompts-changed' }
  | { readonly type: 'resource-updated'; readonly uri: string }
  | { readonly type: 'log'; readonly message: LogMessageView };

/** Per-call options of a tool call. */
export interface CallToolOptions {
  /** Aborting sends `notifications/cancelled` and rejects the call with code `cancelled`. */
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

/** One server's live connection: the API the IPC layer and the CLI are built on. */
export interface McpConnection {
  readonly serverId: string;
  readonly config: McpServerConfig;
  /** The current status (also pushed as `status` events). */
  readonly status: () => ServerStatus;
  /** What the server said at initialization, once connected. */
  readonly serverInfo: () => ServerInfoView | undefined;
  /** Opens the connection (idempotent); keeps it open, reconnecting with backoff, until `disconnect`. */
  readonly connect: () => Promise<ServerInfoView>;
  /** Closes the connection and stops reconnecting. */
  readonly disconnect: () => Promise<void>;
  readonly subscribe: (listener: (event: ConnectionEvent) => void) => () => void;
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
}

interface ToolEntry {
  readonly view: ToolView;
  input?: JsonSchemaValidator<unknown> | null;
  output?: JsonSchemaValidator<unknown> | null;
}

interface Session {
  readonly client: Client;
  readonly transport: Transport;
  readonly info: ServerInfoView;
  closed: boolean;
  healthTimer?: ReturnType<typeof setInterval>;
}

const MAX_PAGES = 100;
const MAX_STDERR_LINE = 4096;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    t.unref?.();
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    t.unref?.();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

function stripSchemaKeyword(schema: Readonly<Record<string, unknown>>): JsonSchemaType {
  const copy: Record<string, unknown> = { ...schema };
  delete copy.$schema;
  return copy as JsonSchemaType;
}

/** Handed to the SDK `Client`, which would otherwise build an Ajv instance per connection for nothing. */
const unusedValidator: jsonSchemaValidator = {
  getValidator: <T>(schema: JsonSchemaType): JsonSchemaValidator<T> => new AjvJsonSchemaValidator().getValidator<T>(schema),
};

/**
 * The SDK hands its transport-wide AbortSignal to every request, and undici hangs an abort listener on it per request
 * that goes only when the request is garbage-collected, so a busy session crosses Node's listener limit
 * (MaxListenersExceededWarning, hundreds of times over 4,000 calls) and holds the listeners meanwhile. Each request
 * gets its own signal that follows the transport's (`AbortSignal.any` links them weakly) and dies with the request.
 */
function withOwnSignal(init: RequestInit | undefined): RequestInit | undefined {
  const signal = init?.signal;
  return signal ? { ...init, signal: AbortSignal.any([signal]) } : init;
}

function isTransient(code: string): boolean {
  return code === 'server_unreachable' || code === 'timeout';
}

/** True for the errors after which the spec says to try the legacy HTTP+SSE transport (a 4xx to the first POST). */
function shouldFallBackToSse(err: unknown): boolean {
  return err instanceof StreamableHTTPError && err.code !== undefined && err.code >= 400 && err.code < 500 && err.code !== 401 && err.code !== 403;
}

function challengeCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  if (typeof code !== 'string') return undefined;
  return signInChallengeCodes.includes(code) || stepUpChallengeCodes.includes(code) || deniedChallengeCodes.includes(code) ? code : undefined;
}

/**
 * Creates the connection for one configured server. Nothing happens on the network until `connect()`.
 */
export function createConnection(config: McpServerConfig, options: ConnectionOptions = {}): McpConnection {
  const serverId = config.id;
  const now = options.now ?? Date.now;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const policy: ReconnectPolicy | false = options.reconnect ?? defaultReconnectPolicy;
  const url = config.transport === 'stdio' ? undefined : config.url;
  const status = createStatusHolder(now);
  const listeners = new Set<(event: ConnectionEvent) => void>();

  let wanted = false;
  let current: Session | undefined;
  /** The connection attempt in flight, if any (first connect or one reconnect attempt). */
  let attempt: Promise<Session> | undefined;
  /** The reconnect loop, if running. */
  let loop: Promise<void> | undefined;
  let loopAbort = new AbortController();
  let lastError: McpConnectionError | undefined;
  let tools: Map<string, ToolEntry> | undefined;
  let toolList: readonly ToolView[] | undefined;
  /** Compiles tool schemas; created on first use (an Ajv instance is not free) and renewed with each tool list. */
  let validator: AjvJsonSchemaValidator | undefined;
  let elicitationCounter = 0;
  let probing = false;
  let lastActivity = 0;
  const healthCheckMs = options.healthCheckMs ?? 30_000;
  const resourceSubscriptions = new Set<string>();
  /** The auth session whose events drive the status, kept across attempts so a failed connect still hears "signed in". */
  let authFollow: { readonly session: AuthorizedSession; readonly unsubscribe: () => void } | undefined;

  function emit(event: ConnectionEvent): void {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch {
        // a listener's failure must not break the connection
      }
    }
  }
  status.subscribe((s) => emit({ type: 'status', status: s }));

  function fail(err: unknown, ctx: ErrorContext): McpConnectionError {
    const e = toMcpError(err, { ...(url !== undefined ? { url } : {}), ...ctx });
    if (e.code === 'needs_sign_in' || e.code === 'insufficient_scope' || e.code === 'access_denied') status.dispatch({ type: 'fail', error: e });
    return e;
  }

  function log(message: LogMessageView): void {
    emit({ type: 'log', message });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Opening a session
  // -------------------------------------------------------------------------------------------------------------

  function makeClient(): Client {
    const client = new Client(options.clientInfo ?? { name: 'Keyport', version: '0.1.0' }, {
      // This layer checks schemas itself (all pages of tools/list, lazily compiled); the client's own validator is
      // never used, so it gets one that costs nothing to build.
      jsonSchemaValidator: unusedValidator,
      capabilities: options.onElicitation !== undefined ? { elicitation: { form: { applyDefaults: true } } } : {},
    });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      log({
        at: now(),
        level: n.params.level,
        data: n.params.data,
        source: 'server',
        ...(n.params.logger !== undefined ? { logger: n.params.logger } : {}),
      });
    });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      tools = undefined;
      toolList = undefined;
      if (listeners.size === 0) return;
      listTools().then(
        (list) => emit({ type: 'tools-changed', tools: list }),
        () => undefined,
      );
    });
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => emit({ type: 'resources-changed' }));
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => emit({ type: 'prompts-changed' }));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => emit({ type: 'resource-updated', uri: n.params.uri }));
    const onElicitation = options.onElicitation;
    if (onElicitation !== undefined) {
      client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
        const params = request.params;
        if (params.mode === 'url') return { action: 'decline' as const };
        elicitationCounter += 1;
        const view: ElicitationRequestView = {
          serverId,
          id: `${serverId}#${elicitationCounter}`,
          message: params.message,
          requestedSchema: { ...params.requestedSchema },
          defaults: schemaDefaults(params.requestedSchema),
        };
        const answer = await onElicitation(view, extra.signal);
        if (answer.action !== 'accept') return { action: answer.action };
        const content: Record<string, string | number | boolean | string[]> = {};
        for (const [k, v] of Object.entries(answer.content)) content[k] = Array.isArray(v) ? [...(v as readonly string[])] : (v as string | number | boolean);
        return { action: 'accept' as const, content };
      });
    }
    return client;
  }

  function describe(client: Client, transport: Transport, kind: ServerInfoView['transport']): ServerInfoView {
    const v = client.getServerVersion();
    const caps = client.getServerCapabilities() ?? {};
    const protocolVersion = (transport as { protocolVersion?: unknown }).protocolVersion;
    const instructions = client.getInstructions();
    const title = typeof v?.title === 'string' ? v.title : undefined;
    return {
      name: v?.name ?? 'unknown',
      version: v?.version ?? 'unknown',
      transport: kind,
      capabilities: {
        tools: caps.tools !== undefined,
        resources: caps.resources !== undefined,
        prompts: caps.prompts !== undefined,
        logging: caps.logging !== undefined,
        completions: caps.completions !== undefined,
      },
      ...(title !== undefined ? { title } : {}),
      ...(typeof protocolVersion === 'string' ? { protocolVersion } : {}),
      ...(instructions !== undefined ? { instructions } : {}),
    };
  }

  async function handshake(
    kind: ServerInfoView['transport'],
    transport: Transport,
    transportErrors: unknown[],
  ): Promise<Session> {
    const client = makeClient();
    // Output that is not JSON-RPC during the handshake ends it at once, rather than after the whole timeout.
    let notMcp: (err: Error) => void = () => undefined;
    const garbage = new Promise<never>((_resolve, reject) => {
      notMcp = reject;
    });
    client.onerror = (err) => {
      transportErrors.push(err);
      if (err instanceof SyntaxError || err.name === 'ZodError') {
        notMcp(new McpConnectionError('protocol_error', `${where()} does not speak MCP. Check the command or URL and its arguments.`, { cause: err }));
      }
    };
    const sessionRef: { s?: Session } = {};
    client.onclose = () => {
      if (sessionRef.s !== undefined) onLost(sessionRef.s);
    };
    try {
      await Promise.race([
        withTimeout(client.connect(transport, { timeout: connectTimeoutMs }), connectTimeoutMs + 250, () =>
          new McpConnectionError('timeout', `No MCP answer from ${where()} within ${Math.round(connectTimeoutMs / 1000)} s. Check that the server is running, then retry.`),
        ),
        garbage,
      ]);
    } catch (err) {
      await client.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
      throw err;
    }
    const s: Session = { client, transport, info: describe(client, transport, kind), closed: false };
    sessionRef.s = s;
    client.onerror = (err) => onTransportError(s, err);
    return s;
  }

  function where(): string {
    if (config.transport === 'stdio') return `"${config.command}"`;
    try {
      return new URL(config.url).host;
    } catch {
      return 'the server';
    }
  }

  function followAuth(session: AuthorizedSession | undefined): void {
    if (authFollow?.session === session) return;
    authFollow?.unsubscribe();
    authFollow = undefined;
    if (session?.subscribe === undefined) return;
    authFollow = { session, unsubscribe: session.subscribe(onAuthEvent) };
  }

  async function openHttp(): Promise<Session> {
    if (config.transport === 'stdio') throw new Error('unreachable');
    let target: URL;
    try {
      target = new URL(config.url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new McpConnectionError('invalid_config', 'The server address is not a valid http(s) URL. Edit the server and fix its URL.');
    }
    const authorize = options.authorize;
    const session =
      authorize !== undefined
        ? await withTimeout(Promise.resolve(authorize({ serverId, url: config.url })), connectTimeoutMs, () =>
            new McpConnectionError('timeout', `Keyport's sign-in component did not answer within ${Math.round(connectTimeoutMs / 1000)} s. Try again.`),
          )
        : undefined;
    followAuth(session);
    const base: FetchLike = session?.fetch ?? options.fetch ?? fetch;
    let challenge: unknown;
    const detecting = withChallengeDetection(base);
    const recordingFetch: FetchLike = async (u, init) => {
      try {
        return await detecting(u, withOwnSignal(init));
      } catch (err) {
        if (challengeCode(err) !== undefined) challenge = err;
        throw err;
      }
    };
    const errors: unknown[] = [];
    const preferChallenge = (err: unknown): unknown => challenge ?? err;

    const openSse = async (): Promise<Session> => {
      const t = new SSEClientTransport(target, { fetch: recordingFetch });
      return handshake('sse', t, errors);
    };
    let s: Session;
    if (config.transport === 'sse') {
      try {
        s = await openSse();
      } catch (err) {
        throw preferChallenge(err);
      }
    } else {
      try {
        const t = new StreamableHTTPClientTransport(target, {
          fetch: recordingFetch,
          reconnectionOptions: { initialReconnectionDelay: 250, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
        });
        s = await handshake('streamable-http', t, errors);
      } catch (err) {
        if (challenge !== undefined || !shouldFallBackToSse(err)) throw preferChallenge(err);
        try {
          s = await openSse();
        } catch {
          if (challenge !== undefined) throw challenge;
          throw err;
        }
      }
    }
    return s;
  }

  async function openStdio(cfg: StdioServerConfig): Promise<Session> {
    const transport = new StdioClientTransport({
      command: cfg.command,
      args: [...(cfg.args ?? [])],
      env: { ...getDefaultEnvironment(), ...(cfg.env ?? {}) },
      stderr: 'pipe',
      ...(cfg.cwd !== undefined ? { cwd: cfg.cwd } : {}),
    });
    let pending = '';
    transport.stderr?.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line.length > 0) log({ at: now(), level: 'info', data: line.slice(0, MAX_STDERR_LINE), source: 'stderr' });
        nl = pending.indexOf('\n');
      }
      if (pending.length > MAX_STDERR_LINE) pending = pending.slice(-MAX_STDERR_LINE);
    });
    const errors: unknown[] = [];
    try {
      return await handshake('stdio', transport, errors);
    } catch (err) {
      const net = networkCodeOf(err);
      if (net === 'ENOENT' || net === 'EACCES') {
        throw new McpConnectionError('invalid_config', `Keyport could not start "${cfg.command}" (${net}). Check the command and its path in the server's settings.`, { cause: err });
      }
      if (err instanceof McpError && err.code === ErrorCode.ConnectionClosed) {
        throw new McpConnectionError('server_unreachable', `"${cfg.command}" exited before it finished starting. Check its output in the log, then reconnect.`, { cause: err });
      }
      const mapped = toMcpError(err, { what: 'Starting the server' });
      if (mapped.code === 'timeout' && errors.some((e) => e instanceof SyntaxError || (e instanceof Error && e.name === 'ZodError'))) {
        throw new McpConnectionError('protocol_error', `"${cfg.command}" does not speak MCP on stdout. Check the command and its arguments.`, { cause: err });
      }
      throw err;
    }
  }

  async function openSession(): Promise<Session> {
    const s = config.transport === 'stdio' ? await openStdio(config) : await openHttp();
    return s;
  }

  function install(s: Session): void {
    current = s;
    tools = undefined;
    toolList = undefined;
    validator = undefined;
    lastError = undefined;
    lastActivity = performance.now();
    status.dispatch({ type: 'open' });
    if (healthCheckMs > 0) {
      // An idle connection without a server→client stream would otherwise learn of a dead server only on the next
      // request: ping it when nothing else has been heard for a while.
      s.healthTimer = setInterval(() => {
        if (current === s && performance.now() - lastActivity >= healthCheckMs) void probe(s);
      }, healthCheckMs);
      s.healthTimer.unref?.();
    }
    if (resourceSubscriptions.size > 0 && s.info.capabilities.resources) {
      for (const uri of resourceSubscriptions) {
        s.client.subscribeResource({ uri }, { timeout: requestTimeoutMs }).catch(() => undefined);
      }
    }
  }

  async function closeSession(s: Session): Promise<void> {
    s.closed = true;
    if (s.healthTimer !== undefined) clearInterval(s.healthTimer);
    s.client.onclose = undefined;
    s.client.onerror = undefined;
    await s.client.close().catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Losing and regaining a session
  // -------------------------------------------------------------------------------------------------------------

  function onLost(s: Session): void {
    if (s.closed) return;
    s.closed = true;
    if (current === s) current = undefined;
    void closeSession(s);
    if (!wanted) return;
    if (policy === false) {
      const e = new McpConnectionError('not_connected', `The connection to ${where()} was lost. Connect again.`);
      lastError = e;
      status.dispatch({ type: 'fail', error: e });
      return;
    }
    startLoop(0);
  }

  function onTransportError(s: Session, err: unknown): void {
    if (s.closed || current !== s) return;
    const code = challengeCode(err);
    if (code !== undefined) {
      fail(err, {});
      return;
    }
    const message = err instanceof Error ? err.message : '';
    const sseError = typeof err === 'object' && err !== null && 'name' in err && (err as { name: unknown }).name === 'SseError';
    if (s.info.transport === 'sse' && (sseError || err instanceof SseError)) {
      // Legacy HTTP+SSE: the session *is* the event stream; once it drops, the server has forgotten us.
      onLost(s);
      return;
    }
    const suspicious =
      networkCodeOf(err) !== undefined ||
      err instanceof StreamableHTTPError ||
      /Maximum reconnection attempts|Failed to reconnect SSE stream|SSE stream disconnected|Failed to open SSE stream/.test(message) ||
      (typeof err === 'object' && err !== null && 'name' in err && (err as { name: unknown }).name === 'SseError');
    if (suspicious) void probe(s);
  }

  /** Checks a session that reported trouble with a ping; a failed ping means the session is gone. */
  async function probe(s: Session): Promise<void> {
    if (probing) return;
    probing = true;
    try {
      await s.client.ping({ timeout: Math.min(5000, connectTimeoutMs) });
      lastActivity = performance.now();
    } catch (err) {
      if (challengeCode(err) !== undefined) fail(err, {});
      else if (current === s) onLost(s);
    } finally {
      probing = false;
    }
  }

  function nextDelay(n: number, p: ReconnectPolicy): number {
    const base = Math.min(p.initialDelayMs * p.factor ** n, p.maxDelayMs);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Keeps trying to reconnect with backoff until it succeeds, a non-transient error occurs, or `disconnect()`. */
  function startLoop(failuresSoFar: number): void {
    if (loop !== undefined || policy === false) return;
    const p = policy;
    const signal = loopAbort.signal;
    loop = (async () => {
      let failures = failuresSoFar;
      if (failures > 0) await delay(nextDelay(failures - 1, p), signal);
      while (wanted && !signal.aborted && current === undefined) {
        status.dispatch({ type: 'connect' });
        try {
          const s = await runAttempt();
          if (!wanted || signal.aborted) {
            await closeSession(s);
            return;
          }
          return;
        } catch (err) {
          const e = toMcpError(err, url !== undefined ? { url } : {});
          lastError = e;
          if (signal.aborted || !wanted) return;
          failures += 1;
          if (!isTransient(e.code) || failures >= p.maxAttempts) {
            status.dispatch({ type: 'fail', error: e });
            return;
          }
          const wait = nextDelay(failures - 1, p);
          status.dispatch({
            type: 'fail',
            error: new McpConnectionError(e.code, `${e.message} Next attempt in ${Math.max(1, Math.round(wait / 1000))} s.`),
          });
          await delay(wait, signal);
        }
      }
    })().finally(() => {
      loop = undefined;
    });
  }

  function runAttempt(): Promise<Session> {
    if (attempt !== undefined) return attempt;
    attempt = (async () => {
      try {
        const s = await openSession();
        if (wanted) install(s);
        return s;
      } finally {
        attempt = undefined;
      }
    })();
    return attempt;
  }

  function onAuthEvent(event: AuthEvent): void {
    if (!wanted) return;
    status.dispatch({ type: 'auth', event });
    if (event.type === 'signed-in' && wanted) {
      if (current !== undefined) status.dispatch({ type: 'open' });
      else startLoop(0);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Requests
  // -------------------------------------------------------------------------------------------------------------

  async function ready(): Promise<Session> {
    if (current !== undefined) return current;
    if (!wanted) throw new McpConnectionError('not_connected', `Keyport is not connected to ${where()}. Connect first.`);
    if (attempt !== undefined) {
      try {
        return await attempt;
      } catch (err) {
        throw toMcpError(err, url !== undefined ? { url } : {});
      }
    }
    throw lastError ?? new McpConnectionError('not_connected', `Keyport is not connected to ${where()}. Wait for it to reconnect, or connect again.`);
  }

  function isLostError(err: unknown): boolean {
    return isSessionLost(err) || networkCodeOf(err) !== undefined || (err instanceof McpError && err.code === ErrorCode.ConnectionClosed);
  }

  /**
   * Runs `fn` on the live session. When the session turns out to be gone, reconnects; the request is sent again
   * when that is safe: always for reads, and for tool calls only when they provably never reached the server.
   */
  async function run<T>(ctx: ErrorContext, idempotent: boolean, signal: AbortSignal | undefined, fn: (s: Session) => Promise<T>): Promise<T> {
    const s = current ?? (await ready());
    try {
      const r = await fn(s);
      lastActivity = performance.now();
      const st = status.get().state;
      if (st === 'step-up-needed' || st === 'error') status.dispatch({ type: 'request-ok' });
      return r;
    } catch (err) {
      if (signal?.aborted === true) throw fail(err, { ...ctx, cancelled: true });
      if (challengeCode(err) === undefined && isLostError(err) && wanted) {
        const retry = idempotent || isNotDelivered(err) || isSessionLost(err);
        onLost(s);
        if (!retry) {
          throw new McpConnectionError(
            'server_unreachable',
            `The connection to ${where()} broke during ${ctx.what ?? 'the request'}; it may or may not have run. Keyport is reconnecting: check before retrying.`,
            { cause: err, ...(ctx.tool !== undefined ? { tool: ctx.tool } : {}) },
          );
        }
        // With background reconnection, onLost started the loop whose first attempt is in flight: wait for it.
        // Without, reopen once, here, for this request.
        let s2: Session;
        try {
          s2 = current ?? (policy === false ? await runAttempt() : await ready());
        } catch (e) {
          throw fail(e, ctx);
        }
        try {
          return await fn(s2);
        } catch (err2) {
          throw fail(err2, ctx);
        }
      }
      throw fail(err, ctx);
    }
  }

  async function paginate<T, R>(
    what: string,
    fetchPage: (s: Session, cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor?: string | undefined }>,
    map: (item: T) => R,
  ): Promise<R[]> {
    return run({ what }, true, undefined, async (s) => {
      const out: R[] = [];
      const seen = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await fetchPage(s, cursor);
        for (const item of r.items) out.push(map(item));
        if (r.nextCursor === undefined || r.nextCursor === '') return out;
        if (seen.has(r.nextCursor)) throw new McpConnectionError('protocol_error', `${where()} repeats a pagination cursor. Report it to the server's maintainer.`);
        seen.add(r.nextCursor);
        cursor = r.nextCursor;
      }
      throw new McpConnectionError('protocol_error', `${where()} returned more than ${MAX_PAGES} pages. Report it to the server's maintainer.`);
    });
  }

  async function listTools(opts: { readonly refresh?: boolean } = {}): Promise<readonly ToolView[]> {
    if (toolList !== undefined && opts.refresh !== true) return toolList;
    const list = await paginate(
      'Listing tools',
      async (s, cursor) => {
        const r = await s.client.request({ method: 'tools/list', params: cursor !== undefined ? { cursor } : {} }, ListToolsResultSchema, {
          timeout: requestTimeoutMs,
        });
        return { items: r.tools, nextCursor: r.nextCursor };
      },
      toToolView,
    );
    const map = new Map<string, ToolEntry>();
    for (const view of list) map.set(view.name, { view });
    validator = undefined;
    tools = map;
    toolList = list;
    return list;
  }

  function compile(schema: Readonly<Record<string, unknown>> | undefined): JsonSchemaValidator<unknown> | null {
    if (schema === undefined) return null;
    try {
      validator ??= new AjvJsonSchemaValidator();
      return validator.getValidator(stripSchemaKeyword(schema));
    } catch {
      // A schema Ajv cannot compile: the server still validates its own input; we do not block the call.
      return null;
    }
  }

  async function toolEntry(name: string): Promise<ToolEntry> {
    let entry = tools?.get(name);
    if (entry === undefined) {
      await listTools({ refresh: tools !== undefined });
      entry = tools?.get(name);
    }
    if (entry === undefined) {
      throw new McpConnectionError('not_found', `${where()} does not offer a tool named "${name}". Refresh the tool list.`, { tool: name });
    }
    return entry;
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
      s.client.request({ method: 'tools/call', params: { name, arguments: { ...args } } }, CallToolResultSchema, {
        timeout,
        resetTimeoutOnProgress: true,
        ...(opts.maxTotalTimeoutMs !== undefined ? { maxTotalTimeout: opts.maxTotalTimeoutMs } : {}),
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
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
      }),
    );
    const isError = result.isError === true;
    const structured = result.structuredContent;
    if (entry.view.outputSchema !== undefined && !isError) {
      if (entry.output === undefined) entry.output = compile(entry.view.outputSchema);
      if (structured === undefined) {
        throw new McpConnectionError('invalid_output', `The tool "${name}" declares an output schema but returned no structured content. Report it to the server's maintainer.`, { tool: name });
      }
      if (entry.output !== null) {
        const check = entry.output(structured);
        if (!check.valid) {
          throw new McpConnectionError('invalid_output', `The tool "${name}" returned structured content that does not match its output schema (${check.errorMessage}). Report it to the server's maintainer.`, { tool: name });
        }
      }
    }
    return {
      tool: name,
      content: result.content.map(toContentView),
      isError,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(structured !== undefined ? { structuredContent: structured } : {}),
    };
  }

  async function ensureCapability(cap: 'resources' | 'prompts' | 'logging' | 'tools'): Promise<void> {
    const s = current ?? (await ready());
    if (!s.info.capabilities[cap]) throw new McpConnectionError('unsupported', `${where()} does not offer ${cap}.`);
  }

  const connection: McpConnection = {
    serverId,
    config,
    status: () => status.get(),
    serverInfo: () => current?.info,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async connect() {
      wanted = true;
      if (current !== undefined) return current.info;
      if (loop !== undefined && attempt === undefined) {
        // a reconnect loop is waiting out its backoff: try now
        loopAbort.abort();
        loopAbort = new AbortController();
        await loop;
      }
      const live = current as Session | undefined;
      if (live !== undefined) return live.info;
      status.dispatch({ type: 'connect' });
      try {
        const s = await runAttempt();
        return s.info;
      } catch (err) {
        const e = toMcpError(err, url !== undefined ? { url } : {});
        lastError = e;
        status.dispatch({ type: 'fail', error: e });
        if (isTransient(e.code) && wanted) startLoop(1);
        throw e;
      }
    },
    async disconnect() {
      wanted = false;
      loopAbort.abort();
      loopAbort = new AbortController();
      const pending = attempt;
      const s = current;
      current = undefined;
      if (s !== undefined) {
        // Streamable HTTP: tell the server the session is over (spec: clients SHOULD send DELETE); best effort.
        const t = s.transport;
        if (t instanceof StreamableHTTPClientTransport && !s.closed) {
          await withTimeout(t.terminateSession(), 1000, () => new Error('timeout')).catch(() => undefined);
        }
        await closeSession(s);
      }
      if (pending !== undefined) {
        const late = await pending.catch(() => undefined);
        if (late !== undefined) await closeSession(late);
      }
      await loop;
      followAuth(undefined);
      status.dispatch({ type: 'disconnect' });
    },
    listTools,
    callTool,
    async listResources() {
      await ensureCapability('resources');
      return paginate(
        'Listing resources',
        async (s, cursor) => {
          const r = await s.client.listResources(cursor !== undefined ? { cursor } : undefined, { timeout: requestTimeoutMs });
          return { items: r.resources, nextCursor: r.nextCursor };
        },
        toResourceView,
      );
    },
    async listResourceTemplates() {
      await ensureCapability('resources');
      return paginate(
        'Listing resource templates',
        async (s, cursor) => {
          const r = await s.client.listResourceTemplates(cursor !== undefined ? { cursor } : undefined, { timeout: requestTimeoutMs });
          return { items: r.resourceTemplates, nextCursor: r.nextCursor };
        },
        toResourceTemplateView,
      );
    },
    async readResource(uri, opts = {}) {
      await ensureCapability('resources');
      const timeout = opts.timeoutMs ?? requestTimeoutMs;
      const r = await run({ what: `Reading ${uri}`, timeoutMs: timeout }, true, opts.signal, (s) =>
        s.client.readResource({ uri }, { timeout, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) }),
      );
      return { uri, contents: r.contents.map(toResourceContentsView) };
    },
    async listPrompts() {
      await ensureCapability('prompts');
      return paginate(
        'Listing prompts',
        async (s, cursor) => {
          const r = await s.client.listPrompts(cursor !== undefined ? { cursor } : undefined, { timeout: requestTimeoutMs });
          return { items: r.prompts, nextCursor: r.nextCursor };
        },
        toPromptView,
      );
    },
    async getPrompt(name, args = {}, opts = {}) {
      await ensureCapability('prompts');
      for (const [k, v] of Object.entries(args)) {
        if (typeof v !== 'string') throw new McpConnectionError('invalid_arguments', `The prompt argument "${k}" must be text.`);
      }
      const timeout = opts.timeoutMs ?? requestTimeoutMs;
      const r = await run({ what: `Getting the prompt "${name}"`, timeoutMs: timeout }, true, opts.signal, (s) =>
        s.client.getPrompt({ name, arguments: { ...args } }, { timeout, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) }),
      ).catch((err: unknown) => {
        if (err instanceof McpConnectionError && err.rpcCode === ErrorCode.InvalidParams) {
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
      await ensureCapability('resources');
      const s = current ?? (await ready());
      const caps = s.client.getServerCapabilities();
      if (caps?.resources?.subscribe !== true) throw new McpConnectionError('unsupported', `${where()} does not offer resource subscriptions.`);
      await run({ what: `Subscribing to ${uri}` }, true, undefined, (sx) => sx.client.subscribeResource({ uri }, { timeout: requestTimeoutMs }));
      resourceSubscriptions.add(uri);
    },
    async unsubscribeResource(uri) {
      if (!resourceSubscriptions.delete(uri)) return;
      if (current === undefined) return;
      await run({ what: `Unsubscribing from ${uri}` }, true, undefined, (sx) => sx.client.unsubscribeResource({ uri }, { timeout: requestTimeoutMs }));
    },
    async ping(opts = {}) {
      const timeout = opts.timeoutMs ?? Math.min(requestTimeoutMs, 10_000);
      const started = performance.now();
      await run({ what: 'The ping', timeoutMs: timeout }, true, opts.signal, (s) =>
        s.client.ping({ timeout, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) }),
      );
      return Math.round((performance.now() - started) * 1000) / 1000;
    },
  };
  return connection;
}
