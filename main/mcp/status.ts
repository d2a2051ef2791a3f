/**
 * The status machine of one server connection: a pure transition function over the contract's `ServerStatus`
 * union, and a tiny holder that emits each change. Kept pure so every transition is testable without a server.
 */
import type { ServerStatus } from '../../preload/contract.ts';
import type { AuthEvent } from './auth.ts';
import type { McpConnectionError } from './errors.ts';

/** Everything that can move a connection's status. */
export type StatusEvent =
  | { readonly type: 'connect' }
  | { readonly type: 'open' }
  | { readonly type: 'request-ok' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'fail'; readonly error: McpConnectionError }
  | { readonly type: 'auth'; readonly event: AuthEvent };

/** What the holder remembers besides the visible status: where to return after a refresh. */
export interface StatusMemory {
  readonly status: ServerStatus;
  /** The status shown before `refreshing`, restored when the refresh ends. */
  readonly beforeRefresh?: ServerStatus;
}

function failStatus(error: McpConnectionError): ServerStatus {
  switch (error.code) {
    case 'needs_sign_in':
      return { state: 'needs-sign-in', reason: error.message };
    case 'insufficient_scope':
      return error.tool !== undefined
        ? { state: 'step-up-needed', scopes: error.scopes ?? [], tool: error.tool }
        : { state: 'step-up-needed', scopes: error.scopes ?? [] };
    default:
      return { state: 'error', error: { code: error.code, message: error.message } };
  }
}

/** The next status for an event; pure, `now` injected. Unknown combinations keep the current status. */
export function nextStatus(memory: StatusMemory, event: StatusEvent, now: number): StatusMemory {
  const cur = memory.status;
  switch (event.type) {
    case 'connect':
      return { status: { state: 'connecting' } };
    case 'open':
      return { status: { state: 'connected', since: now } };
    case 'request-ok':
      // A request went through: a step-up prompt or a transient error is over.
      if (cur.state === 'step-up-needed' || cur.state === 'error') return { status: { state: 'connected', since: now } };
      return memory;
    case 'disconnect':
      return { status: { state: 'disconnected' } };
    case 'fail':
      return { status: failStatus(event.error) };
    case 'auth': {
      const a = event.event;
      switch (a.type) {
        case 'refreshing':
          if (cur.state === 'refreshing') return memory;
          return { status: { state: 'refreshing' }, beforeRefresh: cur };
        case 'refreshed':
          if (cur.state !== 'refreshing') return memory;
          return { status: memory.beforeRefresh ?? { state: 'connecting' } };
        case 'signing-in':
          return {
            status:
              a.authorizationServer !== undefined
                ? { state: 'signing-in', authorizationServer: a.authorizationServer, since: now }
                : { state: 'signing-in', since: now },
          };
        case 'signed-in':
          // The engine holds a good token again: after a refresh, back to where we were; after a sign-in, reconnect.
          if (cur.state === 'refreshing') return { status: memory.beforeRefresh ?? { state: 'connecting' } };
          return cur.state === 'signing-in' || cur.state === 'needs-sign-in' || cur.state === 'step-up-needed'
            ? { status: { state: 'connecting' } }
            : memory;
        case 'needs-sign-in':
          return { status: a.reason !== undefined ? { state: 'needs-sign-in', reason: a.reason } : { state: 'needs-sign-in' } };
        case 'step-up-needed':
          return { status: { state: 'step-up-needed', scopes: a.scopes } };
        case 'failed':
          return { status: { state: 'error', error: { code: a.code, message: a.message } } };
        default: {
          const never: never = a;
          return never;
        }
      }
    }
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** A status holder that applies events and tells listeners about real changes. */
export interface StatusHolder {
  readonly get: () => ServerStatus;
  readonly dispatch: (event: StatusEvent) => void;
  readonly subscribe: (listener: (status: ServerStatus) => void) => () => void;
}

function same(a: ServerStatus, b: ServerStatus): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Creates a {@link StatusHolder} starting at `disconnected`. */
export function createStatusHolder(now: () => number = Date.now): StatusHolder {
  let memory: StatusMemory = { status: { state: 'disconnected' } };
  const listeners = new Set<(status: ServerStatus) => void>();
  return {
    get: () => memory.status,
    dispatch(event) {
      const next = nextStatus(memory, event, now());
      if (next === memory) return;
      const changed = !same(next.status, memory.status);
      memory = next;
      if (!changed) return;
      for (const l of [...listeners]) {
        try {
          l(next.status);
        } catch {
          // a listener's failure must not break the connection
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
