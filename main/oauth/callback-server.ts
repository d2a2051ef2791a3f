/**
 * The loopback redirect receiver (RFC 8252 §7.3, §8.3): `http://127.0.0.1:<port>/callback`, bound to 127.0.0.1 only,
 * one path, GET only, single use. It checks `state` (fail closed) and the RFC 9207 `iss` before anything else, answers
 * with fixed pages that never echo the query, and closes on completion, cancel or timeout. Each login gets its own
 * server, so several logins can be pending at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthError } from './errors.ts';

/** The path of the redirect URI. */
export const CALLBACK_PATH = '/callback';

/** Default time a user has to finish signing in. */
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;

/** What the callback must satisfy before the query is trusted. */
export interface CallbackExpectations {
  readonly state: string;
  /** The AS issuer (RFC 9207 §2.4 compares `iss` to it). */
  readonly issuer: string;
  /** `authorization_response_iss_parameter_supported` from the AS metadata. */
  readonly issRequired: boolean;
}

/** A running loopback receiver. */
export interface CallbackServer {
  readonly redirectUri: string;
  readonly port: number;
  /** Resolves with the callback's query once a valid response arrived; rejects on error, timeout or cancel. */
  readonly result: Promise<URLSearchParams>;
  /** Sets what the callback is checked against (call before opening the browser). */
  expect(expectations: CallbackExpectations): void;
  /** Stops waiting (code `cancelled`) and closes the socket. */
  cancel(): void;
  close(): Promise<void>;
}

/** Options for {@link startCallbackServer}. */
export interface CallbackServerOptions {
  /** Pin a port (from the server's settings); ephemeral otherwise. */
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}';

/** The fixed success page. */
export const SUCCESS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Keyport</title><style>${PAGE_STYLE}</style></head><body><h1>Signed in</h1><p>You can close this tab and return to Keyport.</p></body></html>`;

/** The fixed failure page (never contains any text from the request). */
export const FAILURE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Keyport</title><style>${PAGE_STYLE}</style></head><body><h1>Sign-in did not complete</h1><p>Return to Keyport for details and try again.</p></body></html>`;

/** Checks an authorization response against the expectations: `state` first (fail closed), then `iss` (RFC 9207). */
export function checkCallbackParameters(params: URLSearchParams, expected: CallbackExpectations): void {
  const states = params.getAll('state');
  if (states.length !== 1 || states[0] !== expected.state) {
    throw new OAuthError('state_mismatch', 'The sign-in response did not match the request Keyport sent (state). Nothing was exchanged; start the sign-in again.');
  }
  const iss = params.getAll('iss');
  if (iss.length > 1 || (iss.length === 1 && iss[0] !== expected.issuer)) {
    throw new OAuthError('iss_mismatch', 'The sign-in response came from a different authorization server than expected (iss). Nothing was exchanged; start the sign-in again.');
  }
  if (iss.length === 0 && expected.issRequired) {
    throw new OAuthError('iss_mismatch', 'The authorization server promised to identify itself in the sign-in response (iss) but did not. Nothing was exchanged; start the sign-in again.');
  }
}

/** Starts a loopback receiver on 127.0.0.1. */
export async function startCallbackServer(options: CallbackServerOptions = {}): Promise<CallbackServer> {
  let expectations: CallbackExpectations | undefined;
  let settled = false;
  let resolveResult!: (p: URLSearchParams) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<URLSearchParams>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  result.catch(() => undefined);

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Stray requests get `Connection: close`; the one that settles the login does not (a `Connection: close` response
    // costs the browser a socket teardown before it sees the page): the listener closes, dropping the then idle
    // connection, as soon as that response is done.
    const send = (status: number, page: string, final = false): void => {
      res.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        ...(final ? {} : { connection: 'close' }),
      });
      if (final) res.once('close', () => void close());
      res.end(page);
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== CALLBACK_PATH) return send(404, FAILURE_PAGE);
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return send(405, FAILURE_PAGE);
    }
    if (settled || !expectations) return send(400, FAILURE_PAGE);
    settled = true;
    try {
      checkCallbackParameters(url.searchParams, expectations);
      const error = url.searchParams.get('error');
      send(error ? 400 : 200, error ? FAILURE_PAGE : SUCCESS_PAGE, true);
      resolveResult(url.searchParams);
    } catch (err) {
      send(400, FAILURE_PAGE, true);
      rejectResult(err);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new OAuthError('callback_port_in_use', `Port ${options.port} on 127.0.0.1 is in use, so Keyport cannot receive the sign-in. Close the program using it or choose another callback port.`));
      } else reject(err);
    });
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    rejectResult(new OAuthError('login_timeout', `The sign-in was not completed within ${Math.round(timeoutMs / 1000)} seconds. Start it again when you are ready.`));
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
      server.closeIdleConnections?.();
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

  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    port,
    result,
    expect(e) {
      expectations = e;
    },
    cancel,
    close,
  };
}
