/**
 * One MCP server connection, assembled from its parts: the lifecycle (sessions, status, reconnect, health) and the
 * catalog calls (tools, resources, prompts, logging), with one event stream for the UI. Everything it returns is
 * plain data; everything it throws is an `McpConnectionError`.
 */
import type { ServerStatus } from '../../preload/contract.ts';
import { createCatalog } from './catalog.ts';
import type { Catalog } from './catalog.ts';
import type { ClientHooks } from './client.ts';
import type { ConnectionOptions, McpServerConfig } from './config.ts';
import { createLifecycle } from './lifecycle.ts';
import { createStatusHolder } from './status.ts';
import type { LogMessageView, ServerInfoView, ToolView } from './views.ts';

export type { CallToolOptions, RequestOptions } from './catalog.ts';

/** What a connection tells its subscribers. */
export type ConnectionEvent =
  | { readonly type: 'status'; readonly status: ServerStatus }
  | { readonly type: 'tools-changed'; readonly tools: readonly ToolView[] }
  | { readonly type: 'resources-changed' }
  | { readonly type: 'prompts-changed' }
  | { readonly type: 'resource-updated'; readonly uri: string }
  | { readonly type: 'log'; readonly message: LogMessageView };

/** One server's live connection: the API the IPC layer and the CLI are built on (the catalog calls plus these). */
export interface McpConnection extends Omit<Catalog, 'forgetTools'> {
  readonly serverId: string;
  readonly config: McpServerConfig;
  /** The current status (also pushed as `status` events). */
  readonly status: () => ServerStatus;
  /** What the server said about itself (and which protocol era it speaks), once connected. */
  readonly serverInfo: () => ServerInfoView | undefined;
  /** Opens the connection (idempotent); keeps it open, reconnecting with backoff, until `disconnect`. */
  readonly connect: () => Promise<ServerInfoView>;
  /** Closes the connection and stops reconnecting. */
  readonly disconnect: () => Promise<void>;
  readonly subscribe: (listener: (event: ConnectionEvent) => void) => () => void;
}

/**
 * Creates the connection for one configured server. Nothing happens on the network until `connect()`.
 */
export function createConnection(config: McpServerConfig, options: ConnectionOptions = {}): McpConnection {
  const now = options.now ?? Date.now;
  const status = createStatusHolder(now);
  const listeners = new Set<(event: ConnectionEvent) => void>();

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

  const hooks: ClientHooks = {
    serverId: config.id,
    now,
    log: (message) => emit({ type: 'log', message }),
    toolsChanged() {
      catalog.forgetTools();
      if (listeners.size === 0) return;
      catalog.listTools().then(
        (list) => emit({ type: 'tools-changed', tools: list }),
        () => undefined,
      );
    },
    resourcesChanged: () => emit({ type: 'resources-changed' }),
    promptsChanged: () => emit({ type: 'prompts-changed' }),
    resourceUpdated: (uri) => emit({ type: 'resource-updated', uri }),
    ...(options.onElicitation !== undefined ? { onElicitation: options.onElicitation } : {}),
  };
  const life = createLifecycle(config, options, status, hooks, () => catalog.forgetTools());
  const catalog = createCatalog(life, options.requestTimeoutMs ?? 60_000);
  const { forgetTools: _forget, ...calls } = catalog;

  return {
    serverId: config.id,
    config,
    status: () => status.get(),
    serverInfo: () => life.current()?.info,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connect: life.connect,
    disconnect: life.disconnect,
    ...calls,
  };
}
