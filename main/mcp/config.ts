/**
 * What the connection layer needs to know about a configured server, and the knobs it can be tuned with.
 * The server list on disk (main/config) maps onto these; secrets (stdio env values from the keychain) are
 * resolved by the caller before a config reaches this layer and never leave main.
 */
import type { ResponseLimits } from './limits.ts';
import type { FetchLike, AuthorizedFetchFactory } from './auth.ts';
import type { EraCacheSeam } from './era.ts';
import type { ElicitationRequestView, ElicitationResponseView } from './views.ts';

/** An MCP server over HTTP. `streamable-http` falls back to legacy HTTP+SSE when the first POST gets a 4xx. */
export interface HttpServerConfig {
  readonly id: string;
  readonly transport: 'streamable-http' | 'sse';
  readonly url: string;
}

/** A local MCP server run as a child process (no OAuth, as the MCP authorization spec says for stdio). */
export interface StdioServerConfig {
  readonly id: string;
  readonly transport: 'stdio';
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to a minimal inherited environment (PATH, HOME, …); values may come from the keychain. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** One configured server. */
export type McpServerConfig = HttpServerConfig | StdioServerConfig;

/** Reconnection backoff after a lost connection: delay = min(initial × factor^n, max), ±20 % jitter. */
export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  /** Give up after this many failed attempts in a row (the status stays `error`); `Infinity` retries forever. */
  readonly maxAttempts: number;
}

/** The defaults: quick first retries, then every 30 s, forever (a desktop app waits for the server to come back). */
export const defaultReconnectPolicy: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 30_000, factor: 2, maxAttempts: Infinity };

/** Answers a server's elicitation request; the signal aborts when the server cancels or the connection ends. */
export type ElicitationHandler = (request: ElicitationRequestView, signal: AbortSignal) => Promise<ElicitationResponseView>;

/** Everything a connection is given from outside: side effects and tuning, all optional. */
export interface ConnectionOptions {
  /** The OAuth engine's seam; absent, HTTP servers are reached unauthenticated. */
  readonly authorize?: AuthorizedFetchFactory;
  /** The base fetch for servers that need no auth (defaults to the global fetch). */
  readonly fetch?: FetchLike;
  /** Surfaces `elicitation/create` to the user; absent, Keyport does not declare the elicitation capability. */
  readonly onElicitation?: ElicitationHandler;
  /** How Keyport introduces itself in `initialize`. */
  readonly clientInfo?: { readonly name: string; readonly version: string };
  /** Time allowed for one connection attempt (transport + initialize), default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Default time allowed for a request without progress, default 60 s. */
  readonly requestTimeoutMs?: number;
  /** Ping an idle connection after this long without traffic, to notice a dead server early (default 30 s; 0 = off). */
  readonly healthCheckMs?: number;
  /** Backoff after a lost connection, or `false` to never reconnect on its own. */
  readonly reconnect?: ReconnectPolicy | false;
  /** The clock (status timestamps, durations). */
  readonly now?: () => number;
  /**
   * How an HTTP server's protocol era is chosen: `'auto'` (default) probes with `server/discover` and falls back to
   * `initialize`; `'legacy'` always speaks the 2025-11-25 wire. Stdio servers always use `'legacy'` (see README).
   */
  readonly versionNegotiation?: 'auto' | 'legacy';
  /** Where the era verdict of each HTTP server is remembered between starts (non-secret); absent, only in memory. */
  readonly eraCache?: EraCacheSeam;
  /** Bounds on each HTTP response (one JSON message or SSE event; JSON depth); defaults in main/limits.ts. */
  readonly limits?: ResponseLimits;
}
