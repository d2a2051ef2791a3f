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
