/**
 * The per-server compatibility settings (issue 12) in the server list: checked with the engine's rules whenever the
 * list is read or written (so a hand-edited file cannot smuggle in a reserved parameter or an http endpoint), shown
 * in the contract's `AuthSettingsView`, and changed by an edit where `null` removes a value.
 */
import type { AuthSettingsView } from '../../preload/contract.ts';
import {
  authorizationParamsProblem,
  callbackPathProblem,
  endpointProblem,
  resourceValueProblem,
  type CompatSettings,
} from '../oauth/compat.ts';

/** The stored compatibility settings (the schema's fields of the same names). */
export interface StoredCompatSettings {
  readonly resourceOverride?: string | undefined;
  readonly audience?: string | undefined;
  readonly authorizationParams?: Readonly<Record<string, string>> | undefined;
  readonly callbackHost?: '127.0.0.1' | 'localhost' | '[::1]' | undefined;
  readonly callbackPath?: string | undefined;
  readonly acceptedIssuer?: string | undefined;
  readonly authorizationEndpoint?: string | undefined;
  readonly tokenEndpoint?: string | undefined;
  readonly assumePkceS256?: boolean | undefined;
}

/** The names of the compatibility settings, in the order the dialog and `servers list` show them. */
export const COMPAT_FIELDS = [
  'resourceOverride',
  'audience',
  'authorizationParams',
  'callbackHost',
  'callbackPath',
  'acceptedIssuer',
  'authorizationEndpoint',
  'tokenEndpoint',
  'assumePkceS256',
] as const satisfies readonly (keyof StoredCompatSettings)[];

/** One problem with a setting: which field and why, in words a user can act on. */
export interface CompatProblem {
  readonly field: string;
  readonly message: string;
}

/** Every problem with the settings (none: they can be stored and used). */
export function compatSettingsProblems(auth: StoredCompatSettings): readonly CompatProblem[] {
  const problems: CompatProblem[] = [];
  const add = (field: string, message: string | undefined): void => {
    if (message !== undefined) problems.push({ field, message });
  };
  if (auth.resourceOverride !== undefined) add('resourceOverride', resourceValueProblem(auth.resourceOverride));
  if (auth.authorizationParams !== undefined) add('authorizationParams', authorizationParamsProblem(auth.authorizationParams));
  if (auth.callbackPath !== undefined) add('callbackPath', callbackPathProblem(auth.callbackPath));
  // eslint-disable-next-line no-control-regex
  if (auth.audience !== undefined && /[\u0000-\u001f\u007f]/.test(auth.audience)) add('audience', 'the audience contains control characters.');
  for (const field of ['acceptedIssuer', 'authorizationEndpoint', 'tokenEndpoint'] as const) {
    const value = auth[field];
    if (value !== undefined) add(field, endpointProblem(value));
  }
  if ((auth.authorizationEndpoint === undefined) !== (auth.tokenEndpoint === undefined)) {
    add(auth.authorizationEndpoint === undefined ? 'authorizationEndpoint' : 'tokenEndpoint', 'give both the authorization endpoint and the token endpoint, or neither.');
  }
  return problems;
}

/** The settings as `AuthSettingsView` carries them (only those that are set). */
export function compatSettingsView(auth: StoredCompatSettings): Partial<AuthSettingsView> {
  const view: Record<string, unknown> = {};
  for (const field of COMPAT_FIELDS) if (auth[field] !== undefined) view[field] = auth[field];
  return view as Partial<AuthSettingsView>;
}

/** The settings as the engine reads them (`ServerAuthSettings`). */
export function compatSettingsForEngine(auth: StoredCompatSettings): CompatSettings & Pick<StoredCompatSettings, 'callbackHost' | 'callbackPath'> {
  return compatSettingsView(auth) as CompatSettings & Pick<StoredCompatSettings, 'callbackHost' | 'callbackPath'>;
}

/** An input's auth settings without the `null`s (which only mean "remove" when editing): what adding stores. */
export function withoutNulls<T extends object>(input: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null)) as { [K in keyof T]: Exclude<T[K], null> };
}

/** Applies an edit to stored settings: a value replaces, `null` removes, an absent field stays as it was. */
export function applyAuthEdit<T extends object>(current: T, edit: object): T {
  const next: Record<string, unknown> = { ...(current as Record<string, unknown>) };
  for (const [key, value] of Object.entries(edit)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as T;
}
