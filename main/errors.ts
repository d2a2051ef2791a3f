/**
 * Errors of the app core (main/core.ts, main/services.ts) that belong to no single layer: a stable `code` the UI and
 * the CLI branch on, and a message that says what to do next. Layers have their own (OAuthError, ConfigError,
 * KeychainError, McpConnectionError); all of them cross IPC as `{code, message}`.
 */

/** Every stable code of {@link KeyportError}. */
export const keyportErrorCodes = [
  'interactive_login_required',
  'not_applicable',
  'secret_missing',
  'unsafe_url',
  'no_sign_in_pending',
  'unsupported',
  'not_signed_in',
  'unknown_request',
  /** A proxy or CA certificate setting cannot be used (main/net/proxy.ts). */
  'network_config',
  'account_not_found',
] as const;

/** A stable code of {@link KeyportError}. */
export type KeyportErrorCode = (typeof keyportErrorCodes)[number];

/** The core's typed error. */
export class KeyportError extends Error {
  readonly code: KeyportErrorCode;
  constructor(code: KeyportErrorCode, message: string) {
    super(message);
    this.name = 'KeyportError';
    this.code = code;
  }
}

/** Names of the typed errors of Keyport's local layers: the keychain, the server list, the core, file locks. */
const localErrorNames = new Set(['KeychainError', 'ConfigError', 'KeyportError', 'LockTimeoutError']);

/**
 * The local failure (keychain unavailable, damaged config…) behind an error, if any, looking through `cause`s.
 * Protocol layers (OAuth, MCP) pass such a failure on with its own message, which says what to fix, instead of
 * reporting a generic network or protocol error.
 */
export function localFailureOf(err: unknown): (Error & { readonly code: string }) | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (localErrorNames.has(current.name) && typeof code === 'string') return current as Error & { code: string };
    current = current.cause;
  }
  return undefined;
}
