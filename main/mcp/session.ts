/**
 * Opening one MCP session: the SDK client over the right transport, the protocol era (replayed from a remembered
 * verdict, else negotiated with `server/discover` and remembered), the spec's fallback from Streamable HTTP to
 * legacy HTTP+SSE, and stdio. Everything here ends in a `Session` or a typed error within the connect timeout.
 */
import type { ResponseLimits } from './limits.ts';
import type { Client, McpSubscription, PriorDiscovery, Transport } from '@modelcontextprotocol/client';
import type { AuthorizedSession, FetchLike } from './auth.ts';
import { describe, makeClient } from './client.ts';
import type { ClientHooks } from './client.ts';
import type { HttpServerConfig, StdioServerConfig } from './config.ts';
import { isWrongEra, verdictOf } from './era.ts';
import type { EraMemory } from './era.ts';
import { McpConnectionError, isConnectionClosed, networkCodeOf, toMcpError } from './errors.ts';
import { composeTransportFetch, shouldFallBackToSse, sseTransport, stdioTransport, streamableHttpTransport } from './transports.ts';
import { withTimeout } from './timing.ts';
import type { ServerInfoView } from './views.ts';

/** One open session: its client and transport, what the server said, and the connection's bookkeeping. */
export interface Session {
  readonly client: Client;
  readonly transport: Transport;
  readonly info: ServerInfoView;
  /** The session adopted a remembered 2026-07-28 verdict without a round trip; cleared by the first answer. */
  unconfirmed: boolean;
  closed: boolean;
  healthTimer?: ReturnType<typeof setInterval>;
  /** The 2026-07-28 notification stream (`subscriptions/listen`), when one is open. */
  listen?: McpSubscription;
}

/** What opening a session needs from the connection. */
export interface OpenContext {
  readonly hooks: ClientHooks;
  readonly clientInfo: { readonly name: string; readonly version: string };
  readonly connectTimeoutMs: number;
  /** `'auto'` negotiates the era of HTTP servers; `'legacy'` always speaks 2025-11-25. */
  readonly negotiate: 'auto' | 'legacy';
  readonly eras: EraMemory;
  /** Where the server is, safe to show ("host:port" or the command). */
  readonly where: () => string;
  /** The auth seam's session for this server (asked on every attempt), if it needs one. */
  readonly authorize: () => Promise<AuthorizedSession | undefined>;
  readonly baseFetch: FetchLike;
  /** Bounds on each HTTP response (see limits.ts). */
  readonly limits?: ResponseLimits;
  /** The session's client closed on its own (the process died, the stream ended). */
  readonly onClose: (s: Session) => void;
  /** The session's transport reported trouble after the handshake. */
  readonly onError: (s: Session, err: unknown) => void;
}

function isGarbage(err: unknown): boolean {
  return err instanceof SyntaxError || (err instanceof Error && err.name === 'ZodError');
}

/** Connects a fresh client over `transport` (replaying `prior` when given), bounded by the connect timeout. */
async function handshake(
  ctx: OpenContext,
  kind: ServerInfoView['transport'],
  transport: Transport,
  negotiate: 'auto' | 'legacy',
  prior: PriorDiscovery | undefined,
  transportErrors: unknown[],
): Promise<Session> {
  const client = makeClient(ctx.clientInfo, negotiate, ctx.hooks);
  // Output that is not JSON-RPC during the handshake ends it at once, rather than after the whole timeout.
  let notMcp: (err: Error) => void = () => undefined;
  const garbage = new Promise<never>((_resolve, reject) => {
    notMcp = reject;
  });
  client.onerror = (err) => {
    transportErrors.push(err);
    if (isGarbage(err)) notMcp(new McpConnectionError('protocol_error', `${ctx.where()} does not speak MCP. Check the command or URL and its arguments.`, { cause: err }));
  };
  const sessionRef: { s?: Session } = {};
  client.onclose = () => {
    if (sessionRef.s !== undefined) ctx.onClose(sessionRef.s);
  };
  const timeoutMs = ctx.connectTimeoutMs;
  try {
    await Promise.race([
      withTimeout(client.connect(transport, { timeout: timeoutMs, ...(prior !== undefined ? { prior } : {}) }), timeoutMs + 250, () =>
        new McpConnectionError('timeout', `No MCP answer from ${ctx.where()} within ${Math.round(timeoutMs / 1000)} s. Check that the server is running, then retry.`),
      ),
      garbage,
    ]);
  } catch (err) {
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    throw err;
  }
  const s: Session = { client, transport, info: describe(client, transport, kind), unconfirmed: prior?.kind === 'modern', closed: false };
  sessionRef.s = s;
  client.onerror = (err) => ctx.onError(s, err);
  return s;
}

/**
 * Opens an HTTP session. Streamable HTTP replays the remembered era when there is one; a remembered era the server
 * refuses is forgotten and the era negotiated afresh, once. A 4xx to the first POST (other than 401/403) falls back
 * to legacy HTTP+SSE at the same URL, as the spec's backwards-compatibility section says. A challenge the auth seam
 * raised along the way wins over whatever the transport made of it.
 */
export async function openHttpSession(ctx: OpenContext, cfg: HttpServerConfig): Promise<Session> {
  let target: URL;
  try {
    target = new URL(cfg.url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new McpConnectionError('invalid_config', 'The server address is not a valid http(s) URL. Edit the server and fix its URL.');
  }
  const session = await ctx.authorize();
  let challenge: unknown;
  const fetch = composeTransportFetch(
    session?.fetch ?? ctx.baseFetch,
    (err) => {
      challenge = err;
    },
    ctx.limits,
  );
  const errors: unknown[] = [];
  const openSse = (): Promise<Session> => handshake(ctx, 'sse', sseTransport(target, fetch), 'legacy', undefined, errors);
  if (cfg.transport === 'sse') {
    try {
      return await openSse();
    } catch (err) {
      throw challenge ?? err;
    }
  }
  const openStreamable = async (prior: PriorDiscovery | undefined): Promise<Session> => {
    const s = await handshake(ctx, 'streamable-http', streamableHttpTransport(target, fetch), ctx.negotiate, prior, errors);
    if (prior === undefined && ctx.negotiate === 'auto') ctx.eras.remember(verdictOf(s.client, ctx.hooks.now()));
    return s;
  };
  const prior = ctx.negotiate === 'auto' ? await ctx.eras.prior() : undefined;
  /** Whether this attempt negotiated (no verdict to replay, or a stale one): then what it finds is remembered. */
  let negotiated = prior === undefined;
  let failure: unknown;
  try {
    return await openStreamable(prior);
  } catch (err) {
    if (challenge !== undefined) throw challenge;
    failure = err;
  }
  if (prior !== undefined && isWrongEra(failure, prior.kind)) {
    ctx.eras.forget();
    negotiated = true;
    try {
      return await openStreamable(undefined);
    } catch (err) {
      if (challenge !== undefined) throw challenge;
      failure = err;
    }
  }
  if (!shouldFallBackToSse(failure)) throw failure;
  try {
    const s = await openSse();
    if (negotiated && ctx.negotiate === 'auto') ctx.eras.remember({ era: 'legacy', at: ctx.hooks.now() });
    return s;
  } catch {
    if (challenge !== undefined) throw challenge;
    throw failure;
  }
}

/**
 * Opens a stdio session on the 2025-11-25 wire. Stdio stays on `'legacy'` negotiation: `'auto'` would spawn a second,
 * short-lived copy of the server for every connect just to probe it (the SDK cannot probe in place without risking
 * the session process), and local servers gain nothing from the stateless wire.
 */
export async function openStdioSession(ctx: OpenContext, cfg: StdioServerConfig): Promise<Session> {
  const transport = stdioTransport(cfg, ctx.hooks.log, ctx.hooks.now);
  const errors: unknown[] = [];
  try {
    return await handshake(ctx, 'stdio', transport, 'legacy', undefined, errors);
  } catch (err) {
    const net = networkCodeOf(err);
    if (net === 'ENOENT' || net === 'EACCES') {
      throw new McpConnectionError('invalid_config', `Keyport could not start "${cfg.command}" (${net}). Check the command and its path in the server's settings.`, { cause: err });
    }
    if (isConnectionClosed(err)) {
      throw new McpConnectionError('server_unreachable', `"${cfg.command}" exited before it finished starting. Check its output in the log, then reconnect.`, { cause: err });
    }
    const mapped = toMcpError(err, { what: 'Starting the server' });
    if (mapped.code === 'timeout' && errors.some(isGarbage)) {
      throw new McpConnectionError('protocol_error', `"${cfg.command}" does not speak MCP on stdout. Check the command and its arguments.`, { cause: err });
    }
    throw err;
  }
}

/**
 * (Re)opens the 2026-07-28 notification stream of a modern session: list changes the server advertises, plus the
 * resource URIs the user subscribed to. Waits for the server's acknowledgement; a server that refuses only loses
 * the notifications. Legacy sessions get notifications without asking and are left alone.
 */
export async function openListenStream(s: Session, resourceUris: readonly string[], timeoutMs: number, onRemoteClose: (s: Session) => void): Promise<void> {
  if (s.client.getProtocolEra() !== 'modern' || s.closed) return;
  const caps = s.client.getServerCapabilities() ?? {};
  const filter = {
    ...(caps.tools?.listChanged === true ? { toolsListChanged: true } : {}),
    ...(caps.prompts?.listChanged === true ? { promptsListChanged: true } : {}),
    ...(caps.resources?.listChanged === true ? { resourcesListChanged: true } : {}),
    ...(caps.resources?.subscribe === true && resourceUris.length > 0 ? { resourceSubscriptions: [...resourceUris] } : {}),
  };
  const previous = s.listen;
  s.listen = undefined;
  await previous?.close().catch(() => undefined);
  if (Object.keys(filter).length === 0) return;
  try {
    const listen = await s.client.listen(filter, { timeout: timeoutMs });
    if (s.closed) {
      await listen.close().catch(() => undefined);
      return;
    }
    s.listen = listen;
    void listen.closed.then((how) => {
      if (how === 'remote' && s.listen === listen) onRemoteClose(s);
    });
  } catch {
    // notifications are a convenience: the session works without them
  }
}
