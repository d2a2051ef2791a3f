/**
 * Per-server compatibility settings (issue 12): the rules that keep them safe when entered, and what they change in
 * a login. Real providers bend the specs (Entra rejects `resource`, Auth0 wants `audience`, Google wants
 * `access_type=offline`, GitHub publishes no metadata…); each setting lets a user make such a server work without
 * weakening what protects them: PKCE, `state`, the redirect URI and the client id stay Keyport's, endpoints stay https
 * (or loopback http), and an issuer is accepted only when the user named it exactly.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { CallbackHostSetting } from '../../preload/contract.ts';
import { printableText } from './errors.ts';
import type { TokenSetRecord } from './store.ts';
import { isAllowedEndpoint } from './url-safety.ts';

/**
 * Authorization-request parameters an extra parameter may never set: the ones Keyport sets itself (a user-supplied
 * value would defeat PKCE, `state` or the redirect check), the ones with a setting of their own (`scope`, `resource`,
 * `audience`), and the ones that would replace the whole request or carry a secret in a URL.
 */
export const RESERVED_AUTHORIZATION_PARAMETERS: readonly string[] = [
  'state',
  'code_challenge',
  'code_challenge_method',
  'redirect_uri',
  'client_id',
  'response_type',
  'response_mode',
  'scope',
  'resource',
  'audience',
  'request',
  'request_uri',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'code',
  'code_verifier',
];

/** How many extra authorization-request parameters a server may have. */
export const MAX_AUTHORIZATION_PARAMS = 20;

/** The callback hosts a redirect URI may name. */
export const CALLBACK_HOSTS: readonly CallbackHostSetting[] = ['127.0.0.1', 'localhost', '[::1]'];

/** Why `name` cannot be an extra authorization-request parameter, or undefined when it can (RFC 6749 Appendix A). */
export function authorizationParamNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) return `"${printableText(name, 80)}" is not a parameter name (letters, digits, ".", "_" and "-").`;
  const lower = name.toLowerCase();
  if (RESERVED_AUTHORIZATION_PARAMETERS.includes(lower)) {
    if (lower === 'scope') return 'scope has its own setting (Scopes to request).';
    if (lower === 'resource') return 'resource has its own setting (Resource parameter).';
    if (lower === 'audience') return 'audience has its own setting (Audience).';
    return `${lower} is set by Keyport itself and cannot be overridden.`;
  }
  return undefined;
}

/** Why `value` cannot be a parameter value, or undefined when it can (no control characters, bounded). */
export function authorizationParamValueProblem(name: string, value: string): string | undefined {
  if (value.length > 2048) return `the value of ${name} is too long (at most 2,048 characters).`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `the value of ${name} contains control characters.`;
  return undefined;
}

/** Why a set of extra parameters cannot be used, or undefined when it can. */
export function authorizationParamsProblem(params: Readonly<Record<string, string>>): string | undefined {
  const entries = Object.entries(params);
  if (entries.length > MAX_AUTHORIZATION_PARAMS) return `at most ${MAX_AUTHORIZATION_PARAMS} extra parameters.`;
  for (const [name, value] of entries) {
    const problem = authorizationParamNameProblem(name) ?? authorizationParamValueProblem(name, value);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Parses `name=value` pairs (one per line or separated by `&`, as typed in the dialog or given to `--auth-param`)
 * into parameters; returns the problem instead when one is not usable.
 */
export function parseAuthorizationParams(lines: readonly string[]): { readonly params: Record<string, string> } | { readonly problem: string } {
  const params: Record<string, string> = {};
  for (const raw of lines.flatMap((l) => l.split(/[\n&]/))) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { problem: `"${printableText(line, 80)}" is not name=value.` };
    const name = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const problem = authorizationParamNameProblem(name) ?? authorizationParamValueProblem(name, value);
    if (problem !== undefined) return { problem };
    if (Object.hasOwn(params, name)) return { problem: `${name} is given twice.` };
    params[name] = value;
  }
  const problem = authorizationParamsProblem(params);
  return problem === undefined ? { params } : { problem };
}

/** Why `path` cannot be the redirect URI's path, or undefined when it can (a plain absolute path). */
export function callbackPathProblem(path: string): string | undefined {
  if (!/^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]{0,199}$/.test(path)) return 'the callback path must be a plain absolute path such as /callback.';
  return undefined;
}

/** Why `value` cannot be an endpoint or issuer Keyport talks to, or undefined (https, or http on a loopback host). */
export function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${printableText(value, 80)}" is not a URL.`;
  }
  if (url.username !== '' || url.password !== '') return 'leave the user name and password out of the URL.';
  if (url.hash !== '') return 'an endpoint URL has no #fragment.';
  if (!isAllowedEndpoint(url)) return `${url.origin} does not use https (plain http is allowed only on this computer).`;
  return undefined;
}

/** Why `value` cannot be a custom `resource` value (RFC 8707 §2: an absolute URI without a fragment), or undefined. */
export function resourceValueProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${printableText(value, 80)}" is not an absolute URI (e.g. api://my-app or https://api.example.com).`;
  }
  if (url.hash !== '') return 'a resource value has no #fragment (RFC 8707).';
  return undefined;
}

/** The compatibility settings the engine reads (a subset of `ServerAuthSettings`). */
export interface CompatSettings {
  readonly sendResourceParameter?: boolean;
  readonly resourceOverride?: string;
  readonly audience?: string;
  readonly authorizationParams?: Readonly<Record<string, string>>;
  readonly acceptedIssuer?: string;
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
  readonly assumePkceS256?: boolean;
}

/** The `resource` value a login sends (RFC 8707): none when turned off, the custom value, else the discovered one. */
export function resourceToSend(settings: CompatSettings, discovered: string): string | undefined {
  if (settings.sendResourceParameter === false) return undefined;
  return settings.resourceOverride ?? discovered;
}

/** Whether the server's settings give the authorization server's endpoints by hand (it publishes no metadata). */
export function hasManualEndpoints(settings: CompatSettings): boolean {
  return settings.authorizationEndpoint !== undefined && settings.tokenEndpoint !== undefined;
}

/**
 * The authorization server of a server whose settings give its endpoints: no metadata was fetched, so nothing else is
 * known (no registration endpoint, no PKCE methods: S256 must be assumed by setting, like for any AS that does not
 * advertise it). Its issuer is the accepted one, else the one the resource names, else the authorization endpoint's
 * origin.
 */
export function manualAuthorizationServer(settings: CompatSettings, namedIssuer: string | undefined): AuthorizationServer {
  const authorizationEndpoint = settings.authorizationEndpoint ?? '';
  return {
    issuer: settings.acceptedIssuer ?? namedIssuer ?? new URL(authorizationEndpoint).origin,
    authorization_endpoint: authorizationEndpoint,
    ...(settings.tokenEndpoint !== undefined ? { token_endpoint: settings.tokenEndpoint } : {}),
  };
}

/** What a login sent besides the defaults, recorded with the token set so refreshes send the same. */
export interface SentParameters {
  readonly resource: string | undefined;
  readonly audience: string | undefined;
}

/** The token set with the `resource` value and `audience` its login sent (RFC 8707 §2.2: a refresh repeats them). */
export function withSentParameters(record: TokenSetRecord, sent: SentParameters): TokenSetRecord {
  return {
    ...record,
    sentResource: sent.resource !== undefined,
    ...(sent.resource !== undefined && sent.resource !== record.resource ? { sentResourceValue: sent.resource } : {}),
    ...(sent.audience !== undefined ? { sentAudience: sent.audience } : {}),
  };
}

/** The `resource` a refresh sends: what the login sent (its custom value, else the resource), or none. */
export function refreshResourceOf(record: TokenSetRecord): string | undefined {
  return record.sentResource ? (record.sentResourceValue ?? record.resource) : undefined;
}

/** Extra parameters a refresh sends: the `audience` the login sent, if any. */
export function refreshParametersOf(record: TokenSetRecord): Readonly<Record<string, string>> {
  return record.sentAudience !== undefined ? { audience: record.sentAudience } : {};
}
