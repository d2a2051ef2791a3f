/**
 * A TCP proxy on 127.0.0.1 that puts a server "far away": every chunk is delivered a fixed one-way delay after it
 * arrived, in each direction (default 20 ms, so a request/response round trip costs 40 ms more than on loopback).
 * Benchmarks and tests put the test bed behind it to measure what a user waits for on a real network: round trips on
 * the critical path, and whether independent requests overlap.
 *
 * ```ts
 * startLatencyProxy(options?: LatencyProxyOptions): Promise<LatencyProxy>
 * interface LatencyProxyOptions {
 *   targetPort?: number;          // where to forward (127.0.0.1); may be set later with setTarget()
 *   targetHost?: string;          // default '127.0.0.1'
 *   port?: number;                // listening port, 0 (ephemeral) by default
 *   oneWayDelayMs?: number;       // default 20
 *   handshakeRoundTrips?: number; // default 0; 1 models TCP's handshake: a new connection's first byte arrives one
 *                                 //   round trip later (TLS would be one or two more)
 *   highWaterMark?: number;       // bytes held per direction before the sender is paused, default 1 MiB
 * }
 * interface LatencyProxy {
 *   port: number; origin: string;           // http://127.0.0.1:<port>
 *   oneWayDelayMs: number;                  // current setting
 *   accepted: number; open: number;         // connections accepted so far / open now
 *   setDelay(oneWayDelayMs: number): void;  // for chunks arriving from now on (order is still kept)
 *   setTarget(port: number, host?: string): void;
 *   dropConnections(): Promise<void>;       // ends every open connection, so the next request starts a new one
 *   close(): Promise<void>;                 // stops listening and resets every connection
 * }
 *
 * startProxiedTestBed(options?: ProxiedTestBedOptions): Promise<ProxiedTestBed>
 * // the test bed with the authorization server and the MCP server each behind a proxy; the issuer, the resource
 * // URL and every metadata URL carry the proxies' ports, so every client (and the user agent) goes through them.
 * interface ProxiedTestBedOptions extends TestBedOptions { oneWayDelayMs?: number; handshakeRoundTrips?: number }
 * interface ProxiedTestBed extends TestBed { proxies: { authServer: LatencyProxy; mcpServer: LatencyProxy };
 *                                            setDelay(oneWayDelayMs: number): void }
 * ```
 *
 * Order is kept (a chunk is never delivered before one that arrived earlier), a slow receiver pauses the sender
 * (backpressure), and a half-close (FIN) travels in order, a reset (RST) a one-way delay later, to the other side.
 */
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startAuthServer } from './auth-server.ts';
import { startMcpServer } from './mcp-server.ts';
import type { TestBed, TestBedOptions } from './testbed.ts';

/** Options of {@link startLatencyProxy}. */
export interface LatencyProxyOptions {
  readonly targetPort?: number;
  readonly targetHost?: string;
  readonly port?: number;
  readonly oneWayDelayMs?: number;
  readonly handshakeRoundTrips?: number;
  readonly highWaterMark?: number;
}

/** A running proxy. */
export interface LatencyProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly oneWayDelayMs: number;
  /** Connections accepted since the start. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  setDelay(oneWayDelayMs: number): void;
  setTarget(port: number, host?: string): void;
  /** Ends every open connection (both sides), e.g. so that the next run pays for new connections as a new process would. */
  dropConnections(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Node's timers fire up to a millisecond after their time (the loop's clock is read once per turn), so a chunk is
 * delivered when it is due within this margin: the delay then lands on its setting on average instead of ~1 ms over.
 */
const EARLY_MS = 1;

/** What a direction's queue holds: a chunk, or the sender's end of stream. */
interface Queued {
  readonly due: number;
  readonly chunk: Buffer | 'end';
}

/**
 * One direction of a connection: chunks read from `from` are written to `to` once due, in order. Pauses `from`
 * when more than `highWaterMark` bytes wait, and waits for `to` to drain when its buffer is full.
 */
class DelayedDirection {
  readonly #queue: Queued[] = [];
  #bytes = 0;
  #lastDue = 0;
  #timer: NodeJS.Timeout | undefined;
  #waitingForDrain = false;
  #ended = false;
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #highWaterMark: number;
  readonly #delay: () => number;

  constructor(from: Socket, to: Socket, delay: () => number, highWaterMark: number, notBefore: number) {
    this.#from = from;
    this.#to = to;
    this.#delay = delay;
    this.#highWaterMark = highWaterMark;
    this.#lastDue = notBefore;
    from.on('data', (chunk: Buffer) => this.#push(chunk));
    from.on('end', () => this.end());
  }

  /** Delivers the sender's end of stream after what is queued (once). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#push('end');
  }

  /** Drops whatever is queued (the connection is being torn down). */
  discard(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#bytes = 0;
  }

  #push(chunk: Buffer | 'end'): void {
    // Never earlier than the previous chunk: order holds even when the delay is lowered mid-stream.
    const due = Math.max(performance.now() + this.#delay(), this.#lastDue);
    this.#lastDue = due;
    this.#queue.push({ due, chunk });
    if (chunk !== 'end') {
      this.#bytes += chunk.length;
      if (this.#bytes > this.#highWaterMark) this.#from.pause();
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waitingForDrain) return;
    const next = this.#queue[0];
    if (next === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, Math.max(0, next.due - EARLY_MS - performance.now()));
  }

  #pump(): void {
    const now = performance.now();
    while (!this.#waitingForDrain) {
      const next = this.#queue[0];
      if (next === undefined || next.due > now + EARLY_MS) break;
      this.#queue.shift();
      if (next.chunk === 'end') {
        if (!this.#to.destroyed) this.#to.end();
        continue;
      }
      this.#bytes -= next.chunk.length;
      if (this.#to.destroyed) continue;
      if (!this.#to.write(next.chunk)) {
        this.#waitingForDrain = true;
        this.#to.once('drain', () => {
          this.#waitingForDrain = false;
          this.#pump();
        });
      }
    }
    if (this.#from.isPaused() && this.#bytes <= this.#highWaterMark / 2) this.#from.resume();
    this.#schedule();
  }
}

/** Starts a proxy listening on 127.0.0.1; resolves once it is bound. */
export async function startLatencyProxy(options: LatencyProxyOptions = {}): Promise<LatencyProxy> {
  let delay = options.oneWayDelayMs ?? 20;
  let target: { port: number; host: string } | undefined =
    options.targetPort === undefined ? undefined : { port: options.targetPort, host: options.targetHost ?? '127.0.0.1' };
  const handshakes = options.handshakeRoundTrips ?? 0;
  const highWaterMark = options.highWaterMark ?? 1024 * 1024;
  const open = new Set<{ readonly client: Socket; readonly upstream: Socket; readonly directions: readonly DelayedDirection[] }>();
  let accepted = 0;

  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    accepted += 1;
    if (target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true, noDelay: true });
    // The handshake a real network would make the client wait for, before its first byte can leave.
    const firstByteAt = performance.now() + handshakes * 2 * delay;
    const up = new DelayedDirection(client, upstream, () => delay, highWaterMark, firstByteAt + delay);
    const down = new DelayedDirection(upstream, client, () => delay, highWaterMark, 0);
    const entry = { client, upstream, directions: [up, down] as const };
    open.add(entry);
    // A reset on one side reaches the other one a one-way delay later; a clean close is a FIN, sent in order.
    const onClose = (from: Socket, to: Socket, direction: DelayedDirection) => (hadError: boolean) => {
      if (hadError) {
        direction.discard();
        setTimeout(() => to.resetAndDestroy(), delay).unref();
      } else {
        direction.end();
      }
      if (from === client ? upstream.destroyed : client.destroyed) open.delete(entry);
    };
    client.once('close', onClose(client, upstream, up));
    upstream.once('close', onClose(upstream, client, down));
    // Errors end in 'close' with hadError; listening here keeps them from being thrown.
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const closeAll = async (how: 'end' | 'destroy'): Promise<void> => {
    const closing = [...open].map(
      ({ client, upstream, directions }) =>
        new Promise<void>((resolve) => {
          if (client.destroyed) return resolve();
          client.once('close', () => resolve());
          for (const d of directions) d.discard();
          if (how === 'end') {
            upstream.destroy();
            client.end();
            // A client that never closes its side is cut off.
            setTimeout(() => client.destroy(), 500).unref();
          } else {
            upstream.resetAndDestroy();
            client.resetAndDestroy();
          }
        }),
    );
    await Promise.all(closing);
    open.clear();
  };

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    get oneWayDelayMs() {
      return delay;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    setDelay(oneWayDelayMs) {
      if (!(oneWayDelayMs >= 0)) throw new RangeError('oneWayDelayMs must be 0 or more');
      delay = oneWayDelayMs;
    },
    setTarget(targetPort, host = '127.0.0.1') {
      target = { port: targetPort, host };
    },
    dropConnections: () => closeAll('end'),
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await closeAll('destroy');
      await stopped;
    },
  };
}

/** Options of {@link startProxiedTestBed}: the test bed's, plus the proxies' delay. */
export interface ProxiedTestBedOptions extends TestBedOptions {
  readonly oneWayDelayMs?: number;
  readonly handshakeRoundTrips?: number;
}

/** A test bed whose two servers are reached through latency proxies (URLs, issuer and metadata all say so). */
export interface ProxiedTestBed extends TestBed {
  readonly proxies: { readonly authServer: LatencyProxy; readonly mcpServer: LatencyProxy };
  /** Sets both proxies' one-way delay. */
  setDelay(oneWayDelayMs: number): void;
}

/**
 * Starts both proxies, then the authorization server and the MCP server on internal ports, advertising the proxies'
 * ports, so that whoever follows the URLs (Keyport, the SDK, the user agent) crosses the "network".
 */
export async function startProxiedTestBed(options: ProxiedTestBedOptions = {}): Promise<ProxiedTestBed> {
  const proxyOptions = {
    ...(options.oneWayDelayMs !== undefined && { oneWayDelayMs: options.oneWayDelayMs }),
    ...(options.handshakeRoundTrips !== undefined && { handshakeRoundTrips: options.handshakeRoundTrips }),
  };
  const asProxy = await startLatencyProxy(proxyOptions);
  const mcpProxy = await startLatencyProxy(proxyOptions);
  const cleanup: (() => Promise<void>)[] = [() => asProxy.close(), () => mcpProxy.close()];
  try {
    const authServer = await startAuthServer({ ...options.authServer, advertisedPort: asProxy.port });
    cleanup.push(() => authServer.close());
    asProxy.setTarget(authServer.port);
    const mcpServer = await startMcpServer({ ...options.mcpServer, authServer, advertisedPort: mcpProxy.port });
    cleanup.push(() => mcpServer.close());
    mcpProxy.setTarget(mcpServer.port);
    return {
      authServer,
      mcpServer,
      mcpUrl: mcpServer.url,
      issuer: authServer.issuer,
      proxies: { authServer: asProxy, mcpServer: mcpProxy },
      setDelay(ms) {
        asProxy.setDelay(ms);
        mcpProxy.setDelay(ms);
      },
      close: async () => {
        await Promise.allSettled(cleanup.map((c) => c()));
      },
    };
  } catch (error) {
    await Promise.allSettled(cleanup.map((c) => c()));
    throw error;
  }
}
