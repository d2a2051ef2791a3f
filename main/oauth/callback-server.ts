/**
 * The loopback redirect receiver (RFC 8252 §7.3, §8.3): `http://127.0.0.1:<port>/callback` by default, bound to a
 * loopback address only, one path, GET only, single use. Any local process (or a web page) can reach it, so nothing it
 * receives is trusted or echoed: a request that is not this sign-in's response is refused *for that request* (400,
 * fixed page, a reason recorded) and the login keeps waiting; only a response carrying the right `state` decides the
 * outcome. Every resource is bounded (connections, header bytes, time per request, refusal records). The same checks
 * apply to a redirected address the user pastes back (issue 13). Each login gets its own receiver.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describeCallbackRefusal, judgeCallbackParameters, MAX_RESPONSE_PARAMETERS } from './authorization-response.ts';
import type { CallbackExpectations, CallbackRefusalReason } from './authorization-response.ts';
import { OAuthError } from './errors.ts';

export { checkCallbackParameters, describeCallbackRefusal, judgeCallbackParameters } from './authorization-response.ts';
export type { CallbackExpectations, CallbackRefusalReason } from './authorization-response.ts';

/** The default path of the redirect URI. */
export const CALLBACK_PATH = '/callback';

/** Default time a user has to finish signing in. */
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;

/**
 * The receiver's bounds (README "security model"): a flood from local processes costs at most this much, and the
 * real browser still gets through because the oldest connection is dropped to make room for a new one.
 */
export const CALLBACK_LIMITS = {
  /** Open connections at once; the oldest is closed when a new one would exceed it. */
  maxConnections: 64,
  /** Request line plus headers (Node's `maxHeaderSize`); larger requests get 431. */
  maxHeaderBytes: 8 * 1024,
  /** Time to receive the request line and headers (slow senders are cut). */
  headersTimeoutMs: 3_000,
  /** Time to receive a whole request. */
  requestTimeoutMs: 5_000,
  /** An idle connection (no bytes either way) is closed after this. */
  idleTimeoutMs: 5_000,
  /** How often Node checks the two timeouts above. */
  checkIntervalMs: 500,
  /** Query parameters in one response. */
  maxParameters: MAX_RESPONSE_PARAMETERS,
  /** Characters of a pasted address. */
  maxPastedLength: 8 * 1024,
  /** Refusals kept in detail (older ones are only counted). */
  maxRefusalsKept: 32,
} as const;

/** The hosts a redirect URI may name (issue 12): `localhost` binds 127.0.0.1, `[::1]` binds ::1. */
export type CallbackHost = '127.0.0.1' | 'localhost' | '[::1]';

/** One refusal, for the flow trace. */
export interface CallbackRefusal {
  readonly reason: CallbackRefusalReason;
  /** A request to the listener, or an address pasted through {@link CallbackServer.submitPasted}. */
  readonly source: 'browser' | 'paste';
  readonly at: number;
}

/** Refusals so far: a count per reason plus the latest few in order. */
export interface CallbackRefusalSummary {
  readonly total: number;
  readonly byReason: Readonly<Partial<Record<CallbackRefusalReason, number>>>;
  readonly recent: readonly CallbackRefusal[];
}

/** The answer to a pasted address. */
export interface PastedAddressResult {
  readonly accepted: boolean;
  readonly reason?: CallbackRefusalReason;
  /** What to tell the user (fixed text; never contains the pasted address). */
  readonly message?: string;
}

/** A running loopback receiver. */
export interface CallbackServer {
  readonly redirectUri: string;
  readonly port: number;
  /** Resolves with the response's query once one with the right state passed every check; rejects on timeout or cancel. */
  readonly result: Promise<URLSearchParams>;
  /** Sets what the callback is checked against (call before opening the browser). */
  expect(expectations: CallbackExpectations): void;
  /** Checks a redirected address the user pasted back exactly like a callback; the first accepted response wins. */
  submitPasted(address: string): PastedAddressResult;
  /** Where the accepted response came from (undefined while waiting or after a timeout or cancel). */
  completedBy(): 'browser' | 'paste' | undefined;
  /** The refusals so far (bounded). */
  refusals(): CallbackRefusalSummary;
  /** Stops waiting (code `cancelled`) and closes the socket. */
  cancel(): void;
  close(): Promise<void>;
}

/** Options for {@link startCallbackServer}. */
export interface CallbackServerOptions {
  /** Pin a port (from the server's settings); ephemeral otherwise. */
  readonly port?: number;
  /** The redirect URI's host; default `127.0.0.1`. */
  readonly host?: CallbackHost;
  /** The redirect URI's path (a plain absolute path); default {@link CALLBACK_PATH}. */
  readonly path?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Told about every refused request or pasted address (reasons only), so the flow trace can show them. */
  readonly onRefused?: (refusal: CallbackRefusal) => void;
  readonly now?: () => number;
}

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}';

function page(title: string, text: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Keyport</title><style>${PAGE_STYLE}</style></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

/** The fixed success page: shown only for the response Keyport accepted. */
export const SUCCESS_PAGE = page('Signed in', 'You can close this tab and return to Keyport.');

/** The fixed page for the authorization server's own error response (never contains any text from the request). */
export const FAILURE_PAGE = page('Sign-in did not complete', 'Return to Keyport for details and try again.');

/** The fixed page for a response Keyport refused (wrong state, repeated parameter…): says what Keyport did. */
export const REFUSED_PAGE = page(
  'Sign-in not completed',
  'Keyport refused this response because it does not match the sign-in Keyport is waiting for. Nothing was signed in. Finish signing in from the page Keyport opened, or start again from Keyport.',
);

/** The fixed page for anything that is not a request for the redirect URI. */
export const NOT_FOUND_PAGE = page('Not found', 'This address is not part of a Keyport sign-in.');

/** A request target Keyport serves: an origin-form path (RFC 9112 §3.2.1) and its query, else undefined. */
function splitTarget(target: string | undefined): { readonly path: string; readonly query: string } | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path)) return undefined;
  return { path, query: q === -1 ? '' : target.slice(q + 1) };
}

function checkPath(path: string): string {
  if (!path.startsWith('/') || path.startsWith('//') || splitTarget(path)?.path !== path || path.includes('%')) {
    throw new OAuthError('local_failure', 'The callback path must be a plain absolute path such as /callback. Fix it in the server settings.');
  }
  return path;
}

const BIND_ADDRESS: Readonly<Record<CallbackHost, string>> = { '127.0.0.1': '127.0.0.1', localhost: '127.0.0.1', '[::1]': '::1' };

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** Starts a loopback receiver (127.0.0.1 unless `host` says otherwise). */
export async function startCallbackServer(options: CallbackServerOptions = {}): Promise<CallbackServer> {
  const now = options.now ?? Date.now;
  const host: CallbackHost = options.host ?? '127.0.0.1';
  if (!Object.hasOwn(BIND_ADDRESS, host)) {
    throw new OAuthError('local_failure', 'The callback host must be 127.0.0.1, localhost or [::1]. Fix it in the server settings.');
  }
  const path = checkPath(options.path ?? CALLBACK_PATH);
  let expectations: CallbackExpectations | undefined;
  let settled = false;
  let completedBy: 'browser' | 'paste' | undefined;
  let resolveResult!: (p: URLSearchParams) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<URLSearchParams>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  result.catch(() => undefined);

  let total = 0;
  const byReason: Partial<Record<CallbackRefusalReason, number>> = {};
  const recent: CallbackRefusal[] = [];
  function refuse(reason: CallbackRefusalReason, source: 'browser' | 'paste'): CallbackRefusalReason {
    const refusal: CallbackRefusal = { reason, source, at: now() };
    total += 1;
    byReason[reason] = (byReason[reason] ?? 0) + 1;
    recent.push(refusal);
    if (recent.length > CALLBACK_LIMITS.maxRefusalsKept) recent.shift();
    try {
      options.onRefused?.(refusal);
    } catch {
      // A listener's failure must not reach the socket.
    }
    return reason;
  }

  /** Judges a response's query for this sign-in; accepts it (settling the login) or returns the refusal reason. */
  function consider(query: URLSearchParams, source: 'browser' | 'paste'): CallbackRefusalReason | undefined {
    if (settled) return refuse('already-completed', source);
    if (!expectations) return refuse('not-ready', source);
    const reason = judgeCallbackParameters(query, expectations);
    if (reason !== undefined) return refuse(reason, source);
    settled = true;
    completedBy = source;
    resolveResult(query);
    return undefined;
  }

  const sockets = new Set<Socket>();
  let finalSocket: Socket | undefined;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: string, final = false): void => {
      // Stray requests get `Connection: close`; the accepted one does not (a `Connection: close` response costs the
      // browser a socket teardown before it shows the page): the listener closes once that response is done.
      res.writeHead(status, { ...HEADERS, ...(final ? {} : { connection: 'close' }), ...(status === 405 ? { allow: 'GET' } : {}) });
      if (final) {
        finalSocket = req.socket;
        res.once('close', () => void close());
      }
      res.end(body);
    };
    const target = splitTarget(req.url);
    if (target === undefined) {
      refuse('malformed-request', 'browser');
      return send(400, NOT_FOUND_PAGE);
    }
    if (target.path !== path) {
      // A browser asks for its tab icon on its own; that is not a refusal worth recording.
      if (target.path !== '/favicon.ico') refuse('not-found', 'browser');
      return send(404, NOT_FOUND_PAGE);
    }
    if (req.method !== 'GET') {
      refuse('method-not-allowed', 'browser');
      return send(405, NOT_FOUND_PAGE);
    }
    const query = new URLSearchParams(target.query);
    if (consider(query, 'browser') !== undefined) return send(400, REFUSED_PAGE);
    const error = query.get('error') !== null;
    send(error ? 400 : 200, error ? FAILURE_PAGE : SUCCESS_PAGE, true);
  }

  const server: Server = createServer(
    {
      maxHeaderSize: CALLBACK_LIMITS.maxHeaderBytes,
      headersTimeout: CALLBACK_LIMITS.headersTimeoutMs,
      requestTimeout: CALLBACK_LIMITS.requestTimeoutMs,
      connectionsCheckingInterval: CALLBACK_LIMITS.checkIntervalMs,
      keepAliveTimeout: 1_000,
    },
    (req, res) => {
      try {
        handle(req, res);
      } catch {
        // Nothing a client sends may end the login: answer what can still be answered and drop the connection.
        if (!res.headersSent) res.writeHead(400, { ...HEADERS, connection: 'close' }).end(NOT_FOUND_PAGE);
        else req.socket.destroy();
      }
    },
  );
  server.timeout = CALLBACK_LIMITS.idleTimeoutMs;
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => undefined);
    if (sockets.size >= CALLBACK_LIMITS.maxConnections) {
      // Make room by dropping the oldest connection: a flood of idle sockets cannot keep the browser out.
      for (const old of sockets) {
        if (old === finalSocket) continue;
        old.destroy();
        sockets.delete(old);
        break;
      }
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? '';
    // A connection that sent nothing and timed out, or was reset, is not a request.
    if (code === 'HPE_HEADER_OVERFLOW') refuse('request-too-large', 'browser');
    else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      if (socket.bytesRead > 0) refuse('request-timeout', 'browser');
    } else if (code.startsWith('HPE_')) refuse('malformed-request', 'browser');
    if (socket.writable && code.startsWith('HPE_')) {
      const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.write(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  const bindAddress = BIND_ADDRESS[host];
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new OAuthError('callback_port_in_use', `Port ${options.port} on ${host} is in use, so Keyport cannot receive the sign-in. Close the program using it or choose another callback port.`));
      } else {
        reject(new OAuthError('local_failure', `Keyport could not listen on ${host} for the sign-in response (${err.code ?? 'error'}). Choose another callback host or port in the server settings.`));
      }
    });
    server.listen(options.port ?? 0, bindAddress, () => resolve());
  });
  server.on('error', () => undefined);
  const port = (server.address() as AddressInfo).port;
  const redirectUri = `http://${host}:${port}${path}`;

  const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    const last = recent.at(-1);
    const refused = last === undefined ? '' : ` Keyport refused ${total} response${total === 1 ? '' : 's'} that did not belong to this sign-in (the last: ${describeCallbackRefusal(last.reason)}).`;
    rejectResult(new OAuthError('login_timeout', `The sign-in was not completed within ${Math.round(timeoutMs / 1000)} seconds.${refused} Start it again when you are ready.`));
    finish();
  }, timeoutMs);
  timer.unref?.();

  const onAbort = (): void => cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      server.close(() => resolve());
      for (const socket of sockets) {
        if (socket === finalSocket) socket.end();
        else socket.destroy();
      }
    });
    return closed;
  }
  function finish(): void {
    // Let the response flush, then close the listener.
    setImmediate(() => void close());
  }
  function cancel(): void {
    if (settled) return;
    settled = true;
    rejectResult(new OAuthError('cancelled', 'The sign-in was cancelled. Start it again when you are ready.'));
    finish();
  }
  if (options.signal?.aborted) cancel();

  function submitPasted(address: string): PastedAddressResult {
    const refused = (reason: CallbackRefusalReason): PastedAddressResult => ({
      accepted: false,
      reason,
      message: `Keyport refused the pasted address: ${describeCallbackRefusal(reason)}. Paste the whole address your browser ended on, or wait for the browser.`,
    });
    if (typeof address !== 'string' || address.length > CALLBACK_LIMITS.maxPastedLength) return refused(refuse('not-this-redirect-uri', 'paste'));
    let text = address.trim();
    // Address bars that hide the scheme: accept "127.0.0.1:PORT/callback?…" as the http: address it stands for.
    if (text.startsWith(`${host}:${port}/`)) text = `http://${text}`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return refused(refuse('not-this-redirect-uri', 'paste'));
    }
    if (url.protocol !== 'http:' || url.username !== '' || url.password !== '' || url.hostname !== host || url.port !== (port === 80 ? '' : String(port)) || url.pathname !== path) {
      return refused(refuse('not-this-redirect-uri', 'paste'));
    }
    const reason = consider(url.searchParams, 'paste');
    if (reason !== undefined) return refused(reason);
    finish();
    return { accepted: true };
  }

  return {
    redirectUri,
    port,
    result,
    expect(e) {
      expectations = e;
    },
    submitPasted,
    completedBy: () => completedBy,
    refusals: () => ({ total, byReason: { ...byReason }, recent: [...recent] }),
    cancel,
    close,
  };
}
