/**
 * The command-line flags of the per-server settings, shared by `servers add` and `servers edit` (issue 12): each
 * maps to one field of the contract's `ServerInput` auth, checked here with the same rules the server list applies, so
 * a mistake is a usage error that names the flag.
 */
import type { CallbackHostSetting, ServerInput } from '../../preload/contract.ts';
import { CALLBACK_HOSTS, callbackPathProblem, endpointProblem, parseAuthorizationParams, resourceValueProblem } from '../oauth/compat.ts';
import { UsageError } from './errors.ts';

/** A flag's kind (node:util parseArgs). */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
}

/** The flags `servers add` has always had. */
export const CLIENT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  name: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  'private-key-file': { type: 'string' },
  'client-credentials': { type: 'boolean' },
  scope: { type: 'string' },
  'callback-port': { type: 'string' },
  'no-resource-param': { type: 'boolean' },
};

/** The compatibility settings' flags (both `servers add` and `servers edit`). */
export const COMPAT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'resource-param': { type: 'boolean' },
  resource: { type: 'string' },
  audience: { type: 'string' },
  'auth-param': { type: 'string', multiple: true },
  'callback-host': { type: 'string' },
  'callback-path': { type: 'string' },
  'token-auth-method': { type: 'string' },
  'accept-issuer': { type: 'string' },
  'authorization-endpoint': { type: 'string' },
  'token-endpoint': { type: 'string' },
  'assume-pkce-s256': { type: 'boolean' },
  mode: { type: 'string' },
  dpop: { type: 'string' },
  /** How the user signs in (issue 13): browser, device or automatic. */
  'sign-in-method': { type: 'string' },
};

/** The flags only `servers edit` has: a new URL, and settings to remove. */
export const EDIT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  url: { type: 'string' },
  unset: { type: 'string', multiple: true },
};

/** The usage text of the compatibility flags, for `--help`. */
export const COMPAT_USAGE =
  '[--resource-param | --no-resource-param | --resource VALUE] [--audience A] [--auth-param NAME=VALUE]... [--callback-host 127.0.0.1|localhost|[::1]] [--callback-path P] [--token-auth-method M] [--accept-issuer URL] [--authorization-endpoint URL --token-endpoint URL] [--assume-pkce-s256] [--mode M] [--dpop auto|off] [--sign-in-method browser|device|automatic]';

/** What `--unset NAME` may remove, by the flag's name. */
const UNSETTABLE: Readonly<Record<string, string>> = {
  scope: 'scope',
  'callback-port': 'callbackPort',
  resource: 'resourceOverride',
  audience: 'audience',
  'auth-param': 'authorizationParams',
  'auth-params': 'authorizationParams',
  'callback-host': 'callbackHost',
  'callback-path': 'callbackPath',
  'token-auth-method': 'tokenEndpointAuthMethod',
  'accept-issuer': 'acceptedIssuer',
  'authorization-endpoint': 'authorizationEndpoint',
  'token-endpoint': 'tokenEndpoint',
  endpoints: 'endpoints',
  'assume-pkce-s256': 'assumePkceS256',
};

const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
const MODES = ['automatic', 'preregistered', 'client-credentials', 'none'] as const;

/** The parsed options of a command (node:util parseArgs values). */
export type FlagValues = Readonly<Record<string, string | boolean | readonly string[]>>;

/** The auth settings the compatibility flags give (absent flags give nothing; `--unset` gives `null`s). */
export function compatAuthFromFlags(o: FlagValues): NonNullable<ServerInput['auth']> {
  const auth: Record<string, unknown> = {};
  const str = (flag: string): string | undefined => (typeof o[flag] === 'string' ? (o[flag] as string) : undefined);
  if (o['resource-param'] === true && o['no-resource-param'] === true) throw new UsageError('--resource-param and --no-resource-param contradict each other');
  if (o['no-resource-param'] === true && str('resource') !== undefined) throw new UsageError('--resource sends a resource value; it cannot go with --no-resource-param');
  if (o['resource-param'] === true) auth.sendResourceParameter = true;
  const resource = str('resource');
  if (resource !== undefined) {
    check('--resource', resourceValueProblem(resource));
    auth.resourceOverride = resource;
    auth.sendResourceParameter = true;
  }
  const audience = str('audience');
  if (audience !== undefined) {
    if (audience.trim() === '') throw new UsageError('--audience needs a value');
    auth.audience = audience;
  }
  const params = o['auth-param'];
  if (Array.isArray(params)) {
    const parsed = parseAuthorizationParams(params as readonly string[]);
    if ('problem' in parsed) throw new UsageError(`--auth-param: ${parsed.problem}`);
    auth.authorizationParams = parsed.params;
  }
  const host = str('callback-host');
  if (host !== undefined) {
    if (!CALLBACK_HOSTS.includes(host as CallbackHostSetting)) throw new UsageError(`--callback-host must be 127.0.0.1, localhost or [::1], not "${host}"`);
    auth.callbackHost = host;
  }
  const path = str('callback-path');
  if (path !== undefined) {
    check('--callback-path', callbackPathProblem(path));
    auth.callbackPath = path;
  }
  const method = str('token-auth-method');
  if (method !== undefined) {
    if (!(AUTH_METHODS as readonly string[]).includes(method)) throw new UsageError(`--token-auth-method must be one of ${AUTH_METHODS.join(', ')}, not "${method}"`);
    auth.tokenEndpointAuthMethod = method;
  }
  for (const [flag, field] of [
    ['accept-issuer', 'acceptedIssuer'],
    ['authorization-endpoint', 'authorizationEndpoint'],
    ['token-endpoint', 'tokenEndpoint'],
  ] as const) {
    const value = str(flag);
    if (value === undefined) continue;
    check(`--${flag}`, endpointProblem(value));
    auth[field] = value;
  }
  if (o['assume-pkce-s256'] === true) auth.assumePkceS256 = true;
  const mode = str('mode');
  if (mode !== undefined) {
    if (!(MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, not "${mode}"`);
    auth.mode = mode;
  }
  const dpop = str('dpop');
  if (dpop !== undefined) {
    if (dpop !== 'auto' && dpop !== 'off') throw new UsageError(`--dpop must be auto or off, not "${dpop}"`);
    auth.dpop = dpop;
  }
  const signIn = str('sign-in-method');
  if (signIn !== undefined) {
    if (signIn !== 'browser' && signIn !== 'device' && signIn !== 'automatic') {
      throw new UsageError(`--sign-in-method must be browser, device or automatic, not "${signIn}"`);
    }
    auth.signInMethod = signIn;
  }
  const unset = o.unset;
  if (Array.isArray(unset)) {
    for (const name of unset as readonly string[]) {
      const field = UNSETTABLE[name.replace(/^--/, '')];
      if (field === undefined) throw new UsageError(`--unset ${name}: not a setting that can be removed (one of ${Object.keys(UNSETTABLE).join(', ')})`);
      if (field === 'endpoints') {
        auth.authorizationEndpoint = null;
        auth.tokenEndpoint = null;
      } else {
        auth[field] = null;
      }
    }
  }
  return auth as NonNullable<ServerInput['auth']>;
}

function check(flag: string, problem: string | undefined): void {
  if (problem !== undefined) throw new UsageError(`${flag}: ${problem}`);
}
