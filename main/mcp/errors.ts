/**
 * Typed errors of the MCP connection layer. Callers (IPC, CLI, UI) branch on `code`, never on the message; every
 * message says what the user can do next and never contains a token or a secret.
 */
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode, SdkHttpError, SseError } from '@modelcontextprotocol/client';
import { localFailureOf } from '../errors.ts';

/** Every stable error code this layer raises. */
export const mcpErrorCodes = [
  /** Nothing answers at the address (refused, reset, DNS, process would not start). */
  'server_unreachable',
  /** Something answers, but not as an MCP server (HTML page, 404 on both transports, wrong content type). */
  'not_mcp_server',
  /** The server speaks MCP badly: invalid JSON, invalid JSON-RPC, unsupported protocol version. */
  'protocol_error',
  /** No answer within the time allowed. */
  'timeout',
  /** The caller cancelled the request. */
  'cancelled',
  /** Tool or prompt arguments do not match the declared schema. */
  'invalid_arguments',
  /** The server rejected a tool call with a JSON-RPC error (as opposed to an `isError` result, which is data). */
  'tool_error',
  /** `structuredContent` does not match the tool's `outputSchema`, or is missing. */
  'invalid_output',
  /** The tool, prompt or resource is not offered by the server. */
  'not_found',
  /** The server does not offer the capability (tools, resources, prompts, logging). */
  'unsupported',
  /** The server answered a request with a JSON-RPC error. */
  'server_error',
  /** The server needs the user to sign in (401, or the engine has no usable token). */
  'needs_sign_in',
  /** The server needs more scopes than the token carries (403 insufficient_scope). */
  'insufficient_scope',
  /** The server refused access for another reason (403 without a step-up, or the engine gave up). */
  'access_denied',
  /** The connection is not open (never connected, disconnected, or lost and not yet back). */
  'not_connected',
  /** The server configuration itself is unusable (bad URL, missing command). */
  'invalid_config',
  /** Something on this machine failed (the keychain is unavailable, the server list is damaged); the message says what. */
  'local_failure',
  /** A message broke a bound (size of one message or SSE event, nesting depth, items in a list); nothing of it was used. */
  'message_too_large',
  /** The sign-in side failed for a reason of its own (the engine's code and message are kept: see `authCode`). */
  'auth_failed',
] as const;

/** A stable error code; see {@link mcpErrorCodes}. */
export type McpErrorCode = (typeof mcpErrorCodes)[number];

/** Facts attached to an error (never secrets). */
export interface McpConnectionErrorDetails {
  readonly status?: number;
  readonly scopes?: readonly string[];
  readonly tool?: string;
  readonly rpcCode?: number;
  /** For `auth_failed`: the sign-in side's own code (e.g. `token_rejected`, `authorization_server_unavailable`). */
  readonly authCode?: string;
  readonly cause?: unknown;
}

/** The one error class the MCP layer throws: a stable `code` plus a message that says what to do next. */
export class McpConnectionError extends Error {
  readonly code: McpErrorCode;
  readonly status?: number;
  readonly scopes?: readonly string[];
  readonly tool?: string;
  readonly rpcCode?: number;
  readonly authCode?: string;

  constructor(code: McpErrorCode, message: string, details: McpConnectionErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'McpConnectionError';
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.scopes !== undefined) this.scopes = details.scopes;
    if (details.tool !== undefined) this.tool = details.tool;
    if (details.rpcCode !== undefined) this.rpcCode = details.rpcCode;
    if (details.authCode !== undefined) this.authCode = details.authCode;
  }

  /** The `{ code, message }` pair that crosses IPC (`IpcError`). */
  toJSON(): { readonly code: string; readonly message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `err` is an {@link McpConnectionError}, optionally with the given code. */
export function isMcpConnectionError(err: unknown, code?: McpErrorCode): err is McpConnectionError {
  return err instanceof McpConnectionError && (code === undefined || err.code === code);
}

/**
 * A challenge the authorized fetch (the OAuth engine) reports by throwing: any error whose `code` is one of these
 * strings is understood, without importing the engine. See README.md, "The auth seam".
 */
export const signInChallengeCodes: readonly string[] = ['needs_sign_in', 'not_signed_in', 'invalid_grant', 'invalid_token'];

/** Error codes from the auth seam that mean "more scopes are needed" (a step-up). */
export const stepUpChallengeCodes: readonly string[] = ['insufficient_scope'];

/** Error codes from the auth seam that mean "give up": access was refused and retrying will not help. */
export const deniedChallengeCodes: readonly string[] = ['step_up_limit', 'access_denied'];

function codeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function scopesOf(err: unknown): readonly string[] {
  if (typeof err === 'object' && err !== null && 'scopes' in err) {
    const scopes = (err as { scopes: unknown }).scopes;
    if (Array.isArray(scopes)) return scopes.filter((s): s is string => typeof s === 'string');
    if (typeof scopes === 'string') return scopes.split(' ').filter(Boolean);
  }
  return [];
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ENOENT',
  'EACCES',
]);

/** True when undici refused an answer because its headers exceed its limit (a 100 KB `WWW-Authenticate`, say). */
export function headersTooLarge(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; depth < 6 && cur !== undefined && cur !== null; depth++) {
    if (codeOf(cur) === 'UND_ERR_HEADERS_OVERFLOW') return true;
    cur = typeof cur === 'object' && 'cause' in cur ? (cur as { cause: unknown }).cause : undefined;
  }
  return false;
}

/**
 * The network-level code of a fetch failure (`TypeError: fetch failed` with a cause chain), if any. An answer refused
 * for oversized headers is not a network failure: the server answered, badly, and reconnecting would not help.
 */
export function networkCodeOf(err: unknown): string | undefined {
  if (headersTooLarge(err)) return undefined;
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur !== undefined && cur !== null; depth++) {
    const code = codeOf(cur);
    if (code !== undefined && unreachableCodes.has(code)) return code;
    if (cur instanceof AggregateError) {
      for (const inner of cur.errors) {
        const c = networkCodeOf(inner);
        if (c !== undefined) return c;
      }
    }
    cur = typeof cur === 'object' && 'cause' in cur ? (cur as { cause: unknown }).cause : undefined;
  }
  if (err instanceof TypeError && /fetch failed|terminated|other side closed/i.test(err.message)) return 'FETCH_FAILED';
  if (err instanceof Error && /SSE stream disconnected|terminated|socket hang up/i.test(err.message)) return 'STREAM_CLOSED';
  return undefined;
}

/** True when the request provably never reached the server, so it is safe to send it again (even a tool call). */
export function isNotDelivered(err: unknown): boolean {
  const code = networkCodeOf(err);
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** The HTTP status an SDK transport error carries, if any. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof SdkHttpError) return err.status;
  if (err instanceof SseError) return err.code;
  return undefined;
}

/** True when the SDK reports that the connection itself closed (the process exited, the stream ended). */
export function isConnectionClosed(err: unknown): boolean {
  return err instanceof SdkError && err.code === SdkErrorCode.ConnectionClosed;
}

/** True when the server forgot our session (restarted): a 404 on a request that carried `Mcp-Session-Id`. */
export function isSessionLost(err: unknown): boolean {
  return (
    (err instanceof SdkHttpError && err.status === 404) ||
    // the legacy SSE transport reports an unknown session as a plain Error
    (err instanceof Error && /^Error POSTing to endpoint \(HTTP 404\)/.test(err.message)) ||
    isMcpConnectionError(err, 'not_connected')
  );
}

/** True when the session behind a failed request is gone (network failure, forgotten session, closed connection). */
export function isLostError(err: unknown): boolean {
  return isSessionLost(err) || networkCodeOf(err) !== undefined || isConnectionClosed(err);
}

/** Codes worth retrying in the background: the server may come back. */
export function isTransient(code: McpErrorCode): boolean {
  return code === 'server_unreachable' || code === 'timeout';
}

/**
 * The errors a response limit produced (limits.ts), by a random token. On an SSE response the SDK does not fail a
 * request whose stream breaks (it waits for its timeout), so the limiter ends the stream with a JSON-RPC error for
 * the request instead, carrying only a token; {@link toMcpError} turns it back into the typed error. A server cannot
 * forge one: it cannot know the token.
 */
const limitErrors = new Map<string, McpConnectionError>();
const LIMIT_TOKEN_FIELD = 'keyportLimit';

/** The `data` of a synthesised JSON-RPC error that stands for `err`. */
export function limitErrorData(err: McpConnectionError): Record<string, string> {
  const token = crypto.randomUUID();
  limitErrors.set(token, err);
  if (limitErrors.size > 1000) limitErrors.delete(limitErrors.keys().next().value as string);
  return { [LIMIT_TOKEN_FIELD]: token };
}

/** The limit error behind a JSON-RPC error the limiter synthesised, if it is one (it is then forgotten). */
function limitErrorOf(data: unknown): McpConnectionError | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const token = (data as Record<string, unknown>)[LIMIT_TOKEN_FIELD];
  if (typeof token !== 'string') return undefined;
  const err = limitErrors.get(token);
  limitErrors.delete(token);
  return err;
}

/** The `host:port` of a URL, safe to show (no path, no query). */
export function hostOf(url: string | URL | undefined): string {
  if (url === undefined) return 'the server';
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

/** Context for turning a low-level failure into a typed error. */
export interface ErrorContext {
  readonly url?: string;
  readonly what?: string;
  readonly tool?: string;
  readonly timeoutMs?: number;
  readonly cancelled?: boolean;
}

/**
 * Turns anything thrown by the SDK, the transport or the injected fetch into an {@link McpConnectionError}.
 * The original error is kept as `cause` for logs; its message is never shown because it may echo server text.
 */
export function toMcpError(err: unknown, ctx: ErrorContext = {}): McpConnectionError {
  if (err instanceof McpConnectionError) return err;
  const local = localFailureOf(err);
  if (local) return new McpConnectionError('local_failure', local.message, { cause: local });
  const host = hostOf(ctx.url);
  const what = ctx.what ?? 'The request';
  const code = codeOf(err);
  if (code !== undefined && signInChallengeCodes.includes(code)) {
    return new McpConnectionError('needs_sign_in', `Sign in to ${host} again, then retry.`, { cause: err });
  }
  if (code !== undefined && stepUpChallengeCodes.includes(code)) {
    const scopes = scopesOf(err);
    const tool = ctx.tool;
    return new McpConnectionError(
      'insufficient_scope',
      `${tool !== undefined ? `The tool "${tool}"` : 'This request'} needs more access${scopes.length > 0 ? ` (${scopes.join(' ')})` : ''}: approve the additional permissions, then retry.`,
      { scopes, cause: err, ...(tool !== undefined ? { tool } : {}) },
    );
  }
  if (code !== undefined && deniedChallengeCodes.includes(code)) {
    return new McpConnectionError('access_denied', `${host} refused access. Check the account's permissions, then sign in again.`, { cause: err });
  }
  if (code !== undefined && err instanceof Error && err.name === 'OAuthError') {
    // The engine's own failure (the server refused a fresh token, the authorization server is down, DPoP cannot be
    // done…): its message already names the party at fault and what to do, and holds no secret or raw server text.
    return new McpConnectionError('auth_failed', err.message, { cause: err, authCode: code });
  }
  if (ctx.cancelled === true || (err instanceof Error && err.name === 'AbortError')) {
    return new McpConnectionError('cancelled', `${what} was cancelled.`, { cause: err });
  }
  if (err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed && !(err instanceof SdkHttpError) && err.cause !== undefined && err.cause !== err) {
    // The era probe failed for a reason of its own (the network, a reply that is not MCP): that reason is the error.
    return toMcpError(err.cause, ctx);
  }
  if (err instanceof SdkError && !(err instanceof SdkHttpError)) {
    const mapped = fromSdkError(err, host, what, ctx);
    if (mapped !== undefined) return mapped;
  }
  if (err instanceof ProtocolError) return fromProtocolError(err, host, ctx);
  const httpStatus = httpStatusOf(err);
  if (err instanceof SdkHttpError || err instanceof SseError) {
    const status = httpStatus;
    if (status === 401) {
      return new McpConnectionError('needs_sign_in', `${host} needs you to sign in. Sign in, then connect again.`, { status, cause: err });
    }
    if (status === 403) {
      return new McpConnectionError('access_denied', `${host} refused access (403). Check the account's permissions, then sign in again.`, { status, cause: err });
    }
    if (status === 404 || status === 405 || status === -1 || (status !== undefined && status >= 400 && status < 500)) {
      return new McpConnectionError('not_mcp_server', `${host} does not answer as an MCP server at this address. Check the URL (it usually ends in /mcp or /sse).`, {
        status,
        cause: err,
      });
    }
    if (status === undefined) {
      // The event stream failed without an HTTP answer: the network, not the server's content.
      return new McpConnectionError('server_unreachable', `The event stream from ${host} broke. Check that the server is running; Keyport will keep retrying.`, {
        cause: err,
      });
    }
    if (status >= 500) {
      return new McpConnectionError('server_unreachable', `${host} is failing (HTTP ${status}). Try again later.`, { status, cause: err });
    }
    return new McpConnectionError('protocol_error', `${host} broke the MCP transport rules. Check the server, then reconnect.`, { cause: err });
  }
  if (headersTooLarge(err)) {
    return new McpConnectionError('message_too_large', `${host} answered with HTTP headers larger than Keyport accepts (16 KB). Nothing of the answer was used; report it to the server's maintainer.`, { cause: err });
  }
  if (networkCodeOf(err) !== undefined) {
    return new McpConnectionError('server_unreachable', `Nothing answers at ${host}. Check that the server is running and the address is right; Keyport will keep retrying.`, {
      cause: err,
    });
  }
  if (err instanceof SyntaxError || (err instanceof Error && (err.name === 'ZodError' || /JSON|json/.test(err.message)))) {
    return new McpConnectionError('protocol_error', `${host} sent something that is not valid MCP. Check that the URL points at an MCP server.`, { cause: err });
  }
  if (err instanceof Error && /protocol version is not supported/i.test(err.message)) {
    return new McpConnectionError('protocol_error', `${host} speaks an MCP version Keyport does not support. Update the server or Keyport.`, { cause: err });
  }
  if (err instanceof Error && /does not support|not supported by protocol/i.test(err.message)) {
    return new McpConnectionError('unsupported', `${host} does not offer this feature.`, { cause: err });
  }
  return new McpConnectionError('protocol_error', `${what} to ${host} failed unexpectedly. Reconnect, and check the server's logs if it happens again.`, { cause: err });
}

/** The SDK's own (local) failures: timeouts, a closed connection, a capability the server lacks, a reply of the wrong shape. */
function fromSdkError(err: SdkError, host: string, what: string, ctx: ErrorContext): McpConnectionError | undefined {
  switch (err.code) {
    case SdkErrorCode.RequestTimeout:
      return new McpConnectionError(
        'timeout',
        `${what} got no answer from ${host}${ctx.timeoutMs !== undefined ? ` within ${Math.round(ctx.timeoutMs / 1000)} s` : ''}. Check that the server is running, then retry.`,
        { cause: err },
      );
    case SdkErrorCode.ConnectionClosed:
    case SdkErrorCode.SendFailed:
      return new McpConnectionError('server_unreachable', `The connection to ${host} closed. Keyport will reconnect; retry in a moment.`, { cause: err });
    case SdkErrorCode.NotConnected:
      return new McpConnectionError('not_connected', `Keyport is not connected to ${host}. Wait for it to reconnect, or connect again.`, { cause: err });
    case SdkErrorCode.CapabilityNotSupported:
    case SdkErrorCode.MethodNotSupportedByProtocolVersion:
      return new McpConnectionError('unsupported', `${host} does not offer this feature.`, { cause: err });
    case SdkErrorCode.ClientHttpUnexpectedContent:
      return new McpConnectionError('not_mcp_server', `${host} does not answer as an MCP server at this address. Check the URL (it usually ends in /mcp or /sse).`, { cause: err });
    case SdkErrorCode.InvalidResult:
    case SdkErrorCode.ListPaginationExceeded:
    case SdkErrorCode.InputRequiredRoundsExceeded:
    case SdkErrorCode.UnsupportedResultType:
      return new McpConnectionError('protocol_error', `${host} sent an answer Keyport cannot use (${err.code}). Report it to the server's maintainer.`, { cause: err });
    default:
      // EraNegotiationFailed and the rest: the cause (a network failure, a 5xx) decides below.
      return undefined;
  }
}

/** A JSON-RPC error the server answered with. */
function fromProtocolError(err: ProtocolError, host: string, ctx: ErrorContext): McpConnectionError {
  const limit = limitErrorOf(err.data);
  if (limit !== undefined) return limit;
  const details = { cause: err, rpcCode: err.code };
  if (err.code === ProtocolErrorCode.UnsupportedProtocolVersion) {
    return new McpConnectionError('protocol_error', `${host} speaks an MCP version Keyport does not support. Update the server or Keyport.`, details);
  }
  if (err.code === ProtocolErrorCode.MethodNotFound) {
    return new McpConnectionError('unsupported', `${host} does not support this request.`, details);
  }
  if (ctx.tool !== undefined) {
    if (err.code === ProtocolErrorCode.InvalidParams) {
      return new McpConnectionError('tool_error', `${host} rejected the call to "${ctx.tool}" (invalid parameters or unknown tool). Refresh the tool list and check the arguments.`, {
        ...details,
        tool: ctx.tool,
      });
    }
    return new McpConnectionError('tool_error', `The tool "${ctx.tool}" failed on ${host} (error ${err.code}). Retry, or report it to the server's maintainer.`, { ...details, tool: ctx.tool });
  }
  if (err.code === ProtocolErrorCode.ParseError || err.code === ProtocolErrorCode.InvalidRequest) {
    return new McpConnectionError('protocol_error', `${host} could not understand Keyport's request (error ${err.code}). Check that the server supports this MCP version.`, details);
  }
  return new McpConnectionError('server_error', `${host} answered with an error (${err.code}). Retry, or check the server's logs.`, details);
}
