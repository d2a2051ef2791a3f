/**
 * The connection manager: one {@link McpConnection} per configured server, keyed by server id, with one event
 * stream for all of them. The IPC layer and the CLI hold a manager and never a bare SDK client.
 */
import type { ServerStatus } from '../../preload/contract.ts';
import type { ConnectionOptions, McpServerConfig } from './config.ts';
import { createConnection } from './connection.ts';
import type { ConnectionEvent, McpConnection } from './connection.ts';
import { McpConnectionError } from './errors.ts';
import type { ServerInfoView } from './views.ts';

/** A connection event tagged with the server it came from. */
export type ManagerEvent = ConnectionEvent & { readonly serverId: string };

/** Connections by server id. */
export interface ConnectionManager {
  /** Registers a server (replacing, and disconnecting, any previous one with the same id). Does not connect. */
  readonly add: (config: McpServerConfig) => McpConnection;
  /** Disconnects and forgets a server; false when it was not registered. */
  readonly remove: (serverId: string) => Promise<boolean>;
  readonly get: (serverId: string) => McpConnection | undefined;
  /** Like `get`, but throws `not_found` for an unknown id (what IPC handlers want). */
  readonly require: (serverId: string) => McpConnection;
  readonly ids: () => readonly string[];
  readonly connect: (serverId: string) => Promise<ServerInfoView>;
  readonly disconnect: (serverId: string) => Promise<void>;
  readonly status: (serverId: string) => ServerStatus;
  /** Every server's status, for a first render. */
  readonly statuses: () => Readonly<Record<string, ServerStatus>>;
  /** Events of every connection, tagged with `serverId`. */
  readonly subscribe: (listener: (event: ManagerEvent) => void) => () => void;
  /** Disconnects everything (app shutdown). */
  readonly closeAll: () => Promise<void>;
}

/** Options of the manager: the connection options every connection shares, and the servers to start with. */
export interface ConnectionManagerOptions extends ConnectionOptions {
  readonly servers?: readonly McpServerConfig[];
}

/** Creates a {@link ConnectionManager}. Nothing connects until `connect(id)`. */
export function createConnectionManager(options: ConnectionManagerOptions = {}): ConnectionManager {
  const { servers = [], ...connectionOptions } = options;
  const connections = new Map<string, { readonly connection: McpConnection; readonly unsubscribe: () => void }>();
  const listeners = new Set<(event: ManagerEvent) => void>();

  function emit(event: ManagerEvent): void {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch {
        // a listener's failure must not break the others
      }
    }
  }

  function require(serverId: string): McpConnection {
    const entry = connections.get(serverId);
    if (entry === undefined) throw new McpConnectionError('not_found', `There is no server "${serverId}". Add it first.`);
    return entry.connection;
  }

  const manager: ConnectionManager = {
    add(config) {
      const previous = connections.get(config.id);
      if (previous !== undefined) {
        previous.unsubscribe();
        void previous.connection.disconnect();
      }
      const connection = createConnection(config, connectionOptions);
      const unsubscribe = connection.subscribe((event) => emit({ ...event, serverId: config.id }));
      connections.set(config.id, { connection, unsubscribe });
      return connection;
    },
    async remove(serverId) {
      const entry = connections.get(serverId);
      if (entry === undefined) return false;
      connections.delete(serverId);
      await entry.connection.disconnect();
      entry.unsubscribe();
      emit({ type: 'status', status: { state: 'disconnected' }, serverId });
      return true;
    },
    get: (serverId) => connections.get(serverId)?.connection,
    require,
    ids: () => [...connections.keys()],
    connect: (serverId) => require(serverId).connect(),
    disconnect: (serverId) => require(serverId).disconnect(),
    status: (serverId) => require(serverId).status(),
    statuses() {
      const out: Record<string, ServerStatus> = {};
      for (const [id, { connection }] of connections) out[id] = connection.status();
      return out;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async closeAll() {
      await Promise.all([...connections.values()].map(({ connection }) => connection.disconnect().catch(() => undefined)));
    },
  };
  for (const config of servers) manager.add(config);
  return manager;
}
