/**
 * Typed errors of the OAuth engine. Callers branch on `code` (stable), never on the message; every message says
 * what the user can do next and never contains a secret value.
 */

/** Every stable error code the engine can raise. */
export const oauthErrorCodes = [
  'discovery_failed',
  'issuer_mismatch',
  'pkce_unsupported',
  'unsafe_url',
  'resource_mismatch',
  'state_mismatch',
  'iss_mismatch',
  'access_denied',
  'authorization_failed',
  'login_timeout',
  'cancelled',
  'invalid_grant',
  'invalid_client',
  'client_id_required',
  'registration_failed',
  'insufficient_scope',
  'not_signed_in',
  'unsupported',
  'token_request_failed',
  'callback_port_in_use',
  'network',
  'local_failure',
  /** The resource requires DPoP-bound tokens and they cannot be had (RFC 9449), or the token type came back wrong. */
  'dpop_required',
  /** The MCP server refused an access token that was just issued or refreshed (a second 401 for one request). */
  'token_rejected',
  /** The authorization server is unreachable or failing (5xx) during a refresh: the tokens are kept. */
  'authorization_server_unavailable',
  /** A value received from a server is malformed (control characters, out-of-range numbers, too deep or too large). */
  'invalid_response',
  // Provider refusals a setting can fix (provider-errors.ts); each message names the setting.
  'resource_rejected',
  'scope_rejected',
  'redirect_uri_rejected',
  'client_auth_rejected',
] as const;

/** A stable error code; see {@link oauthErrorCodes}. */
export type OAuthErrorCode = (typeof oauthErrorCodes)[number];

/** Extra facts attached to an error (never secrets): the OAuth error string, HTTP status, scopes of a challenge. */
export interface OAuthErrorDetails {
  readonly oauthError?: string;
  readonly status?: number;
  readonly scopes?: readonly string[];
  readonly url?: string;
  readonly cause?: unknown;
}

/** The one error class the engine throws: a stable `code` plus a message that says what to do next. */
export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly oauthError?: string;
  readonly status?: number;
  readonly scopes?: readonly string[];
  readonly url?: string;

  constructor(code: OAuthErrorCode, message: string, details: OAuthErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OAuthError';
    this.code = code;
    if (details.oauthError !== undefined) this.oauthError = details.oauthError;
    if (details.status !== undefined) this.status = details.status;
    if (details.scopes !== undefined) this.scopes = details.scopes;
    if (details.url !== undefined) this.url = details.url;
  }

  /** The `{ code, message }` pair that crosses IPC (`IpcError`). */
  toJSON(): { readonly code: string; readonly message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `err` is an {@link OAuthError}, optionally with the given code. */
export function isOAuthError(err: unknown, code?: OAuthErrorCode): err is OAuthError {
  return err instanceof OAuthError && (code === undefined || err.code === code);
}

/**
 * Text from outside Keyport (a server's error description, an issuer, a value the user typed) made safe to put in an
 * error message: one line, control, line-separator and bidi characters replaced, at most `max` characters. Messages
 * reach terminals and one-line notices; the text is always shown as text, never as markup.
 */
export function printableText(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
