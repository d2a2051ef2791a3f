/**
 * What every engine module shares: the injected side effects with their defaults, the stores wrapped so the request
 * path can reuse what was last read, the in-flight logins, the DPoP handles, and the small helpers that build a flow
 * recorder or a traced fetch. One context per engine; the modules are plain functions of it.
 */
import type { ServerStatus, TokenSetView } from '../../../preload/contract.ts';
import { DPoPHandles } from '../dpop.ts';
import type { ClientSecrets } from '../grants.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, tracedFetch, type FetchFn } from '../http.ts';
import { InMemoryCredentialStore, InProcessRefreshLock, type CredentialStore, type RefreshLock, type TokenSetKey, type TokenSetRecord } from '../store.ts';
import { FlowRecorder, type ExchangeSink, type FlowKind } from '../trace.ts';
import type { LoginState, OAuthEngineDeps, ServerAuthSettings, ServerTarget } from './types.ts';

/** The engine's shared state and helpers, passed to every engine module. */
export interface EngineContext {
  readonly deps: OAuthEngineDeps;
  /** The injected fetch (no timeout, no trace): the MCP requests of `authorizedFetch` go through it. */
  readonly baseFetch: FetchFn;
  readonly now: () => number;
  readonly held: HeldTokenSets;
  /** The credential store, wrapped so every token-set read and write keeps {@link held} current. */
  readonly store: CredentialStore;
  readonly lock: RefreshLock;
  readonly requestTimeoutMs: number;
  readonly refreshMarginMs: number;
  readonly maxStepUp: number;
  readonly dpopHandles: DPoPHandles;
  /** Logins in flight per server URL and account (a second request for the same login joins the first). */
  readonly pendingLogins: Map<string, Promise<TokenSetView>>;
  /** The token-set key each server URL and account was last found under. */
  readonly bindings: Map<string, TokenSetKey>;
  /** Resources (by resource identifier) that refused a DPoP-bound token with a Bearer-only challenge in this process. */
  readonly dpopRefusedBy: Set<string>;
  /** A fetch with the engine's timeout and no trace (registration management). */
  readonly plainFetch: FetchFn;
  emitStatus(serverUrl: string, status: ServerStatus): void;
  emitState(serverUrl: string, state: LoginState): void;
  /** A recorder for a new flow, already told the server's configured secrets so they are redacted. */
  newRecorder(kind: FlowKind, target: ServerTarget): FlowRecorder;
  /** The engine's fetch with its timeout, recording exchanges into `sink` when given. */
  traced(sink?: ExchangeSink): FetchFn;
}

/** Builds the context from the injected dependencies. */
export function createEngineContext(deps: OAuthEngineDeps): EngineContext {
  const baseFetch: FetchFn = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = deps.now ?? (() => Date.now());
  const held = new HeldTokenSets();
  const requestTimeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    deps,
    baseFetch,
    now,
    held,
    store: held.over(deps.store ?? new InMemoryCredentialStore()),
    lock: deps.refreshLock ?? new InProcessRefreshLock(),
    requestTimeoutMs,
    refreshMarginMs: deps.refreshMarginMs ?? 60_000,
    maxStepUp: deps.maxStepUpAttempts ?? 3,
    dpopHandles: new DPoPHandles(),
    pendingLogins: new Map(),
    bindings: new Map(),
    dpopRefusedBy: new Set(),
    plainFetch: tracedFetch(baseFetch, requestTimeoutMs),
    emitStatus: (serverUrl, status) => deps.onStatus?.(serverUrl, status),
    emitState: (serverUrl, state) => deps.onLoginState?.(serverUrl, state),
    newRecorder(kind, target) {
      const r = new FlowRecorder(kind, target.serverUrl, now, deps.onTrace);
      const s = settingsOf(target);
      r.addSecret(s.clientSecret);
      r.addSecret(s.privateKeyPem);
      return r;
    },
    traced: (sink) => tracedFetch(baseFetch, requestTimeoutMs, sink),
  };
}

/** A target's settings (none means every default). */
export function settingsOf(target: ServerTarget): ServerAuthSettings {
  return target.settings ?? {};
}

/** The secret parts of a target's settings, in the shape the token-endpoint client authentication needs. */
export function secretsOf(target: ServerTarget): ClientSecrets {
  const s = settingsOf(target);
  return {
    ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}),
    ...(s.privateKeyPem ? { privateKeyPem: s.privateKeyPem } : {}),
    ...(s.privateKeyAlg ? { privateKeyAlg: s.privateKeyAlg } : {}),
    ...(s.privateKeyKid ? { privateKeyKid: s.privateKeyKid } : {}),
  };
}

/** Tells a recorder about secret values (undefined ones are skipped) so no snapshot shows them. */
export function recordSecrets(recorder: FlowRecorder, values: readonly (string | undefined)[]): void {
  for (const v of values) recorder.addSecret(v);
}

/** The key under which a login or a binding is kept for a server URL and account. */
export function serverAccountKey(serverUrl: string, account: string): string {
  return `${serverUrl}\n${account}`;
}

/**
 * The last token set the engine read from or wrote to its store, per server URL and account. A cache for the request
 * path only: a stale entry (another process refreshed or signed out) at worst sends an access token that is still
 * valid or gets a 401, and both lead to a fresh read of the store under the refresh lock.
 */
export class HeldTokenSets {
  #byServer = new Map<string, TokenSetRecord>();

  get(serverUrl: string, account: string): TokenSetRecord | undefined {
    return this.#byServer.get(serverAccountKey(serverUrl, account));
  }

  /** Records what a lookup chose (e.g. the newest of several token sets found by listing). */
  remember(record: TokenSetRecord): void {
    this.#byServer.set(serverAccountKey(record.serverUrl, record.account), record);
  }

  /** Wraps a store so every token-set read and write keeps this cache current. */
  over(store: CredentialStore): CredentialStore {
    const remember = (record: TokenSetRecord): void => this.remember(record);
    const forget = (key: TokenSetKey): void => {
      for (const [k, r] of this.#byServer) {
        if (r.issuer === key.issuer && r.resource === key.resource && r.account === key.account) this.#byServer.delete(k);
      }
    };
    return {
      getRegistration: (issuer) => store.getRegistration(issuer),
      putRegistration: (record) => store.putRegistration(record),
      deleteRegistration: (issuer) => store.deleteRegistration(issuer),
      listTokenSets: () => store.listTokenSets(),
      ...(store.findTokenSetKey ? { findTokenSetKey: (serverUrl: string, account: string) => store.findTokenSetKey!(serverUrl, account) } : {}),
      ...(store.indexTokenSet ? { indexTokenSet: (serverUrl: string, account: string, key: TokenSetKey) => store.indexTokenSet!(serverUrl, account, key) } : {}),
      async getTokenSet(key) {
        const record = await store.getTokenSet(key);
        if (record) remember(record);
        else forget(key);
        return record;
      },
      async putTokenSet(record) {
        await store.putTokenSet(record);
        remember(record);
      },
      async deleteTokenSet(key) {
        forget(key);
        await store.deleteTokenSet(key);
      },
    };
  }
}
