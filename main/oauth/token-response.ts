/**
 * Tolerance at the token endpoint where it costs no security (issue 12 item 3). Real providers answer token requests
 * in ways RFC 6749 §5 does not allow: GitHub sends form-encoded bodies and errors with HTTP 200, some omit
 * `token_type` or `expires_in`, Entra sends `expires_in` as a string (oauth4webapi already reads that and compares
 * the token type case-insensitively). These helpers turn such answers into what oauth4webapi validates, without
 * accepting anything it would refuse for a reason that protects the user: the tokens, the DPoP binding, the issuer
 * and every other check stay as strict as before. An ID token Keyport never needs that fails validation is dropped
 * (with a warning in the trace) instead of failing the sign-in; it is never used for anything.
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import { readLimited } from './http.ts';

/** The largest token endpoint answer read (real ones are a few kilobytes). */
export const TOKEN_RESPONSE_SIZE_LIMIT = 1024 * 1024;

/**
 * Warnings about a processed token response (an ID token dropped…), for the flow trace: kept under a symbol key so
 * they survive the copies later checks make (object spread copies symbol keys; JSON never sees them).
 */
const WARNINGS = Symbol('keyport.tokenResponseWarnings');

/** What Keyport noticed and tolerated in a token response, for the trace (empty when nothing). */
export function tokenResponseWarnings(tokens: object): readonly string[] {
  const w = (tokens as { [WARNINGS]?: unknown })[WARNINGS];
  return Array.isArray(w) ? (w as string[]) : [];
}

/**
 * Reads a token endpoint answer and rewrites the tolerable deviations into the RFC 6749 §5 form oauth4webapi checks:
 * a form-encoded body becomes JSON; an `error` with HTTP 200 becomes an HTTP 400 error response; a missing
 * `token_type` next to an `access_token` reads as `Bearer` (RFC 6750 is what such servers issue); a non-OAuth 4xx
 * whose text names the client reads as `invalid_client` (the registration is gone). Anything else passes unchanged.
 */
export async function normalizeTokenResponse(response: Response): Promise<Response> {
  if (response.status < 200 || response.status >= 500 || response.status === 204) return response;
  const text = await readLimited(response, TOKEN_RESPONSE_SIZE_LIMIT);
  if (text === undefined) return response;
  const body = parseBody(text, response.headers.get('content-type') ?? '');
  let status = response.status;
  let out = body;
  if (body !== undefined) {
    if (status === 200 && typeof body.error === 'string') status = 400;
    else if (status === 200 && typeof body.access_token === 'string' && body.token_type === undefined) out = { ...body, token_type: 'Bearer' };
  } else if (status >= 400 && /client/i.test(text)) {
    out = { error: 'invalid_client' };
  }
  if (out !== undefined && status >= 400 && typeof out.error !== 'string' && /client/i.test(text)) out = { error: 'invalid_client' };
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  if (out === undefined) return new Response(text, { status, statusText: response.statusText, headers });
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(out), { status, statusText: response.statusText, headers });
}

/**
 * Processes a token endpoint answer with oauth4webapi's `process` after {@link normalizeTokenResponse}. When the
 * answer carries an ID token and processing fails only because of it (the same answer without it passes), the ID
 * token is dropped and a warning recorded: Keyport asks for `openid` only when a resource lists it and uses ID tokens
 * for nothing.
 */
export async function processTokenResponse(
  response: Response,
  process: (r: Response) => Promise<TokenEndpointResponse>,
): Promise<TokenEndpointResponse> {
  const normalized = await normalizeTokenResponse(response);
  if (normalized.status !== 200 || !(normalized.headers.get('content-type') ?? '').includes('json')) return process(normalized);
  const text = await normalized.text();
  const again = (body: string): Response => new Response(body, { status: normalized.status, statusText: normalized.statusText, headers: normalized.headers });
  try {
    return await process(again(text));
  } catch (err) {
    const body = parseJsonObject(text);
    if (body === undefined || body.id_token === undefined) throw err;
    const { id_token: _dropped, ...rest } = body;
    let tokens: TokenEndpointResponse;
    try {
      tokens = await process(again(JSON.stringify(rest)));
    } catch {
      throw err;
    }
    return Object.assign(tokens, { [WARNINGS]: [`an ID token came with the tokens but failed validation (${reasonOf(err)}); Keyport does not need it and dropped it`] });
  }
}

/**
 * When the access token expires (epoch ms): `expires_in` when given (RFC 6749 §5.1), else the `exp` of a JWT access
 * token (RFC 9068 §2.2; read only to schedule the refresh, never trusted for anything else), else unknown (the
 * token is then used until the resource answers 401, which refreshes it).
 */
export function expiresAtOf(tokens: Pick<TokenEndpointResponse, 'expires_in' | 'access_token'>, now: number): number | undefined {
  if (typeof tokens.expires_in === 'number' && Number.isFinite(tokens.expires_in) && tokens.expires_in >= 0) return now + tokens.expires_in * 1000;
  const exp = jwtExp(tokens.access_token);
  return exp !== undefined && exp * 1000 > now - 86_400_000 ? exp * 1000 : undefined;
}

function jwtExp(token: string | undefined): number | undefined {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || parts[1]!.length > 16_384) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    const exp = claims !== null && typeof claims === 'object' ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 && exp < 1e11 ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** The body as an object: JSON, or a form-encoded body (GitHub without `Accept: application/json`). */
function parseBody(text: string, contentType: string): Record<string, unknown> | undefined {
  const json = parseJsonObject(text);
  if (json !== undefined) return json;
  if (/json/i.test(contentType) || /^\s*</.test(text)) return undefined;
  const form = new URLSearchParams(text.trim());
  if (!form.has('access_token') && !form.has('error')) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of form) {
    if (!Object.hasOwn(out, k)) out[k] = k === 'expires_in' && /^\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : 'invalid';
  // eslint-disable-next-line no-control-regex
  return message.slice(0, 160).replace(/[\u0000-\u001f\u007f]/g, ' ');
}
