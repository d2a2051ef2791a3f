/**
 * The OAuth engine's public types: what callers pass in (targets, settings, options, injected side effects) and what
 * they get back (login states, statuses, the engine's API). Kept apart from the code so every engine module and every
 * caller shares one definition.
 */
import type * as oauth from 'oauth4webapi';
import type { AuthSettingsView, DeviceCodeView, FlowTraceView, IpcError, LoginPlanView, RemovalReportView, ServerStatus, TokenSetView } from '../../../preload/contract.ts';
import type { FetchFn } from '../http.ts';
import type { CredentialStore, RefreshLock } from '../store.ts';
import type { ChallengeInfo } from '../www-authenticate.ts';

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
  /**
   * RFC 8628: the user enters `userCode` at `verificationUri` on any device. The user code is shown, so it is not a
   * secret like a token; the device code is, and never appears in a state.
   */
  | ({ readonly state: 'awaiting-device' } & DeviceCodeView)
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
  /** Whether a browser can be opened on this machine (for `signInMethod: 'automatic'`); default true. */
  readonly browserAvailable?: () => boolean;
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
  /** `scope` is exactly what the user consented to (issue 14): nothing is added to it, not even `offline_access`. */
  readonly exactScope?: boolean;
  /** Overrides the server's `signInMethod` for this login: the browser (with the loopback) or RFC 8628. */
  readonly method?: 'browser' | 'device';
  /**
   * Signs in another identity: the authorization request asks the user to choose one (`prompt=select_account` where
   * the AS offers it, else `prompt=login`), and the account is named after the identity unless it is already stored.
   */
  readonly addAccount?: boolean;
  /**
   * Asks the user to choose the identity (the same `prompt` as `addAccount`) but stores under `account` by the usual
   * rule: for a named account that holds no tokens yet while the server has others (`keyport login --account NAME`).
   */
  readonly selectAccount?: boolean;
}

/** How a server signs users in: the browser (default), the device authorization grant, or device when no browser can open. */
export type SignInMethod = 'browser' | 'device' | 'automatic';

/** The answer to a pasted redirected address: accepted, or refused with a reason (never the pasted text). */
export interface PastedRedirectResult {
  readonly accepted: boolean;
  /** A stable reason code (`wrong-state`, `wrong-iss`, `no-sign-in-pending`, …). */
  readonly reason?: string;
  /** What to tell the user; fixed text. */
  readonly message?: string;
}

/** One identity Keyport holds tokens for at a server: the stored account and what the tokens say about the user. */
export interface AccountInfo {
  /** The account key the token set is stored under (issuer, resource, account). */
  readonly account: string;
  readonly issuer: string;
  readonly resource: string;
  /** `sub` of the ID token, else of a JWT access token. */
  readonly subject?: string;
  readonly username?: string;
  readonly email?: string;
  /** The best name the tokens give: username, else email, else name, else subject, else the account key. */
  readonly label: string;
  readonly scopes: readonly string[];
  readonly obtainedAt: number;
  readonly expiresAt?: number;
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
  /** Hands a redirected address the user pasted to the login waiting for it; checked exactly like a callback. */
  submitRedirect(target: ServerTarget, address: string, options?: { readonly account?: string }): PastedRedirectResult;
  /** The accounts (identities) Keyport holds tokens for at this server. */
  accounts(target: ServerTarget): Promise<readonly AccountInfo[]>;
  /** What a login would request, found by discovery alone: the consent list shown before the browser opens. */
  planLogin(target: ServerTarget, options?: { readonly challenge?: ChallengeInfo; readonly signal?: AbortSignal }): Promise<LoginPlanView>;
  /** Revokes (RFC 7009) and forgets every token set of a server, and deletes (RFC 7592) the registrations only it used. */
  forgetServer(target: ServerTarget, options: { readonly otherServerUrls: readonly string[] }): Promise<RemovalReportView>;
}

/** The account a token set is kept under when the caller names none (one user per server in the app). */
export const DEFAULT_ACCOUNT = 'default';
