/**
 * The seam between MCP connections and the OAuth engine. The connection layer never sees a token: it is handed a
 * `fetch` that adds `Authorization` (and refreshes, retries, re-authorizes as the engine sees fit) and, optionally, a
 * stream of auth events that drive the status machine. Anything the engine cannot resolve comes back either as a
 * thrown error whose `code` names the challenge, or as a 401/403 response, which this module turns into one.
 */
import type { FetchLike } from '@modelcontextprotocol/client';
import { readChallenge } from '../oauth/www-authenticate.ts';
import type { ServerStatus } from '../../preload/contract.ts';

/** The `fetch` signature the SDK transports take. */
export type { FetchLike };

/** What the engine tells the connection while it works, so the status badge can follow along. */
export type AuthEvent =
  | { readonly type: 'refreshing' }
  | { readonly type: 'refreshed' }
  | { readonly type: 'signing-in'; readonly authorizationServer?: string }
  | { readonly type: 'signed-in' }
  | { readonly type: 'needs-sign-in'; readonly reason?: string }
  | { readonly type: 'step-up-needed'; readonly scopes: readonly string[] }
  | { readonly type: 'failed'; readonly code: string; readonly message: string };

/** One server's authorized session as the engine hands it over. */
export interface AuthorizedSession {
  /** Adds the bearer, refreshes near expiry, handles 401/403 as far as it can; throws `{ code, scopes? }` otherwise. */
  readonly fetch: FetchLike;
  /** Auth events for this server; returns the unsubscribe function. */
  readonly subscribe?: (listener: (event: AuthEvent) => void) => () => void;
}

/** The HTTP server a session is requested for (the engine keys tokens by resource URL). */
export interface AuthTarget {
  readonly serverId: string;
  readonly url: string;
}

/**
 * How the connection layer gets an {@link AuthorizedSession} for a server. Called on every (re)connect so the
 * engine can hand over a fresh session after a sign-in; return `undefined` for a server that needs no auth.
 */
export type AuthorizedFetchFactory = (target: AuthTarget) => AuthorizedSession | undefined | Promise<AuthorizedSession | undefined>;

/** A challenge read from a 401/403 response that reached the connection layer. */
export class AuthChallengeError extends Error {
  readonly code: 'needs_sign_in' | 'insufficient_scope' | 'access_denied';
  readonly status: number;
  readonly scopes: readonly string[];

  constructor(code: 'needs_sign_in' | 'insufficient_scope' | 'access_denied', status: number, scopes: readonly string[]) {
    super(`HTTP ${status} ${code}`);
    this.name = 'AuthChallengeError';
    this.code = code;
    this.status = status;
    this.scopes = scopes;
  }
}

/**
 * Reads `error` and `scope` from a `WWW-Authenticate` header (RFC 6750 §3), through the engine's grammar-level parser
 * (several challenges, quoted strings, Bearer or DPoP first), so both layers read a challenge the same way.
 */
export function parseBearerChallenge(header: string | null): { readonly error?: string; readonly scopes: readonly string[] } {
  const { error, scope } = readChallenge(header);
  const scopes = (scope ?? '').split(' ').filter(Boolean);
  return error === undefined ? { scopes } : { error, scopes };
}

/**
 * Wraps a fetch so that a 401 or 403 that reaches the transport becomes an {@link AuthChallengeError}: the SDK
 * would otherwise report it as an opaque HTTP error. Only requests to the MCP endpoint are inspected.
 */
export function withChallengeDetection(inner: FetchLike): FetchLike {
  return async (url, init) => {
    const res = await inner(url, init);
    if (res.status !== 401 && res.status !== 403) return res;
    const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 401) throw new AuthChallengeError('needs_sign_in', 401, challenge.scopes);
    if (challenge.error === 'insufficient_scope') throw new AuthChallengeError('insufficient_scope', 403, challenge.scopes);
    throw new AuthChallengeError('access_denied', 403, challenge.scopes);
  };
}

/**
 * The simplest authorized session: a fixed bearer token. For tests, benchmarks and servers configured with a
 * static API key; the real app uses the engine's session instead.
 */
export function staticBearerSession(token: string, baseFetch: FetchLike = fetch): AuthorizedSession {
  const value = `Bearer ${token}`;
  return {
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', value);
      return baseFetch(url, { ...init, headers });
    },
  };
}

/**
 * Reads an auth event out of a status the OAuth engine reports for a server (its `onStatus(serverUrl, status)`
 * speaks the contract's `ServerStatus`). `connected` from the engine means "it holds a good token again" (after a
 * sign-in or a refresh), not that an MCP session is open: that part is the connection's to say.
 */
export function authEventFromStatus(status: ServerStatus): AuthEvent | undefined {
  switch (status.state) {
    case 'refreshing':
      return { type: 'refreshing' };
    case 'connected':
      return { type: 'signed-in' };
    case 'signing-in':
      return status.authorizationServer !== undefined ? { type: 'signing-in', authorizationServer: status.authorizationServer } : { type: 'signing-in' };
    case 'needs-sign-in':
      return status.reason !== undefined ? { type: 'needs-sign-in', reason: status.reason } : { type: 'needs-sign-in' };
    case 'step-up-needed':
      return { type: 'step-up-needed', scopes: status.scopes };
    case 'error':
      return { type: 'failed', code: status.error.code, message: status.error.message };
    case 'connecting':
    case 'disconnected':
      return undefined;
    default: {
      const never: never = status;
      return never;
    }
  }
}

/** Routes an engine's per-URL status callback to per-server auth-event subscribers. */
export interface AuthEventRouter {
  /** Give this to the engine as its `onStatus`. */
  readonly onStatus: (serverUrl: string, status: ServerStatus) => void;
  /** The `subscribe` of the {@link AuthorizedSession} for `serverUrl`. */
  readonly subscribe: (serverUrl: string, listener: (event: AuthEvent) => void) => () => void;
}

/**
 * Creates an {@link AuthEventRouter}: the glue that lets one engine (one `onStatus` callback for every server)
 * drive many connections' status machines, without either side importing the other.
 */
export function createAuthEventRouter(): AuthEventRouter {
  const byUrl = new Map<string, Set<(event: AuthEvent) => void>>();
  return {
    onStatus(serverUrl, status) {
      const event = authEventFromStatus(status);
      if (event === undefined) return;
      for (const l of [...(byUrl.get(serverUrl) ?? [])]) {
        try {
          l(event);
        } catch {
          // one subscriber's failure must not affect the others
        }
      }
    },
    subscribe(serverUrl, listener) {
      let set = byUrl.get(serverUrl);
      if (set === undefined) {
        set = new Set();
        byUrl.set(serverUrl, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) byUrl.delete(serverUrl);
      };
    },
  };
}
