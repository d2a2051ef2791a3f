/**
 * What the authorization servers log about a request's OAuth parameters, shared by the test bed's AS and the
 * provider zoo's: the names of every parameter sent, the values of the harmless ones only (never a code, verifier,
 * secret, token, assertion, state or nonce), and how the client authenticated. Enough for a test to assert what a
 * client sent — "no `resource`", "`access_type=offline`", "client_secret_post" — without a secret in any log.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Parameters whose values are logged; every other parameter is logged by name only. */
export const LOGGED_PARAM_VALUES: ReadonlySet<string> = new Set([
  'response_type',
  'response_mode',
  'client_id',
  'redirect_uri',
  'scope',
  'resource',
  'audience',
  'prompt',
  'access_type',
  'include_granted_scopes',
  'code_challenge_method',
  'grant_type',
  'token_endpoint_auth_method',
  'login_hint',
  'max_age',
  'acr_values',
]);

/** How a client authenticated at an endpoint (what it sent, not whether it was right). */
export type ClientAuthUsed = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** The loggable view of a request's parameters. */
export interface LoggedParams {
  /** Values of the harmless parameters ({@link LOGGED_PARAM_VALUES}). */
  readonly params: Readonly<Record<string, string>>;
  /** Names of every parameter sent (sorted, no duplicates). */
  readonly paramNames: readonly string[];
}

/** Splits parameters into logged values and names. Accepts a query/form or an already-parsed record. */
export function loggedParams(source: URLSearchParams | Readonly<Record<string, unknown>> | undefined): LoggedParams {
  const params: Record<string, string> = {};
  const names = new Set<string>();
  const entries: [string, unknown][] = source instanceof URLSearchParams ? [...source.entries()] : Object.entries(source ?? {});
  for (const [name, value] of entries) {
    if (value === undefined || value === null) continue;
    names.add(name);
    if (LOGGED_PARAM_VALUES.has(name) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
      params[name] = String(value).slice(0, 2048);
    }
  }
  return { params, paramNames: [...names].sort() };
}

/**
 * How a token/revocation/introspection request authenticated the client: HTTP Basic, a secret in the body, a JWT
 * assertion, or nothing (`none`, when only `client_id` is in the body). Undefined when the request names no client.
 */
export function clientAuthUsed(headers: IncomingHttpHeaders, body: URLSearchParams | Readonly<Record<string, unknown>> | undefined): ClientAuthUsed | undefined {
  const get = (name: string): unknown => (body instanceof URLSearchParams ? (body.get(name) ?? undefined) : body?.[name]);
  if (/^basic\s/i.test(headers.authorization ?? '')) return 'client_secret_basic';
  const assertionType = get('client_assertion_type');
  if (typeof assertionType === 'string' && get('client_assertion') !== undefined) return 'private_key_jwt';
  if (get('client_secret') !== undefined) return 'client_secret_post';
  if (get('client_id') !== undefined) return 'none';
  return undefined;
}
