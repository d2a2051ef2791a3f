/**
 * Server-list operations shared by the app and the CLI: finding a server by id, name or URL; adding one from the
 * user's input (secrets go to the keychain first, the list references them); removing one with its secrets.
 */
import type { ServerInput, TransportKind } from '../../preload/contract.ts';
import { readClientKey } from '../oauth/client-key.ts';
import type { SecretRecords } from '../secrets/records.ts';
import { applyAuthEdit, compatSettingsProblems, withoutNulls, type StoredCompatSettings } from './compat-settings.ts';
import { AccountPrefsFile } from './accounts.ts';
import { ConfigError } from './errors.ts';
import { parseServerConfig } from './store.ts';
import type { ConfigStore } from './store.ts';
import { serverUrlSchema } from './schema.ts';
import type { AuthSettings, ServerConfig, StdioSettings } from './schema.ts';

/** A server to add, before an id, a unique name and defaults are chosen. Holds no secret value. */
export interface NewServer {
  readonly name?: string;
  readonly transport?: TransportKind;
  readonly url?: string;
  readonly stdio?: Partial<StdioSettings> & { readonly command: string };
  readonly headers?: Readonly<Record<string, string>>;
  readonly secretHeaders?: Readonly<Record<string, string>>;
  readonly auth?: Partial<AuthSettings>;
  readonly importedFrom?: string;
}

/** Normalises a URL for comparison (lower-case scheme and host, no default port, no trailing slash). */
export function normalizeUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    const path = url.pathname.replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${path}${url.search}`;
  } catch {
    return undefined;
  }
}

/** Validates a server URL typed by a user; throws `invalid_server` with the reason. */
export function checkServerUrl(value: string): string {
  const parsed = serverUrlSchema.safeParse(value.trim());
  if (!parsed.success) {
    throw new ConfigError('invalid_server', `Not a usable server URL: ${JSON.stringify(value)} (${parsed.error.issues[0]?.message ?? 'invalid'}).`);
  }
  return parsed.data;
}

/** Looks a server up by id, by name (case-insensitive) or by URL. */
export function findServer(servers: readonly ServerConfig[], ref: string): ServerConfig | undefined {
  const byId = servers.find((s) => s.id === ref);
  if (byId !== undefined) return byId;
  const lower = ref.trim().toLowerCase();
  const byName = servers.find((s) => s.name.toLowerCase() === lower);
  if (byName !== undefined) return byName;
  const url = normalizeUrl(ref);
  return url === undefined ? undefined : servers.find((s) => s.url !== undefined && normalizeUrl(s.url) === url);
}

/** A lower-case id made from a name, unique among `taken`. */
export function uniqueId(name: string, taken: ReadonlySet<string>): string {
  const base =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-._]+|[-._]+$/g, '')
      .slice(0, 60) || 'server';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** A name unique (case-insensitively) among `taken`. */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  let candidate = name.trim().slice(0, 110) || 'server';
  const base = candidate;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${base} (${n})`;
  return candidate;
}

/** The name a server gets when the user gives none: the URL's host and path, or the stdio command. */
export function defaultServerName(server: NewServer): string {
  if (server.url !== undefined) {
    try {
      const url = new URL(server.url);
      const path = url.pathname.replace(/\/+$/, '').replace(/\/(mcp|sse)$/, '');
      return `${url.hostname}${url.port === '' ? '' : `:${url.port}`}${path}`;
    } catch {
      return 'server';
    }
  }
  return server.stdio?.command.split(/[\\/]/).pop() ?? 'server';
}

/** The transport a bare URL most likely speaks: SSE when its path ends in `/sse`, else streamable HTTP. */
export function guessTransport(url: string): TransportKind {
  try {
    return /\/sse\/?$/.test(new URL(url).pathname) ? 'sse' : 'streamable-http';
  } catch {
    return 'streamable-http';
  }
}

/**
 * Builds a validated {@link ServerConfig} for `server` that fits into `existing`: unique id and name (an explicit
 * name that is taken is refused), defaults filled in. Throws `server_exists` or `invalid_server`.
 */
export function buildServer(existing: readonly ServerConfig[], server: NewServer, now: number = Date.now()): ServerConfig {
  const url = server.url === undefined ? undefined : checkServerUrl(server.url);
  const transport = server.transport ?? (url === undefined ? 'stdio' : guessTransport(url));
  const names = new Set(existing.map((s) => s.name.toLowerCase()));
  assertUnique(existing, server.name, url);
  const name = server.name?.trim() || uniqueName(defaultServerName({ ...server, ...(url !== undefined && { url }) }), names);
  const id = uniqueId(name, new Set(existing.map((s) => s.id)));
  return parseServerConfig({
    id,
    name,
    transport,
    ...(url !== undefined && { url }),
    ...(server.stdio !== undefined && { stdio: server.stdio }),
    headers: server.headers ?? {},
    secretHeaders: server.secretHeaders ?? {},
    auth: server.auth ?? {},
    createdAt: now,
    ...(server.importedFrom !== undefined && { importedFrom: server.importedFrom }),
  });
}

/**
 * Refuses a name or URL another configured server already has (`server_exists`); `others` are the servers the new
 * or edited one must not clash with.
 */
export function assertUnique(others: readonly ServerConfig[], name: string | undefined, url: string | undefined): void {
  const wanted = name?.trim().toLowerCase();
  if (wanted && others.some((s) => s.name.toLowerCase() === wanted)) {
    throw new ConfigError('server_exists', `A server named "${name?.trim()}" already exists; choose another name.`);
  }
  if (url !== undefined) {
    const same = others.find((s) => s.url !== undefined && normalizeUrl(s.url) === normalizeUrl(url));
    if (same !== undefined) throw new ConfigError('server_exists', `${url} is already configured as "${same.name}".`);
  }
}

/** Every keychain secret id a server references. */
export function secretRefsOf(server: ServerConfig): readonly string[] {
  return [
    ...(server.auth.clientSecretRef === undefined ? [] : [server.auth.clientSecretRef]),
    ...(server.auth.privateKeyRef === undefined ? [] : [server.auth.privateKeyRef]),
    ...Object.values(server.secretHeaders),
    ...Object.values(server.stdio?.secretEnv ?? {}),
  ];
}

/** The secret members of a `ServerInput`'s auth: each goes to the keychain and the list keeps its id under `ref`. */
const INPUT_SECRETS = [
  { field: 'clientSecret', ref: 'clientSecretRef', kind: 'client-secret', what: 'A client secret' },
  { field: 'privateKey', ref: 'privateKeyRef', kind: 'private-key', what: 'A private key' },
] as const;

/** The keychain ids of the secrets an input stored, by the settings member that references them. */
type StoredSecretRefs = Partial<Record<(typeof INPUT_SECRETS)[number]['ref'], string>>;

/**
 * Checks a private key before anything is stored, so a key Keyport cannot sign with is refused in the dialog (or by
 * the CLI) with the reason, rather than at the next sign-in.
 */
function assertUsablePrivateKey(privateKey: string | undefined, auth: NonNullable<ServerInput['auth']>): void {
  if (privateKey === undefined) return;
  if (auth.tokenEndpointAuthMethod !== undefined && auth.tokenEndpointAuthMethod !== 'private_key_jwt') {
    throw new ConfigError('invalid_server', `A private key is only used with private_key_jwt, not ${auth.tokenEndpointAuthMethod}. Choose private_key_jwt or remove the key.`);
  }
  try {
    readClientKey(privateKey);
  } catch (err) {
    throw new ConfigError('invalid_server', err instanceof Error ? err.message : 'The private key cannot be read.');
  }
}

/** Refuses unusable compatibility settings before anything is stored, naming the setting and the fix. */
function assertCompatSettings(auth: StoredCompatSettings): void {
  const problem = compatSettingsProblems(auth)[0];
  if (problem !== undefined) throw new ConfigError('invalid_server', `The ${SETTING_NAMES[problem.field] ?? problem.field} setting cannot be used: ${problem.message}`);
}

/** What the dialog and the CLI call each compatibility setting, for error messages. */
const SETTING_NAMES: Readonly<Record<string, string>> = {
  resourceOverride: 'resource parameter value (--resource)',
  audience: 'audience (--audience)',
  authorizationParams: 'extra authorization parameters (--auth-param)',
  callbackPath: 'callback path (--callback-path)',
  acceptedIssuer: 'accepted issuer (--accept-issuer)',
  authorizationEndpoint: 'authorization endpoint (--authorization-endpoint)',
  tokenEndpoint: 'token endpoint (--token-endpoint)',
};

/** Stores the input's secrets in the keychain (all or none: a failure removes what was already stored). */
async function storeInputSecrets(secrets: SecretRecords | undefined, auth: NonNullable<ServerInput['auth']>, url: string): Promise<StoredSecretRefs> {
  const stored: StoredSecretRefs = {};
  try {
    for (const { field, ref, kind, what } of INPUT_SECRETS) {
      const value = auth[field];
      if (value === undefined) continue;
      if (secrets === undefined) throw new ConfigError('invalid_server', `${what} needs the keychain, which is not available.`);
      stored[ref] = await secrets.putUserSecret({ kind, value, label: url });
    }
  } catch (err) {
    await deleteSecrets(secrets, Object.values(stored));
    throw err;
  }
  return stored;
}

async function deleteSecrets(secrets: SecretRecords | undefined, ids: readonly string[]): Promise<void> {
  for (const id of ids) await secrets?.deleteUserSecret(id).catch(() => undefined);
}

/**
 * What adding and editing share: the checked URL, the auth settings without secret values, and the keychain ids of
 * the secrets the input brought (a private key is checked before anything is stored).
 */
async function prepareInput(
  secrets: SecretRecords | undefined,
  input: ServerInput,
): Promise<{ url: string; auth: Omit<NonNullable<ServerInput['auth']>, 'clientSecret' | 'privateKey'>; refs: StoredSecretRefs }> {
  const url = checkServerUrl(input.url);
  const given = input.auth ?? {};
  assertUsablePrivateKey(given.privateKey, given);
  const { clientSecret: _secret, privateKey: _key, ...auth } = given;
  assertCompatSettings(withoutNulls(auth));
  return { url, auth, refs: await storeInputSecrets(secrets, given, url) };
}

/**
 * Adds a server from the contract's `ServerInput`: a client secret or private key goes to the keychain first (and is
 * removed again if the list refuses the server), the list keeps only its id.
 */
export async function addServerFromInput(
  config: ConfigStore,
  secrets: SecretRecords | undefined,
  input: ServerInput,
): Promise<ServerConfig> {
  const { url, auth: given, refs } = await prepareInput(secrets, input);
  const auth = withoutNulls(given);
  const hasClient = refs.clientSecretRef !== undefined || refs.privateKeyRef !== undefined || auth.clientId !== undefined;
  const mode = auth.mode ?? (hasClient ? 'preregistered' : 'automatic');
  const method =
    auth.tokenEndpointAuthMethod ??
    (refs.privateKeyRef !== undefined ? ('private_key_jwt' as const) : refs.clientSecretRef !== undefined ? ('client_secret_basic' as const) : undefined);
  try {
    return await config.update((servers) => {
      const server = buildServer(servers, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.transport !== undefined && { transport: input.transport }),
        url,
        auth: { ...auth, mode, ...refs, ...(method !== undefined && { tokenEndpointAuthMethod: method }) },
      });
      return { servers: [...servers, server], result: server };
    });
  } catch (err) {
    await deleteSecrets(secrets, Object.values(refs));
    throw err;
  }
}

/**
 * Removes a server by id, name or URL, then deletes the secrets it referenced. Throws `server_not_found`. A keychain
 * failure while deleting the secrets does not bring the server back: it is passed to `onSecretError` (the caller
 * warns the user) and the items stay in the keychain under `secret:<id>`.
 */
export async function removeServer(
  config: ConfigStore,
  secrets: SecretRecords | undefined,
  ref: string,
  onSecretError?: (error: unknown) => void,
): Promise<ServerConfig> {
  const removed = await config.update((servers) => {
    const server = findServer(servers, ref);
    if (server === undefined) throw new ConfigError('server_not_found', `No server "${ref}" is configured; \`keyport servers list\` shows them.`);
    return { servers: servers.filter((s) => s.id !== server.id), result: server };
  });
  // Its account preferences go with it: a later server with the same id starts on the default account.
  await new AccountPrefsFile(config.dataDir).forgetServer(removed.id).catch(() => undefined);
  if (secrets !== undefined) {
    try {
      for (const id of secretRefsOf(removed)) await secrets.deleteUserSecret(id);
    } catch (err) {
      if (onSecretError === undefined) throw err;
      onSecretError(err);
    }
  }
  return removed;
}

/**
 * Applies an edit from the contract's `ServerInput` to server `id`: URL, name, transport and auth settings; a new
 * client secret or private key replaces the old one in the keychain (the old one is deleted only once the list is
 * written). The id and creation time stay.
 */
export async function updateServerFromInput(
  config: ConfigStore,
  secrets: SecretRecords | undefined,
  id: string,
  input: ServerInput,
): Promise<ServerConfig> {
  const { url, auth, refs } = await prepareInput(secrets, input);
  let replaced: string[] = [];
  try {
    const updated = await config.update((servers) => {
      const current = servers.find((s) => s.id === id);
      if (current === undefined) throw new ConfigError('server_not_found', `No server "${id}" is configured.`);
      const name = input.name?.trim() || current.name;
      assertUnique(servers.filter((s) => s.id !== id), name, url);
      replaced = INPUT_SECRETS.flatMap(({ ref }) => (refs[ref] !== undefined && current.auth[ref] !== undefined ? [current.auth[ref]] : []));
      const next = parseServerConfig({
        ...current,
        name,
        url,
        transport: input.transport ?? current.transport,
        auth: applyAuthEdit(current.auth, { ...auth, ...refs }),
      });
      return { servers: servers.map((s) => (s.id === id ? next : s)), result: next };
    });
    for (const old of replaced) await secrets?.deleteUserSecret(old);
    return updated;
  } catch (err) {
    await deleteSecrets(secrets, Object.values(refs));
    throw err;
  }
}
