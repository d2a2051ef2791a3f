/**
 * The state the app's services share: the core, the MCP connections, each server's status, recent flow traces and
 * log messages, and the push channel to the window. One per running app (or test harness).
 */
import type { FlowTraceView, LogMessageView, ServerStatus, ServerView } from '../../preload/contract.ts';
import { createEraCache } from '../config/era-cache.ts';
import type { ServerConfig } from '../config/schema.ts';
import { toServerViewBase } from '../config/schema.ts';
import type { KeyportCore } from '../core.ts';
import type { Emit } from '../ipc/events.ts';
import { createConnectionManager, type ConnectionManager, type ElicitationHandler, type McpConnection } from '../mcp/index.ts';

/** How many flow traces and log messages are kept per server. */
export const retention = { traces: 20, logMessages: 500 } as const;

/** Side effects the host provides (Electron's shell/clipboard/dialog in the app; stand-ins in tests). */
export interface HostEffects {
  readonly openBrowser: (url: string) => Promise<void>;
  readonly clipboard: { readonly writeText: (text: string) => void };
  /** Asks the user for another app's MCP config file to import; undefined when they cancel. */
  readonly chooseImportFile: () => Promise<string | undefined>;
  readonly now: () => number;
}

/** The shared state and helpers. */
export interface AppContext {
  readonly core: KeyportCore;
  readonly mcp: ConnectionManager;
  readonly host: HostEffects;
  readonly emit: Emit;
  readonly statuses: Map<string, ServerStatus>;
  readonly traces: Map<string, FlowTraceView[]>;
  readonly logs: Map<string, LogMessageView[]>;
  view(server: ServerConfig): ServerView;
  /** Sends the whole list to the window (after any change). */
  publishServers(): Promise<readonly ServerView[]>;
  setStatus(serverId: string, status: ServerStatus): void;
  /** The id of the configured server with this URL, if any (the engine reports by URL). */
  idForUrl(url: string): Promise<string | undefined>;
  /** The same from the last list read, without waiting: keeps engine events in the order they were sent. */
  knownIdForUrl(url: string): string | undefined;
  /** The server's connection, registered with the manager on first use (not connected). */
  connection(server: ServerConfig): Promise<McpConnection>;
  /** The server's connection, connected (connecting now if needed). */
  connected(serverId: string): Promise<McpConnection>;
  /** Forgets a server's connection so the next use builds it from the current settings. */
  dropConnection(serverId: string): Promise<void>;
  addTrace(serverId: string, trace: FlowTraceView): void;
}

/** Builds the context; `onElicitation` is wired by the capability service. */
export function createAppContext(
  core: KeyportCore,
  host: HostEffects,
  emit: Emit,
  onElicitation: ElicitationHandler,
): AppContext {
  const statuses = new Map<string, ServerStatus>();
  const traces = new Map<string, FlowTraceView[]>();
  const logs = new Map<string, LogMessageView[]>();
  const idsByUrl = new Map<string, string>();
  const load = async (): Promise<readonly ServerConfig[]> => {
    const servers = await core.config.load();
    idsByUrl.clear();
    for (const server of servers) if (server.url !== undefined) idsByUrl.set(server.url, server.id);
    return servers;
  };
  const mcp = createConnectionManager({
    clientInfo: { name: 'Keyport', version: '0.1.0' },
    onElicitation,
    // Each HTTP server's protocol era, remembered so the next start skips the server/discover probe.
    eraCache: createEraCache(core.dataDir),
    authorize: async ({ serverId }) => {
      const server = await core.server(serverId);
      return server.transport === 'stdio' ? undefined : core.session(server);
    },
  });

  let publishQueued = false;
  const context: AppContext = {
    core,
    mcp,
    host,
    emit,
    statuses,
    traces,
    logs,
    view: (server) => ({ ...toServerViewBase(server), status: statuses.get(server.id) ?? { state: 'disconnected' } }),
    async publishServers() {
      const all = (await load()).map(context.view);
      emit('servers:onChanged', all);
      return all;
    },
    setStatus(serverId, status) {
      statuses.set(serverId, status);
      emit('auth:onStatus', { serverId, status });
      if (status.state === 'step-up-needed') {
        emit('auth:onStepUp', { serverId, scopes: status.scopes, ...(status.tool !== undefined && { tool: status.tool }) });
      }
      // Statuses come in bursts (a start moves every server through several); the list goes out once per burst.
      if (!publishQueued) {
        publishQueued = true;
        setImmediate(() => {
          publishQueued = false;
          void context.publishServers().catch(() => undefined);
        });
      }
    },
    async idForUrl(url) {
      return idsByUrl.get(url) ?? (await load()).find((s) => s.url === url)?.id;
    },
    knownIdForUrl: (url) => idsByUrl.get(url),
    async connection(server) {
      return context.mcp.get(server.id) ?? context.mcp.add(await core.connectionConfig(server));
    },
    async connected(serverId) {
      const connection = await context.connection(await core.server(serverId));
      if (connection.status().state !== 'connected') await connection.connect();
      return connection;
    },
    async dropConnection(serverId) {
      await mcp.remove(serverId);
    },
    addTrace(serverId, trace) {
      const list = traces.get(serverId) ?? [];
      const at = list.findIndex((t) => t.id === trace.id);
      if (at >= 0) list[at] = trace;
      else list.unshift(trace);
      traces.set(serverId, list.slice(0, retention.traces));
      emit('flows:onTrace', { serverId, trace });
    },
  };

  mcp.subscribe((event) => {
    switch (event.type) {
      case 'status':
        context.setStatus(event.serverId, event.status);
        break;
      case 'tools-changed':
        emit('tools:onListChanged', { serverId: event.serverId });
        break;
      case 'log': {
        const list = logs.get(event.serverId) ?? [];
        list.push(event.message);
        logs.set(event.serverId, list.slice(-retention.logMessages));
        emit('log:onMessage', { serverId: event.serverId, message: event.message });
        break;
      }
      case 'resources-changed':
      case 'prompts-changed':
      case 'resource-updated':
        break;
    }
  });
  return context;
}
