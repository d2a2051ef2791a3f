/**
 * The compatibility part of the server form (issue 12): its state as typed, the checks shown next to each field (the
 * same rules main applies again), and how it becomes the `ServerInput` auth fields (`null` removes a stored value).
 */
import type { AuthSettingsView, CallbackHostSetting, ServerInput } from '../../../../preload/contract.ts';
import { optionalUrlProblem } from '../../lib/url-problem.ts';

/** How the RFC 8707 `resource` parameter is sent. */
export type ResourceChoice = 'discovered' | 'off' | 'custom';

/** The compatibility fields as the user types them. */
export interface CompatFormState {
  readonly resourceChoice: ResourceChoice;
  readonly resourceOverride: string;
  readonly audience: string;
  /** One `name=value` per line. */
  readonly authorizationParams: string;
  readonly callbackHost: CallbackHostSetting;
  readonly callbackPath: string;
  readonly acceptedIssuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly assumePkceS256: boolean;
}

/** The fields that can show a problem. */
export type CompatField = 'resourceOverride' | 'authorizationParams' | 'callbackPath' | 'acceptedIssuer' | 'authorizationEndpoint' | 'tokenEndpoint';

/** The starting state from a server's settings (or the defaults). */
export function initialCompatState(auth: AuthSettingsView | undefined): CompatFormState {
  return {
    resourceChoice: auth?.sendResourceParameter === false ? 'off' : auth?.resourceOverride !== undefined ? 'custom' : 'discovered',
    resourceOverride: auth?.resourceOverride ?? '',
    audience: auth?.audience ?? '',
    authorizationParams: Object.entries(auth?.authorizationParams ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    callbackHost: auth?.callbackHost ?? '127.0.0.1',
    callbackPath: auth?.callbackPath ?? '',
    acceptedIssuer: auth?.acceptedIssuer ?? '',
    authorizationEndpoint: auth?.authorizationEndpoint ?? '',
    tokenEndpoint: auth?.tokenEndpoint ?? '',
    assumePkceS256: auth?.assumePkceS256 === true,
  };
}

/** Whether any compatibility setting differs from the default (the dialog then opens its Advanced section). */
export function hasCompatSettings(auth: AuthSettingsView): boolean {
  return (
    auth.sendResourceParameter === false ||
    [auth.resourceOverride, auth.audience, auth.authorizationParams, auth.callbackHost, auth.callbackPath, auth.acceptedIssuer, auth.authorizationEndpoint, auth.tokenEndpoint, auth.assumePkceS256].some((v) => v !== undefined)
  );
}

/** Parameters Keyport sets itself, or that have a field of their own: never accepted as extra parameters. */
const RESERVED = new Set(['state', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'client_id', 'response_type', 'response_mode', 'scope', 'resource', 'audience', 'request', 'request_uri', 'client_secret', 'client_assertion', 'client_assertion_type', 'code', 'code_verifier']);

/** The extra parameters typed, or the problem with them. */
export function parseParams(text: string): { readonly params: Record<string, string> } | { readonly problem: string } {
  const params: Record<string, string> = {};
  for (const raw of text.split(/\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { problem: `Write each parameter as name=value (“${line.slice(0, 40)}” is not).` };
    const name = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) return { problem: `“${name.slice(0, 40)}” is not a parameter name (letters, digits, “.”, “_” and “-”).` };
    const lower = name.toLowerCase();
    if (lower === 'scope') return { problem: 'Use “Scopes to request” for scope.' };
    if (lower === 'resource') return { problem: 'Use “Resource parameter” for resource.' };
    if (lower === 'audience') return { problem: 'Use “Audience” for audience.' };
    if (RESERVED.has(lower)) return { problem: `Keyport sets ${lower} itself; it cannot be overridden.` };
    if (Object.hasOwn(params, name)) return { problem: `${name} is given twice.` };
    params[name] = value;
  }
  if (Object.keys(params).length > 20) return { problem: 'At most 20 extra parameters.' };
  return { params };
}

/** Problems by field, as the user types. */
export function compatProblems(form: CompatFormState): Partial<Record<CompatField, string>> {
  const params = parseParams(form.authorizationParams);
  const bothOrNeither =
    (form.authorizationEndpoint.trim() === '') !== (form.tokenEndpoint.trim() === '') ? 'Enter both endpoints, or neither.' : undefined;
  const problems: Record<CompatField, string | undefined> = {
    resourceOverride: form.resourceChoice === 'custom' ? resourceProblem(form.resourceOverride) : undefined,
    authorizationParams: 'problem' in params ? params.problem : undefined,
    callbackPath: form.callbackPath.trim() === '' || /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]{0,199}$/.test(form.callbackPath.trim()) ? undefined : 'Use a plain path that starts with /, such as /callback.',
    acceptedIssuer: optionalUrlProblem(form.acceptedIssuer),
    authorizationEndpoint: optionalUrlProblem(form.authorizationEndpoint) ?? (form.authorizationEndpoint.trim() === '' ? bothOrNeither : undefined),
    tokenEndpoint: optionalUrlProblem(form.tokenEndpoint) ?? (form.tokenEndpoint.trim() === '' ? bothOrNeither : undefined),
  };
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v !== undefined)) as Partial<Record<CompatField, string>>;
}

function resourceProblem(value: string): string | undefined {
  if (value.trim() === '') return 'Enter the resource value, or choose another option.';
  try {
    const url = new URL(value.trim());
    return url.hash === '' ? undefined : 'A resource value has no #fragment.';
  } catch {
    return 'Enter an absolute URI, such as api://my-app or https://api.example.com.';
  }
}

/** The `ServerInput` auth fields; an empty field is `null` (removes a stored value when editing). */
export function compatInput(form: CompatFormState): Partial<NonNullable<ServerInput['auth']>> {
  const text = (v: string): string | null => (v.trim() === '' ? null : v.trim());
  const params = parseParams(form.authorizationParams);
  const parsed = 'params' in params && Object.keys(params.params).length > 0 ? params.params : null;
  return {
    sendResourceParameter: form.resourceChoice !== 'off',
    resourceOverride: form.resourceChoice === 'custom' ? text(form.resourceOverride) : null,
    audience: text(form.audience),
    authorizationParams: parsed,
    callbackHost: form.callbackHost === '127.0.0.1' ? null : form.callbackHost,
    callbackPath: text(form.callbackPath),
    acceptedIssuer: text(form.acceptedIssuer),
    authorizationEndpoint: text(form.authorizationEndpoint),
    tokenEndpoint: text(form.tokenEndpoint),
    assumePkceS256: form.assumePkceS256 ? true : null,
  };
}
