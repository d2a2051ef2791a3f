/**
 * The OAuth engine: the login orchestrator (a closed union of states), the token lifecycle (proactive and reactive
 * refresh, single-flight per token family, revocation, introspection), mid-session challenges (401, 403
 * insufficient_scope step-up) and the authenticated `fetch` the MCP SDK transport uses. Side effects are injected.
 * The sequence is DESIGN.md's "The login, step by step"; each step is one module of this folder.
 */
import * as oauth from 'oauth4webapi';
import type { AuthorizationServer, Client, DPoPHandle, TokenEndpointResponse } from 'oauth4webapi';
import type { AuthSettingsView, FlowTraceView, IpcError, RefreshRecord, ServerStatus, TokenSetView } from '../../preload/contract.ts';
import { generatePkceAndState, prepareAuthorizationRequest, selectScope, splitScope, unionScopes } from './authorize.ts';
import { DEFAULT_LOGIN_TIMEOUT_MS, startCallbackServer, type CallbackServer } from './callback-server.ts';
import {
  assertPkceS256,
  discoverAuthorizationServer,
  discoverLegacyAuthorizationServer,
  discoverProtectedResource,
  protectedResourceMetadataUrls,
  sameIssuer,
  type PrefetchedDocument,
  type AuthorizationServerDiscovery,
  type ProtectedResourceMetadata,
} from './discovery.ts';
import { DPoPHandles, generateDPoPKey, selectDPoPAlg } from './dpop.ts';
import { OAuthError, isOAuthError } from './errors.ts';
import {
  clientAuthFor,
  clientCredentialsGrant,
  exchangeAuthorizationCode,
  introspectToken,
  jwtBearerGrant,
  refreshTokenGrant,
  requestIdJag,
  revokeToken,
  toOAuthError,
  type ClientSecrets,
  type TokenEndpointContext,
} from './grants.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, getJsonDocument, tracedFetch, type FetchFn } from './http.ts';
import { deleteRegistration, readRegistration, registerClient, updateRegistration } from './registration.ts';
import {
  InMemoryCredentialStore,
  InProcessRefreshLock,
  tokenSetKeyString,
  type ClientRegistrationRecord,
  type CredentialStore,
  type DPoPKeyRecord,
  type RefreshLock,
  type TokenEndpointAuthMethod,
  type TokenSetKey,
  type TokenSetRecord,
} from './store.ts';
import { FlowRecorder, HeldExchange, type FlowKind } from './trace.ts';
import { assertSafeBrowserUrl, assertSafeEndpoint, insecureOptionFor } from './url-safety.ts';
import { tokenSetView } from './views.ts';
import { readChallenge, type ChallengeInfo } from './www-authenticate.ts';

/** Per-server settings: `AuthSettingsView` plus the secret values, which the caller passes in and nothing stores in a trace. */
export interface ServerAuthSettings extends Omit<AuthSettingsView, 'hasClientSecret' | 'sendResourceParameter' | 'dpop' | 'mode'> {
  readonly mode?: AuthSettingsView['mode'];
  readonly sendResourceParameter?: boolean;
  readonly dpop?: AuthSettingsView['dpop'];
  readonly clientSecret?: string;
  /** PKCS#8 PEM key for `private_key_jwt`. */
  readonly privateKeyPem?: string;
  readonly privateKeyAlg?: string;
  readonly privateKeyKid?: string;
}

/** A server the engine authorizes against. */
export interface ServerTarget {
  readonly serverUrl: string;
  readonly settings?: ServerAuthSettings;
}

/** The states a login goes through, in order; `signed-in` and `failed` are final. */
export type LoginState =
  | { readonly state: 'discovering'; readonly serverUrl: string }
  | { readonly state: 'registering'; readonly issuer: string }
  | { readonly state: 'awaiting-user'; readonly issuer: string; readonly authorizationUrl: string; readonly redirectUri: string }
  | { readonly state: 'exchanging-code'; readonly issuer: string }
  | { readonly state: 'requesting-token'; readonly issuer: string; readonly grant: string }
  | { readonly state: 'signed-in'; readonly tokenSet: TokenSetView }
  | { readonly state: 'failed'; readonly error: IpcError };

/** What `engine.status()` reports (the CLI's `status` command prints it). */
export type AuthStatus =
  | { readonly state: 'signed-out' }
  | { readonly state: 'signed-in'; readonly expiresAt?: number; readonly scopes: readonly string[]; readonly issuer: string }
  | { readonly state: 'expired'; readonly refreshable: boolean; readonly issuer: string };

/** The engine's injected side effects and tunables. */
export interface OAuthEngineDeps {
  readonly fetch?: FetchFn;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Opens the authorization URL in the user's browser; the engine has checked the scheme before calling it. */
  readonly openBrowser: (url: string) => Promise<void>;
  readonly store?: CredentialStore;
  readonly refreshLock?: RefreshLock;
  readonly onTrace?: (trace: FlowTraceView) => void;
  readonly onStatus?: (serverUrl: string, status: ServerStatus) => void;
  readonly onLoginState?: (serverUrl: string, state: LoginState) => void;
  readonly requestTimeoutMs?: number;
  readonly loginTimeoutMs?: number;
  /** Refresh this long before expiry (default 60 s). */
  readonly refreshMarginMs?: number;
  /** Step-up re-authorizations per resource (default 3). */
  readonly maxStepUpAttempts?: number;
}

/** Options of a login. */
export interface LoginOptions {
  readonly signal?: AbortSignal;
  /** Overrides the scope selection. */
  readonly scope?: string;
  readonly timeoutMs?: number;
  readonly account?: string;
  /** The challenge of the 401/403 that caused this login, when there was one. */
  readonly challenge?: ChallengeInfo;
}

/** Options of the authenticated fetch. */
export interface AuthorizedFetchOptions {
  readonly account?: string;
  /** When false, a missing or dead token raises `not_signed_in` instead of opening the browser. Default true. */
  readonly interactive?: boolean;
}

/** The SEP-990 enterprise-managed (cross-app access) inputs: the IdP and the user's ID token there. */
export interface IdJagLoginInput {
  readonly idpIssuer: string;
  readonly idpTokenEndpoint: string;
  readonly idpClientId: string;
  readonly idToken: string;
  readonly account?: string;
  readonly signal?: AbortSignal;
}

/** The RFC 7523 workload identity input: a JWT issued to this workload by a trusted issuer. */
export interface JwtBearerLoginInput {
  readonly assertion: string;
  readonly account?: string;
  readonly signal?: AbortSignal;
}

/** What sign-out did: `revoked` is true when the refresh token (or, without one, the access token) was revoked. */
export interface LogoutResult {
  readonly revoked: boolean;
  readonly revokedTokens: readonly ('refresh_token' | 'access_token')[];
}

/** The engine's public API. */
export interface OAuthEngine {
  login(target: ServerTarget, options?: LoginOptions): Promise<TokenSetView>;
  loginWithIdJag(target: ServerTarget, input: IdJagLoginInput): Promise<TokenSetView>;
  loginWithJwtBearer(target: ServerTarget, input: JwtBearerLoginInput): Promise<TokenSetView>;
  /** A fetch for the MCP transport that authorizes every request; it starts reading the held tokens at once. */
  authorizedFetch(target: ServerTarget, options?: AuthorizedFetchOptions): FetchFn;
  refresh(target: ServerTarget, options?: { readonly account?: string; readonly signal?: AbortSignal }): Promise<TokenSetView>;
  logout(target: ServerTarget, options?: { readonly account?: string }): Promise<LogoutResult>;
  introspect(target: ServerTarget, options?: { readonly account?: string }): Promise<oauth.IntrospectionResponse>;
  tokenSetView(target: ServerTarget, options?: { readonly account?: string }): Promise<TokenSetView | undefined>;
  status(target: ServerTarget, options?: { readonly account?: string }): Promise<AuthStatus>;
  readRegistration(target: ServerTarget): Promise<Record<string, unknown>>;
  updateRegistration(target: ServerTarget, metadata: Record<string, unknown>): Promise<Record<string, unknown>>;
  deleteRegistration(target: ServerTarget): Promise<void>;
  forgetRegistration(target: ServerTarget): Promise<void>;
}

/** The account a token set is kept under when the caller names none (one user per server in the app). */
export const DEFAULT_ACCOUNT = 'default';

interface ResolvedServer {
  /** The challenge that started this login (the caller's, or the probe's): its `scope` comes first (MCP spec). */
  readonly challenge?: ChallengeInfo;
  readonly resource: string;
  readonly prm?: ProtectedResourceMetadata;
  readonly as: AuthorizationServer;
  readonly asSource: AuthorizationServerDiscovery['source'];
}

/** A protected resource metadata request sent ahead of its step (see `prefetchResourceMetadata`). */
interface SpeculativeMetadata {
  readonly url: string;
  /** True once dropped unused. */
  readonly discarded: boolean;
  /** The request, for `discoverProtectedResource`; taking it files the exchange under the recorder's running step. */
  document(recorder: FlowRecorder): PrefetchedDocument;
  /** Drops the request unless it was taken: aborts it if still running and files its exchange under the running step. */
  discard(recorder: FlowRecorder): void;
}

interface ClientChoice {
  readonly registration: ClientRegistrationRecord;
  readonly fresh: boolean;
}

/** Creates the engine. */
export function createOAuthEngine(deps: OAuthEngineDeps): OAuthEngine {
  const baseFetch: FetchFn = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = deps.now ?? (() => Date.now());
  const held = new HeldTokenSets();
  const store = held.over(deps.store ?? new InMemoryCredentialStore());
  const lock = deps.refreshLock ?? new InProcessRefreshLock();
  const requestTimeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const refreshMarginMs = deps.refreshMarginMs ?? 60_000;
  const maxStepUp = deps.maxStepUpAttempts ?? 3;
  const dpopHandles = new DPoPHandles();
  const pendingLogins = new Map<string, Promise<TokenSetView>>();
  const bindings = new Map<string, TokenSetKey>();
  const plainFetch = tracedFetch(baseFetch, requestTimeoutMs);

  const emitStatus = (serverUrl: string, status: ServerStatus): void => deps.onStatus?.(serverUrl, status);
  const emitState = (serverUrl: string, state: LoginState): void => deps.onLoginState?.(serverUrl, state);
  const settingsOf = (t: ServerTarget): ServerAuthSettings => t.settings ?? {};
  const secretsOf = (t: ServerTarget): ClientSecrets => {
    const s = settingsOf(t);
    return {
      ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}),
      ...(s.privateKeyPem ? { privateKeyPem: s.privateKeyPem } : {}),
      ...(s.privateKeyAlg ? { privateKeyAlg: s.privateKeyAlg } : {}),
      ...(s.privateKeyKid ? { privateKeyKid: s.privateKeyKid } : {}),
    };
  };
  const newRecorder = (kind: FlowKind, t: ServerTarget): FlowRecorder => {
    const r = new FlowRecorder(kind, t.serverUrl, now, deps.onTrace);
    const s = settingsOf(t);
    r.addSecret(s.clientSecret);
    r.addSecret(s.privateKeyPem);
    return r;
  };
  const recordSecrets = (r: FlowRecorder, values: readonly (string | undefined)[]): void => {
    for (const v of values) r.addSecret(v);
  };

  // ---------------------------------------------------------------------------------------------------------
  // Discovery
  // ---------------------------------------------------------------------------------------------------------

  async function probe(fetchFn: FetchFn, serverUrl: string, signal?: AbortSignal): Promise<ChallengeInfo | undefined> {
    const response = await fetchFn(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
      redirect: 'manual',
      ...(signal ? { signal } : {}),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 401 || response.status === 403) return readChallenge(response.headers.get('www-authenticate'));
    return undefined;
  }

  /**
   * Sends the request for the first well-known protected resource metadata URL (RFC 9728 §3.1: path-inserted, else
   * root) at once, so that it travels with the probe. `discoverProtectedResource` uses it only when its ordered
   * selection reaches that URL (a challenge's `resource_metadata` URL still comes first); otherwise `discard` aborts it
   * if still running. Either way the exchange is filed in the trace under the step that used or dropped it.
   */
  function prefetchResourceMetadata(serverUrl: string, publishing: boolean, signal?: AbortSignal): SpeculativeMetadata | undefined {
    const url = protectedResourceMetadataUrls(serverUrl)[0];
    if (!url) return undefined;
    try {
      assertSafeEndpoint(url, 'resource metadata URL');
    } catch {
      return undefined;
    }
    const held = new HeldExchange(publishing);
    const controller = new AbortController();
    const document = getJsonDocument(tracedFetch(baseFetch, requestTimeoutMs, held), url, signal ? AbortSignal.any([signal, controller.signal]) : controller.signal);
    document.catch(() => undefined);
    let settled = false;
    let discarded = false;
    return {
      url,
      get discarded() {
        return discarded;
      },
      document: (recorder) => ({
        url,
        take: () => {
          if (!settled) {
            settled = true;
            recorder.adopt(held);
          }
          return document;
        },
      }),
      discard: (recorder) => {
        if (settled) return;
        settled = true;
        discarded = true;
        controller.abort();
        recorder.adopt(held);
      },
    };
  }

  async function resolveServer(recorder: FlowRecorder, target: ServerTarget, fetchFn: FetchFn, challenge: ChallengeInfo | undefined, signal?: AbortSignal): Promise<ResolvedServer> {
    const settings = settingsOf(target);
    assertSafeEndpoint(target.serverUrl, 'MCP server URL');
    // Without a challenge in hand, the probe and (right behind it) the first well-known metadata request go out together.
    let prefetch: SpeculativeMetadata | undefined;
    const ch =
      challenge ??
      (await recorder.step(
        'probe',
        async () => {
          const probing = probe(fetchFn, target.serverUrl, signal);
          prefetch = prefetchResourceMetadata(target.serverUrl, recorder.publishing, signal);
          try {
            return await probing;
          } catch (err) {
            prefetch?.discard(recorder);
            throw err;
          }
        },
        (c) => (c ? `challenge: ${c.schemes.join(', ')}${c.scope ? `, scope "${c.scope}"` : ''}` : 'no challenge'),
      ));
    const prm = await recorder.step(
      'protected-resource-metadata',
      async () => {
        try {
          return await discoverProtectedResource(fetchFn, target.serverUrl, ch?.resourceMetadata, signal, prefetch?.document(recorder));
        } finally {
          prefetch?.discard(recorder);
        }
      },
      (d) => `${d ? `resource ${d.metadata.resource} from ${d.url}` : 'none: using the 2025-03-26 rules'}${prefetch?.discarded ? ` (the request for ${prefetch.url} sent with the probe was not needed)` : ''}`,
    );
    if (!prm) {
      if (!ch) {
        throw new OAuthError('discovery_failed', 'This server did not ask for authorization and publishes no authorization metadata, so there is nothing to sign in to. Connect without signing in.');
      }
      const legacy = await recorder.step('authorization-server-metadata', () => discoverLegacyAuthorizationServer(fetchFn, target.serverUrl, signal), (d) => `${d.source}: ${d.as.issuer}`);
      return { challenge: ch, resource: resourceFromUrl(target.serverUrl), as: legacy.as, asSource: legacy.source };
    }
    const servers = (prm.metadata.authorization_servers ?? []).filter((s): s is string => typeof s === 'string');
    if (servers.length === 0) {
      throw new OAuthError('discovery_failed', 'The MCP server does not name an authorization server. Contact its operator.');
    }
    const preferred = settings.preferredAuthorizationServer;
    const issuer = (preferred && servers.find((s) => sameIssuer(s, preferred))) || servers[0]!;
    const found = await recorder.step('authorization-server-metadata', () => discoverAuthorizationServer(fetchFn, issuer, signal), (d) => `issuer ${d.as.issuer} from ${d.url}`);
    return { ...(ch ? { challenge: ch } : {}), resource: prm.metadata.resource, prm: prm.metadata, as: found.as, asSource: found.source };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Client identity
  // ---------------------------------------------------------------------------------------------------------

  async function chooseClient(recorder: FlowRecorder, target: ServerTarget, as: AuthorizationServer, fetchFn: FetchFn, redirectUri: string, scope: string | undefined, forceNew: boolean, signal?: AbortSignal): Promise<ClientChoice> {
    const s = settingsOf(target);
    if (s.clientId && (s.mode === undefined || s.mode === 'preregistered' || s.mode === 'automatic')) {
      const method: TokenEndpointAuthMethod = s.tokenEndpointAuthMethod ?? (s.privateKeyPem ? 'private_key_jwt' : s.clientSecret ? pickSecretMethod(as) : 'none');
      recorder.note('client-identity', `pre-registered client ${s.clientId} (${method})`);
      return { registration: { issuer: as.issuer, kind: 'preregistered', clientId: s.clientId, tokenEndpointAuthMethod: method, redirectUris: [redirectUri], createdAt: now() }, fresh: false };
    }
    if (s.clientMetadataDocumentUrl && as.client_id_metadata_document_supported === true) {
      recorder.note('client-identity', `client ID metadata document ${s.clientMetadataDocumentUrl}`);
      return { registration: { issuer: as.issuer, kind: 'metadata-document', clientId: s.clientMetadataDocumentUrl, tokenEndpointAuthMethod: 'none', redirectUris: [redirectUri], createdAt: now() }, fresh: false };
    }
    if (!forceNew) {
      const stored = await store.getRegistration(as.issuer);
      if (stored && stored.issuer === as.issuer && !(stored.clientSecretExpiresAt && stored.clientSecretExpiresAt <= now())) {
        recordSecrets(recorder, [stored.clientSecret, stored.registrationAccessToken]);
        recorder.skip('dynamic-registration', `reusing client ${stored.clientId} registered at ${as.issuer}`);
        return { registration: stored, fresh: false };
      }
    }
    emitState(target.serverUrl, { state: 'registering', issuer: as.issuer });
    const registration = await recorder.step('dynamic-registration', async () => {
      const reg = await registerClient(fetchFn, as, redirectUri, scope, now(), signal);
      recordSecrets(recorder, [reg.clientSecret, reg.registrationAccessToken]);
      return reg;
    }, (r) => `registered client ${r.clientId} (${r.tokenEndpointAuthMethod})`);
    await store.putRegistration(registration);
    return { registration, fresh: true };
  }

  function clientOf(reg: ClientRegistrationRecord): Client {
    return { client_id: reg.clientId, token_endpoint_auth_method: reg.tokenEndpointAuthMethod };
  }

  async function tokenContext(as: AuthorizationServer, reg: ClientRegistrationRecord, target: ServerTarget, fetchFn: FetchFn, dpop: DPoPHandle | undefined, signal?: AbortSignal): Promise<TokenEndpointContext> {
    if (as.token_endpoint) assertSafeEndpoint(as.token_endpoint, 'token endpoint');
    return {
      as,
      client: clientOf(reg),
      clientAuth: await clientAuthFor(reg, secretsOf(target)),
      fetch: fetchFn,
      ...(dpop ? { dpop } : {}),
      ...(signal ? { signal } : {}),
    };
  }

  async function dpopFor(target: ServerTarget, as: AuthorizationServer): Promise<{ key?: DPoPKeyRecord; handle?: DPoPHandle }> {
    if (settingsOf(target).dpop === 'off') return {};
    const alg = selectDPoPAlg(as);
    if (!alg) return {};
    const { record, pair } = await generateDPoPKey(alg);
    return { key: record, handle: await dpopHandles.add(record, pair) };
  }

  /** Stores a new token set and forgets the older sets of the same server and account (e.g. after an AS migration). */
  async function saveNewTokenSet(record: TokenSetRecord): Promise<void> {
    await store.putTokenSet(record);
    bindings.set(`${record.serverUrl}\n${record.account}`, { issuer: record.issuer, resource: record.resource, account: record.account });
    const key = tokenSetKeyString(record);
    for (const other of await store.listTokenSets()) {
      if (other.serverUrl === record.serverUrl && other.account === record.account && tokenSetKeyString(other) !== key) await store.deleteTokenSet(other);
    }
  }

  function buildRecord(
    target: ServerTarget,
    resolved: ResolvedServer,
    reg: ClientRegistrationRecord,
    account: string,
    tokens: TokenEndpointResponse,
    requestedScope: string | undefined,
    sentResource: boolean,
    dpopKey: DPoPKeyRecord | undefined,
  ): TokenSetRecord {
    const at = now();
    return {
      issuer: resolved.as.issuer,
      resource: resolved.resource,
      account,
      serverUrl: target.serverUrl,
      clientId: reg.clientId,
      registration: settingsOf(target).mode === 'client-credentials' ? 'client-credentials' : reg.kind,
      accessToken: tokens.access_token,
      tokenType: tokens.token_type === 'dpop' ? 'DPoP' : 'Bearer',
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
      ...(typeof tokens.expires_in === 'number' ? { expiresAt: at + tokens.expires_in * 1000 } : {}),
      scopes: splitScope(typeof tokens.scope === 'string' ? tokens.scope : requestedScope),
      obtainedAt: at,
      ...(dpopKey && tokens.token_type === 'dpop' ? { dpopKey } : {}),
      refreshHistory: [],
      authorizationServer: resolved.as,
      sentResource,
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Login
  // ---------------------------------------------------------------------------------------------------------

  async function runLogin(target: ServerTarget, options: LoginOptions): Promise<TokenSetView> {
    const mode = settingsOf(target).mode ?? 'automatic';
    if (mode === 'none') throw new OAuthError('unsupported', 'This server is configured without authorization. Change its sign-in mode in the settings to sign in.');
    const kind: FlowKind = mode === 'client-credentials' ? 'client-credentials' : 'login';
    const recorder = newRecorder(kind, target);
    const fetchFn = tracedFetch(baseFetch, requestTimeoutMs, recorder);
    emitStatus(target.serverUrl, { state: 'signing-in', since: now() });
    emitState(target.serverUrl, { state: 'discovering', serverUrl: target.serverUrl });
    // The loopback listener starts while discovery runs (it is needed for the registration's redirect URI).
    const callbackStart = mode === 'client-credentials' ? undefined : startCallback(target, options);
    callbackStart?.catch(() => undefined);
    try {
      const resolved = await resolveServer(recorder, target, fetchFn, options.challenge, options.signal).catch(async (err: unknown) => {
        const cb = await callbackStart?.catch(() => undefined);
        cb?.cancel();
        await cb?.close();
        throw err;
      });
      emitStatus(target.serverUrl, { state: 'signing-in', authorizationServer: resolved.as.issuer, since: now() });
      const view =
        mode === 'client-credentials' || !callbackStart
          ? await clientCredentialsLogin(recorder, target, resolved, fetchFn, options)
          : await authorizationCodeLogin(recorder, target, resolved, fetchFn, options, await callbackStart, false);
      recorder.finish('ok');
      emitState(target.serverUrl, { state: 'signed-in', tokenSet: view });
      emitStatus(target.serverUrl, { state: 'connected', since: now() });
      return view;
    } catch (err) {
      const e = err instanceof OAuthError ? err : toOAuthError(err, 'sign-in');
      recorder.finish('failed');
      const ipc = { code: e.code, message: recorder.redactText(e.message) };
      emitState(target.serverUrl, { state: 'failed', error: ipc });
      emitStatus(target.serverUrl, { state: 'error', error: ipc });
      throw e;
    }
  }

  function sendsResource(target: ServerTarget): boolean {
    return settingsOf(target).sendResourceParameter !== false;
  }

  function startCallback(target: ServerTarget, options: LoginOptions): Promise<CallbackServer> {
    const settings = settingsOf(target);
    return startCallbackServer({
      ...(settings.callbackPort ? { port: settings.callbackPort } : {}),
      timeoutMs: options.timeoutMs ?? deps.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async function authorizationCodeLogin(recorder: FlowRecorder, target: ServerTarget, resolved: ResolvedServer, fetchFn: FetchFn, options: LoginOptions, callback: CallbackServer, retried: boolean): Promise<TokenSetView> {
    const settings = settingsOf(target);
    const { as } = resolved;
    try {
      if (resolved.asSource !== 'legacy-defaults') assertPkceS256(as);
    } catch (err) {
      callback.cancel();
      await callback.close();
      throw err;
    }
    const scope = selectScope({
      override: options.scope ?? settings.scope,
      challenge: options.challenge?.scope ?? resolved.challenge?.scope,
      resourceScopes: resolved.prm?.scopes_supported,
      asScopes: as.scopes_supported,
    });
    recorder.note('scope', scope ? `requesting "${scope}"` : 'no scope requested');
    // The DPoP key is generated while the user signs in, off the critical path.
    const dpopPromise = dpopFor(target, as);
    dpopPromise.catch(() => undefined);
    const pkce = generatePkceAndState();
    try {
      const { registration, fresh } = await chooseClient(recorder, target, as, fetchFn, callback.redirectUri, scope, retried, options.signal);
      const resource = sendsResource(target) ? resolved.resource : undefined;
      const request = await prepareAuthorizationRequest(as, { clientId: registration.clientId, redirectUri: callback.redirectUri, scope, resource }, pkce);
      recorder.addSecret(request.codeVerifier);
      callback.expect({ state: request.state, issuer: as.issuer, issRequired: as.authorization_response_iss_parameter_supported === true });
      const authorizationUrl = assertSafeBrowserUrl(request.url).href;
      emitState(target.serverUrl, { state: 'awaiting-user', issuer: as.issuer, authorizationUrl, redirectUri: callback.redirectUri });
      const params = await recorder.step('authorization', async () => {
        const opened = now();
        // The login waits for the browser's arrival at the callback, not for the opener: a browser command may only
        // return when the browser exits. Only an opener that fails ends the login here.
        const openerFailed = Promise.resolve()
          .then(() => deps.openBrowser(authorizationUrl))
          .then(
            () => new Promise<never>(() => undefined),
            (err: unknown) => {
              throw new OAuthError('authorization_failed', 'Keyport could not open the sign-in page in your browser. Check the browser setting (or --browser-command) and try again.', { cause: err });
            },
          );
        const p = await Promise.race([callback.result, openerFailed]);
        recorder.addSecret(p.get('code'));
        // The browser's arrival at the loopback receiver, as the timeline shows it (the code is masked).
        recorder.recordExchange({ method: 'GET', url: `${callback.redirectUri}?${p.toString()}`, status: p.get('error') ? 400 : 200, durationMs: Math.max(0, now() - opened), requestHeaders: {}, responseHeaders: { 'content-type': 'text/html; charset=utf-8' } });
        // Validated inside the step, so a refusal (access_denied, iss mismatch…) marks this step as the failed one.
        try {
          return oauth.validateAuthResponse(as, clientOf(registration), p, request.state);
        } catch (err) {
          throw toOAuthError(err, 'authorization');
        }
      }, () => `user returned to ${callback.redirectUri}`);
      const callbackParameters: URLSearchParams = params;
      emitState(target.serverUrl, { state: 'exchanging-code', issuer: as.issuer });
      const dpop = await dpopPromise;
      const ctx = await tokenContext(as, registration, target, fetchFn, dpop.handle, options.signal);
      let tokens: TokenEndpointResponse;
      try {
        tokens = await recorder.step('token-exchange', async () => {
          const t = await exchangeAuthorizationCode(ctx, callbackParameters, callback.redirectUri, request.codeVerifier, resource);
          recordSecrets(recorder, [t.access_token, t.refresh_token, t.id_token]);
          return t;
        }, (t) => `token_type ${t.token_type}${t.refresh_token ? ', with refresh token' : ''}${typeof t.expires_in === 'number' ? `, expires in ${t.expires_in} s` : ''}`);
      } catch (err) {
        if (isOAuthError(err, 'invalid_client') && registration.kind === 'dynamic' && !retried) {
          await store.deleteRegistration(as.issuer);
          recorder.note('registration-discarded', `the authorization server rejected client ${registration.clientId}; registering again`);
          await callback.close();
          return authorizationCodeLogin(recorder, target, resolved, fetchFn, options, await startCallback(target, options), true);
        }
        if (isOAuthError(err, 'invalid_client') && registration.kind === 'dynamic') await store.deleteRegistration(as.issuer);
        throw err;
      }
      void fresh;
      const record = buildRecord(target, resolved, registration, options.account ?? DEFAULT_ACCOUNT, tokens, scope, resource !== undefined, dpop.key);
      await saveNewTokenSet(record);
      return tokenSetView(record);
    } finally {
      callback.cancel();
      void callback.close();
    }
  }

  async function clientCredentialsLogin(recorder: FlowRecorder, target: ServerTarget, resolved: ResolvedServer, fetchFn: FetchFn, options: LoginOptions): Promise<TokenSetView> {
    const s = settingsOf(target);
    if (!s.clientId) throw new OAuthError('client_id_required', 'Client credentials need a client id. Enter it in the server settings.');
    const method: TokenEndpointAuthMethod = s.tokenEndpointAuthMethod ?? (s.privateKeyPem ? 'private_key_jwt' : pickSecretMethod(resolved.as));
    const reg: ClientRegistrationRecord = { issuer: resolved.as.issuer, kind: 'client-credentials', clientId: s.clientId, tokenEndpointAuthMethod: method, redirectUris: [], createdAt: now() };
    const scope = selectScope({ override: options.scope ?? s.scope, challenge: options.challenge?.scope, resourceScopes: resolved.prm?.scopes_supported });
    const resource = sendsResource(target) ? resolved.resource : undefined;
    const dpop = await dpopFor(target, resolved.as);
    const ctx = await tokenContext(resolved.as, reg, target, fetchFn, dpop.handle, options.signal);
    emitState(target.serverUrl, { state: 'requesting-token', issuer: resolved.as.issuer, grant: 'client_credentials' });
    const tokens = await recorder.step('client-credentials', async () => {
      const t = await clientCredentialsGrant(ctx, scope, resource);
      recordSecrets(recorder, [t.access_token, t.refresh_token]);
      return t;
    }, (t) => `token_type ${t.token_type} (${method})`);
    const record = buildRecord(target, resolved, reg, options.account ?? DEFAULT_ACCOUNT, tokens, scope, resource !== undefined, dpop.key);
    await saveNewTokenSet(record);
    return tokenSetView(record);
  }

  async function assertionLogin(
    target: ServerTarget,
    account: string | undefined,
    signal: AbortSignal | undefined,
    obtainAssertion: (recorder: FlowRecorder, resolved: ResolvedServer, fetchFn: FetchFn) => Promise<string>,
    grantLabel: string,
  ): Promise<TokenSetView> {
    const recorder = newRecorder('login', target);
    const fetchFn = tracedFetch(baseFetch, requestTimeoutMs, recorder);
    emitStatus(target.serverUrl, { state: 'signing-in', since: now() });
    try {
      const resolved = await resolveServer(recorder, target, fetchFn, undefined, signal);
      const assertion = await obtainAssertion(recorder, resolved, fetchFn);
      recorder.addSecret(assertion);
      const s = settingsOf(target);
      const method: TokenEndpointAuthMethod = s.tokenEndpointAuthMethod ?? (s.privateKeyPem ? 'private_key_jwt' : s.clientSecret ? 'client_secret_basic' : 'none');
      const reg: ClientRegistrationRecord = { issuer: resolved.as.issuer, kind: 'preregistered', clientId: s.clientId ?? '', tokenEndpointAuthMethod: method, redirectUris: [], createdAt: now() };
      if (!reg.clientId) throw new OAuthError('client_id_required', 'This grant needs a client id at the authorization server. Enter it in the server settings.');
      const scope = selectScope({ override: s.scope, resourceScopes: undefined });
      const resource = sendsResource(target) ? resolved.resource : undefined;
      const dpop = await dpopFor(target, resolved.as);
      const ctx = await tokenContext(resolved.as, reg, target, fetchFn, dpop.handle, signal);
      emitState(target.serverUrl, { state: 'requesting-token', issuer: resolved.as.issuer, grant: grantLabel });
      const tokens = await recorder.step(grantLabel, async () => {
        const t = await jwtBearerGrant(ctx, assertion, scope, grantLabel === 'jwt-bearer' ? undefined : resource);
        recordSecrets(recorder, [t.access_token, t.refresh_token]);
        return t;
      }, (t) => `token_type ${t.token_type}`);
      const record = buildRecord(target, resolved, reg, account ?? DEFAULT_ACCOUNT, tokens, scope, false, dpop.key);
      await saveNewTokenSet(record);
      recorder.finish('ok');
      emitStatus(target.serverUrl, { state: 'connected', since: now() });
      return tokenSetView(record);
    } catch (err) {
      const e = err instanceof OAuthError ? err : toOAuthError(err, grantLabel);
      recorder.finish('failed');
      emitStatus(target.serverUrl, { state: 'error', error: { code: e.code, message: recorder.redactText(e.message) } });
      throw e;
    }
  }

  function login(target: ServerTarget, options: LoginOptions = {}): Promise<TokenSetView> {
    const key = `${target.serverUrl}\n${options.account ?? DEFAULT_ACCOUNT}`;
    const pending = pendingLogins.get(key);
    if (pending) return pending;
    const p = runLogin(target, options).finally(() => pendingLogins.delete(key));
    pendingLogins.set(key, p);
    return p;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Token lifecycle
  // ---------------------------------------------------------------------------------------------------------

  /** The token set held for a server and account: by its remembered key, else by a scan of the store. */
  async function findRecord(target: ServerTarget, account = DEFAULT_ACCOUNT): Promise<TokenSetRecord | undefined> {
    const bindingKey = `${target.serverUrl}\n${account}`;
    const bound = bindings.get(bindingKey);
    if (bound) {
      const record = await store.getTokenSet(bound);
      if (record && record.serverUrl === target.serverUrl) return record;
      bindings.delete(bindingKey);
    }
    // The store's index (the keychain keeps one) avoids listing every token set; a stale entry falls through.
    const indexed = await store.findTokenSetKey?.(target.serverUrl, account);
    if (indexed) {
      const record = await store.getTokenSet(indexed);
      if (record && record.serverUrl === target.serverUrl && record.account === account) {
        bindings.set(bindingKey, indexed);
        held.remember(record);
        return record;
      }
    }
    const all = await store.listTokenSets();
    const found = all.filter((r) => r.serverUrl === target.serverUrl && r.account === account).sort((a, b) => b.obtainedAt - a.obtainedAt)[0];
    if (found) {
      const key: TokenSetKey = { issuer: found.issuer, resource: found.resource, account: found.account };
      bindings.set(bindingKey, key);
      held.remember(found);
      // Repair the index in the background: this start already paid for the listing, the next one need not.
      void store.indexTokenSet?.(target.serverUrl, account, key).catch(() => undefined);
    }
    return found;
  }

  function expiringSoon(record: TokenSetRecord): boolean {
    return record.expiresAt !== undefined && record.expiresAt - refreshMarginMs <= now();
  }

  async function registrationFor(record: TokenSetRecord, target: ServerTarget): Promise<ClientRegistrationRecord> {
    const s = settingsOf(target);
    if (record.registration === 'dynamic') {
      const stored = await store.getRegistration(record.issuer);
      if (stored && stored.clientId === record.clientId) return stored;
    }
    const method: TokenEndpointAuthMethod = s.tokenEndpointAuthMethod ?? (s.privateKeyPem ? 'private_key_jwt' : s.clientSecret ? pickSecretMethod(record.authorizationServer) : 'none');
    return { issuer: record.issuer, kind: record.registration === 'client-credentials' ? 'client-credentials' : record.registration, clientId: record.clientId, tokenEndpointAuthMethod: method, redirectUris: [], createdAt: record.obtainedAt };
  }

  /**
   * Refreshes under the family lock. After taking the lock the stored set is re-read: when another flow (or process)
   * already replaced the token that was used, that result is returned without a second refresh.
   */
  async function refreshRecord(target: ServerTarget, used: TokenSetRecord, signal?: AbortSignal): Promise<TokenSetRecord> {
    return lock.withLock(tokenSetKeyString(used), async () => {
      const current = await store.getTokenSet(used);
      if (!current) throw new OAuthError('not_signed_in', 'You are signed out of this server. Sign in again.');
      if (current.accessToken !== used.accessToken && !expiringSoon(current)) return current;
      if (!current.refreshToken) throw new OAuthError('invalid_grant', 'The access token expired and the server gave no refresh token. Sign in again.');
      const recorder = newRecorder('refresh', target);
      recordSecrets(recorder, [current.accessToken, current.refreshToken, current.idToken]);
      const fetchFn = tracedFetch(baseFetch, requestTimeoutMs, recorder);
      emitStatus(target.serverUrl, { state: 'refreshing' });
      const as = current.authorizationServer;
      try {
        const reg = await registrationFor(current, target);
        recordSecrets(recorder, [reg.clientSecret]);
        const handle = current.dpopKey ? await dpopHandles.get(current.dpopKey) : undefined;
        const ctx = await tokenContext(as, reg, target, fetchFn, handle, signal);
        const tokens = await recorder.step('refresh', async () => {
          const t = await refreshTokenGrant(ctx, current.refreshToken!, current.sentResource ? current.resource : undefined);
          recordSecrets(recorder, [t.access_token, t.refresh_token, t.id_token]);
          return t;
        }, (t) => (t.refresh_token && t.refresh_token !== current.refreshToken ? 'refresh token rotated' : 'refresh token kept'));
        const rotated = !!tokens.refresh_token && tokens.refresh_token !== current.refreshToken;
        const at = now();
        const history: RefreshRecord[] = [...current.refreshHistory, { at, outcome: 'ok' as const, rotated }].slice(-50);
        const next: TokenSetRecord = {
          ...current,
          accessToken: tokens.access_token,
          tokenType: tokens.token_type === 'dpop' ? 'DPoP' : 'Bearer',
          refreshToken: tokens.refresh_token ?? current.refreshToken,
          ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
          expiresAt: typeof tokens.expires_in === 'number' ? at + tokens.expires_in * 1000 : undefined,
          scopes: typeof tokens.scope === 'string' ? splitScope(tokens.scope) : current.scopes,
          refreshHistory: history,
        } as TokenSetRecord;
        await store.putTokenSet(next);
        recorder.finish('ok');
        emitStatus(target.serverUrl, { state: 'connected', since: now() });
        return next;
      } catch (err) {
        const e = err instanceof OAuthError ? err : toOAuthError(err, 'token refresh');
        recorder.finish('failed');
        const latest = await store.getTokenSet(current);
        if (e.code === 'invalid_grant') {
          // Forget the tokens only if they are still the ones this refresh used.
          if (latest && latest.refreshToken === current.refreshToken) await store.deleteTokenSet(current);
          emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'Your sign-in expired.' });
        } else if (latest && latest.refreshToken === current.refreshToken) {
          await store.putTokenSet({ ...latest, refreshHistory: [...latest.refreshHistory, { at: now(), outcome: 'failed' as const, rotated: false, errorCode: e.code }].slice(-50) });
        }
        throw e;
      }
    });
  }

  async function refresh(target: ServerTarget, options: { readonly account?: string; readonly signal?: AbortSignal } = {}): Promise<TokenSetView> {
    const record = await findRecord(target, options.account);
    if (!record) throw new OAuthError('not_signed_in', 'You are not signed in to this server. Sign in first.');
    return tokenSetView(await refreshRecord(target, record, options.signal));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Authorized fetch (the MCP transport's `fetch`)
  // ---------------------------------------------------------------------------------------------------------

  async function sendWithToken(record: TokenSetRecord | undefined, input: string | URL | Request, init: RequestInit): Promise<Response> {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!record) return baseFetch(url, init);
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    const options = {
      [oauth.customFetch]: (u: string, i: RequestInit) => baseFetch(u, { ...i, redirect: init.redirect ?? 'follow' }),
      [oauth.allowInsecureRequests]: insecureOptionFor(url),
      ...(init.signal ? { signal: init.signal } : {}),
    };
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.body ?? null;
    if (record.dpopKey && record.tokenType === 'DPoP') {
      const handle = await dpopHandles.get(record.dpopKey);
      const send = (): Promise<Response> => oauth.protectedResourceRequest(record.accessToken, method, url, new Headers(headers), body as oauth.ProtectedResourceRequestBody, { ...options, DPoP: handle } as oauth.ProtectedResourceRequestOptions);
      try {
        return await send();
      } catch (err) {
        if (err instanceof oauth.WWWAuthenticateChallengeError) {
          if (oauth.isDPoPNonceError(err)) {
            try {
              return await send();
            } catch (again) {
              if (again instanceof oauth.WWWAuthenticateChallengeError) return again.response;
              throw again;
            }
          }
          return err.response;
        }
        throw err;
      }
    }
    headers.set('authorization', `Bearer ${record.accessToken}`);
    return baseFetch(url, { ...init, headers });
  }

  function authorizedFetch(target: ServerTarget, fetchOptions: AuthorizedFetchOptions = {}): FetchFn {
    const account = fetchOptions.account ?? DEFAULT_ACCOUNT;
    const interactive = fetchOptions.interactive !== false;
    const attempts = new Map<string, number>();
    const nonInteractiveMode = settingsOf(target).mode === 'client-credentials';

    const reauthorize = async (challenge: ChallengeInfo | undefined, scope?: string): Promise<TokenSetRecord | undefined> => {
      if (!interactive && !nonInteractiveMode) {
        emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'The server asked Keyport to sign in.' });
        throw new OAuthError('not_signed_in', 'This server needs you to sign in. Sign in and try again.');
      }
      await login(target, { account, ...(challenge ? { challenge } : {}), ...(scope ? { scope } : {}) });
      return findRecord(target, account);
    };
    // Authorization attempts per resource (the 401 login counts too); reset once a stepped-up request succeeds.
    const countAttempt = (resourceKey: string): number => {
      const n = (attempts.get(resourceKey) ?? 0) + 1;
      attempts.set(resourceKey, n);
      return n;
    };

    // The held token set is looked up now, not at the first request: the keychain read then runs (on the thread pool)
    // while the caller builds its client and transport. The first request uses its answer (found or not); a lookup
    // that failed is run again by that request, which reports the error.
    let lookup: Promise<{ readonly record: TokenSetRecord | undefined } | undefined> | undefined = held.get(target.serverUrl, account)
      ? undefined
      : findRecord(target, account).then(
          (record) => ({ record }),
          () => undefined,
        );

    return async (input, init = {}) => {
      let looked: { readonly record: TokenSetRecord | undefined } | undefined;
      if (lookup) {
        const pending = lookup;
        lookup = undefined;
        looked = await pending;
      }
      // The request path uses the token set this engine last read or wrote, so an MCP request does not read the
      // keychain; every decision that matters (refresh, a 401, sign-out) re-reads the store.
      let record = held.get(target.serverUrl, account) ?? (looked ? looked.record : await findRecord(target, account));
      if (record?.refreshToken && expiringSoon(record)) {
        try {
          record = await refreshRecord(target, record, init.signal ?? undefined);
        } catch {
          // A failed proactive refresh is not fatal: send what is held (or nothing); a 401 takes the reactive path.
          record = await findRecord(target, account);
        }
      }
      let response = await sendWithToken(record, input, init);
      let steppedUp = false;
      if (response.status === 401) {
        const challenge = readChallenge(response.headers.get('www-authenticate'));
        await response.body?.cancel().catch(() => undefined);
        let next: TokenSetRecord | undefined;
        if (record?.refreshToken) {
          try {
            next = await refreshRecord(target, record, init.signal ?? undefined);
          } catch (err) {
            if (!isOAuthError(err) || (err.code !== 'invalid_grant' && err.code !== 'not_signed_in')) throw err;
          }
        } else if (record) {
          // Another request may already have replaced the token.
          const latest = await findRecord(target, account);
          if (latest && latest.accessToken !== record.accessToken) next = latest;
        }
        if (!next) {
          countAttempt(record?.resource ?? target.serverUrl);
          next = await reauthorize(challenge, undefined);
        }
        record = next;
        response = await sendWithToken(record, input, init);
      }
      // Step-up: 403 insufficient_scope (RFC 6750 §3.1, MCP "Step-Up Authorization Flow").
      while (response.status === 403) {
        const challenge = readChallenge(response.headers.get('www-authenticate'));
        if (challenge.error !== 'insufficient_scope') break;
        await response.body?.cancel().catch(() => undefined);
        const resourceKey = record?.resource ?? target.serverUrl;
        const scopes = splitScope(unionScopes(record?.scopes, challenge.scope));
        if ((attempts.get(resourceKey) ?? 0) >= maxStepUp) {
          emitStatus(target.serverUrl, { state: 'step-up-needed', scopes });
          throw new OAuthError('insufficient_scope', `The server still refuses the request after ${maxStepUp} sign-ins asking for more permissions (${scopes.join(' ')}). Ask the server's operator for access.`, { scopes });
        }
        if (!interactive) {
          emitStatus(target.serverUrl, { state: 'step-up-needed', scopes });
          throw new OAuthError('insufficient_scope', `This action needs more permissions (${scopes.join(' ')}). Sign in again to grant them.`, { scopes });
        }
        countAttempt(resourceKey);
        steppedUp = true;
        record = await reauthorize(challenge, scopes.join(' '));
        response = await sendWithToken(record, input, init);
      }
      if (response.ok && steppedUp) attempts.delete(record?.resource ?? target.serverUrl);
      return response;
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sign-out, introspection, views, registration management
  // ---------------------------------------------------------------------------------------------------------

  async function logout(target: ServerTarget, options: { readonly account?: string } = {}): Promise<LogoutResult> {
    const record = await findRecord(target, options.account);
    if (!record) return { revoked: false, revokedTokens: [] };
    const as = record.authorizationServer;
    const revokedTokens: ('refresh_token' | 'access_token')[] = [];
    if (as.revocation_endpoint) {
      const recorder = newRecorder('revocation', target);
      recordSecrets(recorder, [record.accessToken, record.refreshToken, record.idToken]);
      const fetchFn = tracedFetch(baseFetch, requestTimeoutMs, recorder);
      try {
        assertSafeEndpoint(as.revocation_endpoint, 'revocation endpoint');
        const reg = await registrationFor(record, target);
        recordSecrets(recorder, [reg.clientSecret]);
        const ctx = await tokenContext(as, reg, target, fetchFn, undefined);
        // Each token separately: an AS may refuse one type (e.g. JWT access tokens) and still revoke the other.
        const attempts: readonly ['refresh_token' | 'access_token', string | undefined][] = [
          ['refresh_token', record.refreshToken],
          ['access_token', record.accessToken],
        ];
        for (const [hint, token] of attempts) {
          if (!token) continue;
          try {
            await recorder.step(`revoke-${hint.replace('_', '-')}`, () => revokeToken(ctx, token, hint));
            revokedTokens.push(hint);
          } catch {
            // recorded in the trace; continue with the other token
          }
        }
        recorder.finish(revokedTokens.length > 0 ? 'ok' : 'failed');
      } catch {
        recorder.finish('failed');
      }
    }
    const revoked = record.refreshToken ? revokedTokens.includes('refresh_token') : revokedTokens.includes('access_token');
    await store.deleteTokenSet(record);
    emitStatus(target.serverUrl, { state: 'needs-sign-in', reason: 'Signed out.' });
    return { revoked, revokedTokens };
  }

  async function introspect(target: ServerTarget, options: { readonly account?: string } = {}): Promise<oauth.IntrospectionResponse> {
    const record = await findRecord(target, options.account);
    if (!record) throw new OAuthError('not_signed_in', 'You are not signed in to this server. Sign in first.');
    const as = record.authorizationServer;
    if (!as.introspection_endpoint) throw new OAuthError('unsupported', 'This authorization server does not offer token introspection.');
    assertSafeEndpoint(as.introspection_endpoint, 'introspection endpoint');
    const recorder = newRecorder('introspection', target);
    recordSecrets(recorder, [record.accessToken, record.refreshToken]);
    const fetchFn = tracedFetch(baseFetch, requestTimeoutMs, recorder);
    try {
      const reg = await registrationFor(record, target);
      recordSecrets(recorder, [reg.clientSecret]);
      const ctx = await tokenContext(as, reg, target, fetchFn, undefined);
      const result = await recorder.step('introspect', () => introspectToken(ctx, record.accessToken, 'access_token'), (r) => (r.active ? 'active' : 'inactive'));
      recorder.finish('ok');
      return result;
    } catch (err) {
      recorder.finish('failed');
      throw err instanceof OAuthError ? err : toOAuthError(err, 'introspection');
    }
  }

  async function status(target: ServerTarget, options: { readonly account?: string } = {}): Promise<AuthStatus> {
    const record = await findRecord(target, options.account);
    if (!record) return { state: 'signed-out' };
    if (record.expiresAt !== undefined && record.expiresAt <= now()) return { state: 'expired', refreshable: !!record.refreshToken, issuer: record.issuer };
    return { state: 'signed-in', scopes: record.scopes, issuer: record.issuer, ...(record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}) };
  }

  async function issuerFor(target: ServerTarget): Promise<string> {
    const record = await findRecord(target);
    if (record) return record.issuer;
    const recorder = newRecorder('login', target);
    const resolved = await resolveServer(recorder, target, tracedFetch(baseFetch, requestTimeoutMs, recorder), undefined);
    return resolved.as.issuer;
  }

  async function managedRegistration(target: ServerTarget): Promise<ClientRegistrationRecord> {
    const reg = await store.getRegistration(await issuerFor(target));
    if (!reg) throw new OAuthError('not_signed_in', 'Keyport holds no registration for this server\'s authorization server.');
    return reg;
  }

  return {
    login,
    loginWithIdJag: (target, input) =>
      assertionLogin(target, input.account, input.signal, async (recorder, resolved, fetchFn) => {
        recorder.addSecret(input.idToken);
        assertSafeEndpoint(input.idpTokenEndpoint, 'identity provider token endpoint');
        const idp: AuthorizationServer = { issuer: input.idpIssuer, token_endpoint: input.idpTokenEndpoint };
        const ctx: TokenEndpointContext = { as: idp, client: { client_id: input.idpClientId, token_endpoint_auth_method: 'none' }, clientAuth: oauth.None(), fetch: fetchFn, ...(input.signal ? { signal: input.signal } : {}) };
        return recorder.step('token-exchange-id-jag', () => requestIdJag(ctx, { idToken: input.idToken, audience: resolved.as.issuer, resource: resolved.resource, ...(settingsOf(target).scope ? { scope: settingsOf(target).scope! } : {}) }), () => 'ID-JAG issued');
      }, 'id-jag-bearer'),
    loginWithJwtBearer: (target, input) => assertionLogin(target, input.account, input.signal, async () => input.assertion, 'jwt-bearer'),
    authorizedFetch,
    refresh,
    logout,
    introspect,
    tokenSetView: async (target, options = {}) => {
      const r = await findRecord(target, options.account);
      return r ? tokenSetView(r) : undefined;
    },
    status,
    readRegistration: async (target) => readRegistration(plainFetch, await managedRegistration(target)),
    updateRegistration: async (target, metadata) => {
      const reg = await managedRegistration(target);
      const next = await updateRegistration(plainFetch, reg, metadata, now());
      await store.putRegistration(next);
      return readRegistrationView(next);
    },
    deleteRegistration: async (target) => {
      const reg = await managedRegistration(target);
      await deleteRegistration(plainFetch, reg);
      await store.deleteRegistration(reg.issuer);
    },
    forgetRegistration: async (target) => {
      await store.deleteRegistration(await issuerFor(target));
    },
  };
}

function pickSecretMethod(as: AuthorizationServer): TokenEndpointAuthMethod {
  const supported = as.token_endpoint_auth_methods_supported;
  if (Array.isArray(supported) && !supported.includes('client_secret_basic') && supported.includes('client_secret_post')) return 'client_secret_post';
  return 'client_secret_basic';
}

function resourceFromUrl(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.hash = '';
  return u.href;
}

function readRegistrationView(reg: ClientRegistrationRecord): Record<string, unknown> {
  return { client_id: reg.clientId, token_endpoint_auth_method: reg.tokenEndpointAuthMethod, redirect_uris: reg.redirectUris, ...(reg.scope ? { scope: reg.scope } : {}) };
}

/**
 * The last token set the engine read from or wrote to its store, per server URL and account. A cache for the request
 * path only: a stale entry (another process refreshed or signed out) at worst sends an access token that is still
 * valid or gets a 401, and both lead to a fresh read of the store under the refresh lock.
 */
class HeldTokenSets {
  #byServer = new Map<string, TokenSetRecord>();

  get(serverUrl: string, account: string): TokenSetRecord | undefined {
    return this.#byServer.get(`${serverUrl}\n${account}`);
  }

  /** Records what a lookup chose (e.g. the newest of several token sets found by listing). */
  remember(record: TokenSetRecord): void {
    this.#byServer.set(`${record.serverUrl}\n${record.account}`, record);
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
