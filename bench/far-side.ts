/**
 * The "far side" of a benchmark: the test bed's authorization server and N protected MCP servers, each behind a
 * latency proxy (test/servers/latency-proxy.ts), in a child process (bench/far-side-host.ts). Everything a client
 * or the user agent reaches is a proxy's URL: the issuer, the MCP URLs and every metadata URL carry the proxies'
 * ports. The servers' CPU then runs on the other core, not on the event loop being measured, and their memory is
 * not the client's.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What the child is started with. */
export interface FarSideSettings {
  /** How many MCP servers (each its own origin, resource and proxy). */
  readonly servers: number;
  readonly oneWayDelayMs: number;
  /** 1 makes every new connection cost a round trip before its first byte (TCP's handshake); default 0. */
  readonly handshakeRoundTrips?: number;
  readonly accessTokenTtl?: number;
}

/** What the servers saw since the last `clearLogs()`. */
export interface FarSideCounts {
  /** Every request that reached the authorization server (metadata, registration, login pages, token, …). */
  readonly authServer: number;
  readonly registrations: number;
  readonly tokenRequests: number;
  /** Requests for protected-resource metadata (RFC 9728) at the MCP servers. */
  readonly wellKnown: number;
  /** Every request that reached an MCP server. */
  readonly mcp: number;
  /** Connections the proxies accepted since the start. */
  readonly connectionsAccepted: number;
  /** CPU time the far side's process has used since it started (user + system), in ms. */
  readonly cpuMs: number;
}

/** A request to the child (the IPC protocol between the two files). */
export type FarSideRequest =
  | { readonly op: 'counts' | 'clearLogs' | 'dropConnections' | 'close' }
  | { readonly op: 'setDelay'; readonly oneWayDelayMs: number };

/** A running far side. */
export interface FarSide {
  readonly issuer: string;
  /** The MCP servers' URLs (= their resource identifiers), through the proxies. */
  readonly mcpUrls: readonly string[];
  counts(): Promise<FarSideCounts>;
  clearLogs(): Promise<void>;
  setDelay(oneWayDelayMs: number): Promise<void>;
  /** Ends every proxied connection, so the next start opens new ones, as a freshly started app would. */
  dropConnections(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the child and waits until every server listens (at most `timeoutMs`). */
export async function startFarSide(settings: FarSideSettings, timeoutMs = 60_000): Promise<FarSide> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./far-side-host.ts', import.meta.url)), [JSON.stringify(settings)], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;

  const ready = await new Promise<{ issuer: string; mcpUrls: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the far side did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the far side exited with code ${code} before it was ready`));
    });
    child.on('message', (message: { ready?: { issuer: string; mcpUrls: string[] }; failed?: string }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message.ready);
      } else if (message.failed !== undefined) {
        clearTimeout(timer);
        reject(new Error(`the far side failed to start: ${message.failed}`));
      }
    });
  });
  child.on('message', (message: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
    if (message.id === undefined) return;
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.ok) entry?.resolve(message.result);
    else entry?.reject(new Error(`far side: ${message.error}`));
  });
  child.once('exit', (code) => {
    exited = true;
    for (const entry of waiting.values()) entry.reject(new Error(`the far side exited (code ${code})`));
    waiting.clear();
  });

  const call = <T>(request: FarSideRequest): Promise<T> => {
    if (exited) return Promise.reject(new Error('the far side has exited'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...request, id });
    });
  };

  return {
    issuer: ready.issuer,
    mcpUrls: ready.mcpUrls,
    counts: () => call<FarSideCounts>({ op: 'counts' }),
    clearLogs: () => call<void>({ op: 'clearLogs' }),
    setDelay: (oneWayDelayMs) => call<void>({ op: 'setDelay', oneWayDelayMs }),
    dropConnections: () => call<void>({ op: 'dropConnections' }),
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call<void>({ op: 'close' }).catch(() => undefined);
      child.disconnect();
      const timer = setTimeout(() => child.kill(), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
