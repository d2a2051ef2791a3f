/** Waiting for a connection's events in a test: the next one of a kind, or every one of a kind as it comes. */
import type { ConnectionEvent, McpConnection } from '../../../main/mcp/connection.ts';

type EventOf<T extends ConnectionEvent['type']> = Extract<ConnectionEvent, { type: T }>;

/** Resolves with the next event of `type` the connection emits. */
export function nextEvent<T extends ConnectionEvent['type']>(conn: McpConnection, type: T): Promise<EventOf<T>> {
  return new Promise((resolve) => {
    const off = conn.subscribe((e) => {
      if (e.type === type) {
        off();
        resolve(e as EventOf<T>);
      }
    });
  });
}

/** Collects every `resource-updated` URI until the returned `stop` is called. */
export function collectUpdates(conn: McpConnection): { readonly uris: string[]; readonly stop: () => void } {
  const uris: string[] = [];
  const stop = conn.subscribe((e) => {
    if (e.type === 'resource-updated') uris.push(e.uri);
  });
  return { uris, stop };
}
