/** The OAuth engine's public surface (see README.md): import from here, not from the step modules. */
export { createOAuthEngine } from './engine.ts';
export { DEFAULT_ACCOUNT } from './engine/types.ts';
export { localBrowserAvailable } from './engine/device-flow.ts';
export { CALLBACK_PATH } from './callback-server.ts';
export type {
  AccountInfo,
  AuthStatus,
  AuthorizedFetchOptions,
  IdJagLoginInput,
  JwtBearerLoginInput,
  LoginOptions,
  LoginState,
  LogoutResult,
  OAuthEngine,
  OAuthEngineDeps,
  PastedRedirectResult,
  ServerAuthSettings,
  ServerTarget,
  SignInMethod,
} from './engine/types.ts';
export { OAuthError, isOAuthError, oauthErrorCodes } from './errors.ts';
export type { OAuthErrorCode } from './errors.ts';
export { InMemoryCredentialStore, InProcessRefreshLock, tokenSetKeyString } from './store.ts';
export type { ClientRegistrationRecord, CredentialStore, DPoPKeyRecord, RefreshLock, TokenSetKey, TokenSetRecord } from './store.ts';
export type { FetchFn } from './http.ts';
export { readClientKey } from './client-key.ts';
export { assertSafeBrowserUrl, isLoopbackHost } from './url-safety.ts';
export { tokenSetView } from './views.ts';
export { parseWwwAuthenticate, readChallenge } from './www-authenticate.ts';
export type { AuthChallenge, ChallengeInfo } from './www-authenticate.ts';
export { DEFAULT_EXPIRY_WARNINGS, lifetimeState, parseSpan, warningSpansFrom } from './lifetimes.ts';
export type { ExpiryWarningSpans, LifetimeState } from './lifetimes.ts';
export { REDACTED, redactBody, redactUrl } from './trace.ts';
export { describeScope } from './scope-descriptions.ts';
