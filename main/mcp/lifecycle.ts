/**
 * The life of one server's connection: connect and disconnect, the auth seam's events, noticing a lost session
 * (network failure, a restarted server, a dead process, an idle connection that stopped answering pings),
 * reconnecting with backoff, and running each request on the live session, sent again when that is safe.
 */
import { SdkHttpError, SseError } from '@modelcontextprotocol/client';
import type { ServerStatus } from '../../preload/contract.ts';
import type { AuthEvent, AuthorizedSession, FetchLike } from './auth.ts';
import type { ClientHooks } from './client.ts';
import type { ConnectionOptions, McpServerConfig, ReconnectPolicy } from './config.ts';
import { defaultReconnectPolicy } from './config.ts';
import { createEraMemory, isWrongEra } from './era.ts';
import { McpConnectionError, hostOf, isLostError, isNotDelivered, isSessionLost, isTransient, networkCodeOf, toMcpError } from './errors.ts';
import type { ErrorContext } from './errors.ts';
import { openHttpSession, openListenStream, openStdioSession } from './session.ts';
import type { OpenContext, Session } from './session.ts';
import type { StatusHolder } from './status.ts';
import { delay, nextDelay, withTimeout } from './timing.ts';
import { challengeCode, isStreamableHttp } from './transports.ts';
import type { ServerInfoView } from './views.ts';

/** What the catalog calls run on. */
export interface Lifecycle {
  readonly where: () => string;
  readonly current: () => Session | undefined;
  /** The live session, waiting for a connection attempt in flight; throws `not_connected` otherwise. */
  readonly ready: () => Promise<Session>;
  /**
   * Runs `fn` on the live session. When the session turns out to be gone, reconnects; the request is sent again
   * when that is safe: always for reads (`idempotent`), and for tool calls only when they provably never ran.
   */
  readonly run: <T>(ctx: ErrorContext, idempotent: boolean, signal: AbortSignal | undefined, fn: (s: Session) => Promise<T>) => Promise<T>;
  readonly connect: () => Promise<ServerInfoView>;
  readonly disconnect: () => Promise<void>;
  /** Resource URIs subscribed to; renewed on every new session until unsubscribed. */
  readonly resourceSubscriptions: Set<string>;
  /** Re-opens the 2026-07-28 notification stream with the current subscriptions (no-op on the legacy wire). */
  readonly refreshListen: (s: Session) => Promise<void>;
}

/** Creates the lifecycle of one configured server; `status` is the connection's status holder. */
export function createLifecycle(
  config: McpServerConfig,
  options: ConnectionOptions,
  status: StatusHolder,
  hooks: ClientHooks,
  onInstall: (s: Session) => void,
): Lifecycle {
  const serverId = config.id;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const healthCheckMs = options.healthCheckMs ?? 30_000;
  const policy: ReconnectPolicy | false = options.reconnect ?? defaultReconnectPolicy;
  const url = config.transport === 'stdio' ? undefined : config.url;
  const eras = createEraMemory(url ?? '', url !== undefined ? options.eraCache : undefined, hooks.now);
  const resourceSubscriptions = new Set<string>();

  let wanted = false;
  let current: Session | undefined;
  /** The connection attempt in flight, if any (first connect or one reconnect attempt). */
  let attempt: Promise<Session> | undefined;
  /** The reconnect loop, if running. */
  let loop: Promise<void> | undefined;
  let loopAbort = new AbortController();
  let lastError: McpConnectionError | undefined;
  let probing = false;
  let lastActivity = 0;
  /** The auth session whose events drive the status, kept across attempts so a failed connect still hears "signed in". */
  let authFollow: { readonly session: AuthorizedSession; readonly unsubscribe: () => void } | undefined;

  const where = (): string => (config.transport === 'stdio' ? `"${config.command}"` : hostOf(config.url));

  function fail(err: unknown, ctx: ErrorContext): McpConnectionError {
    const e = toMcpError(err, { ...(url !== undefined ? { url } : {}), ...ctx });
    if (e.code === 'needs_sign_in' || e.code === 'insufficient_scope' || e.code === 'access_denied') status.dispatch({ type: 'fail', error: e });
    return e;
  }

  function followAuth(session: AuthorizedSession | undefined): void {
    if (authFollow?.session === session) return;
    authFollow?.unsubscribe();
    authFollow = undefined;
    if (session?.subscribe === undefined) return;
    authFollow = { session, unsubscribe: session.subscribe(onAuthEvent) };
  }

  function onAuthEvent(event: AuthEvent): void {
    if (!wanted) return;
    status.dispatch({ type: 'auth', event });
    if (event.type === 'signed-in' && wanted) {
      if (current !== undefined) status.dispatch({ type: 'open' });
      else startLoop(0);
    }
  }

  const openContext: OpenContext = {
    hooks,
    clientInfo: options.clientInfo ?? { name: 'Keyport', version: '0.1.0' },
    connectTimeoutMs,
    negotiate: options.versionNegotiation ?? 'auto',
    eras,
    where,
    baseFetch: options.fetch ?? ((input, init) => fetch(input, init)) satisfies FetchLike,
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    async authorize() {
      const authorize = options.authorize;
      if (authorize === undefined || url === undefined) return undefined;
      const session = await withTimeout(Promise.resolve(authorize({ serverId, url })), connectTimeoutMs, () =>
        new McpConnectionError('timeout', `Keyport's sign-in component did not answer within ${Math.round(connectTimeoutMs / 1000)} s. Try again.`),
      );
      followAuth(session);
      return session;
    },
    onClose: (s) => onLost(s),
    onError: (s, err) => onTransportError(s, err),
  };

  function install(s: Session): void {
    current = s;
    lastError = undefined;
    lastActivity = performance.now();
    onInstall(s);
    status.dispatch({ type: 'open' });
    if (healthCheckMs > 0) {
      // An idle connection without a server→client stream would otherwise learn of a dead server only on the next
      // request: ping it when nothing else has been heard for a while.
      s.healthTimer = setInterval(() => {
        if (current === s && performance.now() - lastActivity >= healthCheckMs) void probe(s);
      }, healthCheckMs);
      s.healthTimer.unref?.();
    }
    if (s.client.getProtocolEra() === 'modern') {
      // A replayed verdict is proven by the first answer (run → confirm) before anything runs in the background.
      if (!s.unconfirmed) void openListen(s);
    } else if (resourceSubscriptions.size > 0 && s.info.capabilities.resources) {
      for (const uri of resourceSubscriptions) s.client.subscribeResource({ uri }, { timeout: requestTimeoutMs }).catch(() => undefined);
    }
  }

  /** Opens the 2026-07-28 notification stream; one the server drops is re-opened if it had lived a while. */
  function openListen(s: Session): Promise<void> {
    const opened = performance.now();
    return openListenStream(s, [...resourceSubscriptions], requestTimeoutMs, (x) => {
      void probe(x).then(() => {
        if (current === x && !x.closed && performance.now() - opened > 5000) void openListen(x);
      });
    });
  }

  /** The server answered on a session opened from a remembered verdict: the verdict holds. */
  function confirm(s: Session): void {
    if (!s.unconfirmed) return;
    s.unconfirmed = false;
    if (current === s && s.client.getProtocolEra() === 'modern') void openListen(s);
  }

  async function closeSession(s: Session): Promise<void> {
    s.closed = true;
    if (s.healthTimer !== undefined) clearInterval(s.healthTimer);
    const listen = s.listen;
    s.listen = undefined;
    s.client.onclose = undefined;
    s.client.onerror = undefined;
    await listen?.close().catch(() => undefined);
    await s.client.close().catch(() => undefined);
  }

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
    if (challengeCode(err) !== undefined) {
      fail(err, {});
      return;
    }
    // A replayed verdict the server refuses: the request that met it renegotiates (run), no need to probe.
    if (s.unconfirmed && isWrongEra(err, 'modern')) return;
    if (s.info.transport === 'sse' && err instanceof SseError) {
      // Legacy HTTP+SSE: the session *is* the event stream; once it drops, the server has forgotten us.
      onLost(s);
      return;
    }
    const message = err instanceof Error ? err.message : '';
    const suspicious =
      networkCodeOf(err) !== undefined ||
      err instanceof SdkHttpError ||
      err instanceof SseError ||
      /Maximum reconnection attempts|Failed to reconnect SSE stream|SSE stream disconnected|Failed to open SSE stream/.test(message);
    if (suspicious) void probe(s);
  }

  /** Checks a session that reported trouble with a ping; a failed ping means the session is gone. */
  async function probe(s: Session): Promise<void> {
    if (probing) return;
    probing = true;
    try {
      await s.client.ping({ timeout: Math.min(5000, connectTimeoutMs) });
      lastActivity = performance.now();
      confirm(s);
    } catch (err) {
      if (challengeCode(err) !== undefined) fail(err, {});
      else if (current === s) {
        // A remembered verdict the server refuses must not be replayed by the reconnect that follows.
        if (s.unconfirmed && isWrongEra(err, 'modern')) eras.forget();
        onLost(s);
      }
    } finally {
      probing = false;
    }
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
          if (!wanted || signal.aborted) await closeSession(s);
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
          status.dispatch({ type: 'fail', error: new McpConnectionError(e.code, `${e.message} Next attempt in ${Math.max(1, Math.round(wait / 1000))} s.`) });
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
        const s = config.transport === 'stdio' ? await openStdioSession(openContext, config) : await openHttpSession(openContext, config);
        if (wanted) install(s);
        return s;
      } finally {
        attempt = undefined;
      }
    })();
    return attempt;
  }

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

  /** A session opened on a remembered 2026-07-28 verdict that the server refuses: forget it, negotiate, once. */
  async function renegotiate(s: Session): Promise<Session> {
    eras.forget();
    s.unconfirmed = false;
    s.closed = true;
    if (current === s) current = undefined;
    await closeSession(s);
    return runAttempt();
  }

  async function run<T>(ctx: ErrorContext, idempotent: boolean, signal: AbortSignal | undefined, fn: (s: Session) => Promise<T>): Promise<T> {
    const s = current ?? (await ready());
    try {
      const r = await fn(s);
      confirm(s);
      lastActivity = performance.now();
      const st: ServerStatus['state'] = status.get().state;
      if (st === 'step-up-needed' || st === 'error') status.dispatch({ type: 'request-ok' });
      return r;
    } catch (err) {
      if (signal?.aborted === true) throw fail(err, { ...ctx, cancelled: true });
      if (s.unconfirmed && wanted && challengeCode(err) === undefined && isWrongEra(err, 'modern')) {
        return once(() => renegotiate(s), fn, ctx);
      }
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
        return once(async () => current ?? (policy === false ? runAttempt() : ready()), fn, ctx);
      }
      throw fail(err, ctx);
    }
  }

  /** Sends a request once more, on the session `reopen` yields; any failure now is final. */
  async function once<T>(reopen: () => Promise<Session>, fn: (s: Session) => Promise<T>, ctx: ErrorContext): Promise<T> {
    let s2: Session;
    try {
      s2 = await reopen();
    } catch (e) {
      throw fail(e, ctx);
    }
    try {
      return await fn(s2);
    } catch (err2) {
      throw fail(err2, ctx);
    }
  }

  return {
    where,
    current: () => current,
    ready,
    run,
    resourceSubscriptions,
    refreshListen: openListen,
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
        // Streamable HTTP on the 2025 wire: tell the server the session is over (spec: clients SHOULD send DELETE).
        const t = s.transport;
        if (isStreamableHttp(t) && t.sessionId !== undefined && !s.closed) {
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
      await withTimeout(eras.settled(), 1000, () => new Error('timeout')).catch(() => undefined);
      status.dispatch({ type: 'disconnect' });
    },
  };
}
