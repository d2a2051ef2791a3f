/**
 * The transports a connection can ride on, built from the SDK v2 client package: Streamable HTTP, the legacy
 * HTTP+SSE transport (still shipped by the SDK, for the spec's backwards-compatibility fallback), and stdio. The one
 * place where the HTTP transports' `fetch` is composed lives here too.
 */
import { SSEClientTransport, SdkHttpError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { withChallengeDetection } from './auth.ts';
import type { FetchLike } from './auth.ts';
import type { StdioServerConfig } from './config.ts';
import { deniedChallengeCodes, signInChallengeCodes, stepUpChallengeCodes } from './errors.ts';
import { limitResponses, type ResponseLimits } from './limits.ts';
import type { LogMessageView } from './views.ts';

/** Longest stderr line kept (a process printing megabytes without a newline cannot grow memory). */
const MAX_STDERR_LINE = 4096;

/** Largest JSON-RPC line a stdio server may send (the SDK's read buffer is unbounded by default). */
const MAX_STDIO_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The challenge code of an error the auth seam threw or `withChallengeDetection` raised, if it is one. */
export function challengeCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  if (typeof code !== 'string') return undefined;
  return signInChallengeCodes.includes(code) || stepUpChallengeCodes.includes(code) || deniedChallengeCodes.includes(code) ? code : undefined;
}

/**
 * The SDK hands a transport-wide AbortSignal to every request, and undici hangs an abort listener on it per request
 * that goes only when the request is garbage-collected, so a busy session crosses Node's listener limit
 * (MaxListenersExceededWarning, hundreds of times over 4,000 calls) and holds the listeners meanwhile. Each request
 * gets its own signal that follows the transport's (`AbortSignal.any` links them weakly) and dies with the request.
 */
export function withOwnSignal(init: RequestInit | undefined): RequestInit | undefined {
  const signal = init?.signal;
  return signal ? { ...init, signal: AbortSignal.any([signal]) } : init;
}

/**
 * THE place where an HTTP transport's `fetch` is composed, innermost first:
 *   1. the auth seam (`base`: the engine's authorized fetch, or a plain one) adds the token, refreshes, retries;
 *   2. challenge detection turns a 401/403 that got through into a typed error, which `onChallenge` records;
 *   3. every request gets its own abort signal.
 * Between the seam and challenge detection, every response body is bounded (limits.ts: size of one message or SSE
 * event, JSON depth), so both transports and the era probe get it; anything else that must see every request and
 * response (a wire trace) goes there too.
 */
export function composeTransportFetch(base: FetchLike, onChallenge: (err: unknown) => void, limits?: ResponseLimits): FetchLike {
  const detecting = withChallengeDetection(limitResponses(base, limits));
  return async (url, init) => {
    try {
      return await detecting(url, withOwnSignal(init));
    } catch (err) {
      if (challengeCode(err) !== undefined) onChallenge(err);
      throw err;
    }
  };
}

/** Streamable HTTP at `url`; SSE response streams are resumed (`Last-Event-ID`) a few times before giving up. */
export function streamableHttpTransport(url: URL, fetch: FetchLike): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(url, {
    fetch,
    // redirectPolicy stays the SDK's 'same-origin': a redirect elsewhere must not take the bearer with it.
    reconnectionOptions: { initialReconnectionDelay: 250, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
  });
}

/** The legacy HTTP+SSE transport at `url` (2024-11-05): a GET event stream plus POSTs to the endpoint it names. */
export function sseTransport(url: URL, fetch: FetchLike): SSEClientTransport {
  return new SSEClientTransport(url, { fetch });
}

/** True for the errors after which the spec says to try the legacy HTTP+SSE transport (a 4xx to the first POST). */
export function shouldFallBackToSse(err: unknown): boolean {
  if (!(err instanceof SdkHttpError)) return false;
  const s = err.status;
  return s >= 400 && s < 500 && s !== 401 && s !== 403;
}

/** True when `transport` is Streamable HTTP (its session can be ended with DELETE). */
export function isStreamableHttp(transport: Transport): transport is StreamableHTTPClientTransport {
  return transport instanceof StreamableHTTPClientTransport;
}

/**
 * A stdio transport for `cfg`: the server's environment is the SDK's minimal inherited one plus the configured
 * values; each stderr line becomes a log message (`source: 'stderr'`), bounded in length.
 */
export function stdioTransport(cfg: StdioServerConfig, log: (message: LogMessageView) => void, now: () => number): StdioClientTransport {
  const transport = new StdioClientTransport({
    command: cfg.command,
    args: [...(cfg.args ?? [])],
    env: { ...getDefaultEnvironment(), ...(cfg.env ?? {}) },
    stderr: 'pipe',
    maxBufferSize: MAX_STDIO_MESSAGE_BYTES,
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
  return transport;
}
