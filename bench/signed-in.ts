/**
 * What the app-level benchmarks (warm-start, memory) start from: a reachable Secret Service, a data directory whose
 * server list names N MCP servers, a token set for each in the real keychain (from real sign-ins through the login
 * and consent pages), and the app's own start path (`createAppServices`, as main/index.ts builds it) over that
 * directory, with every keychain read counted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventPayloads, ServerStatus } from '../preload/contract.ts';
import type { Emit } from '../main/ipc/events.ts';
import type { FetchFn } from '../main/oauth/index.ts';
import { ConfigStore } from '../main/config/store.ts';
import type { ServerConfig } from '../main/config/schema.ts';
import { openKeychainSecrets } from '../main/secrets/open.ts';
import type { KeyportSecrets, OpenSecretsOptions } from '../main/secrets/open.ts';
import type { SecretStore } from '../main/secrets/store.ts';
import { createAppServices } from '../main/services.ts';
import type { AppRuntime } from '../main/services.ts';
import { ACCOUNTS } from '../test/servers/accounts.ts';
import { completeLogin } from '../test/servers/user-agent.ts';
import { secretServiceUsable, startPrivateKeyring, stopPrivateKeyring } from '../test/setup/keyring.ts';

/**
 * Makes sure a usable Secret Service is reachable (a private, throw-away gnome-keyring when the session has none) and
 * returns how to stop what was started.
 */
export async function useKeychain(): Promise<() => void> {
  if (process.platform !== 'linux' || secretServiceUsable(process.env.DBUS_SESSION_BUS_ADDRESS)) return () => undefined;
  const keyring = await startPrivateKeyring();
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress;
  Object.assign(process.env, keyring.env);
  return () => stopPrivateKeyring(keyring);
}

/** A data directory with N signed-in servers. */
export interface SignedInServers {
  readonly dataDir: string;
  /** Every configured server (in the order of the URLs given). */
  readonly servers: readonly ServerConfig[];
  /** The `Authorization` header value each server's token set gives, by server URL (for raw clients; never printed). */
  readonly authorization: ReadonlyMap<string, string>;
  /** Makes the server list name only the first `n` servers (their tokens stay in the keychain). */
  useFirst(n: number): Promise<void>;
  /** Deletes the keychain items and the directory. */
  cleanup(): Promise<void>;
}

/**
 * Adds a server per URL to a fresh data directory and signs in to each through the app's own services (the user
 * agent plays the browser, as alice), with bearer tokens (`dpop: 'off'`) so raw clients can send the same ones.
 */
export async function signInServers(mcpUrls: readonly string[]): Promise<SignedInServers> {
  const dataDir = await mkdtemp(join(tmpdir(), 'keyport-bench-'));
  const cleanup = async (): Promise<void> => {
    const secrets = openKeychainSecrets(dataDir);
    for (const item of await secrets.store.list().catch(() => [])) await secrets.store.delete(item.account).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const setup = await createAppServices({
      appVersion: '0.0.0-bench',
      dataDir,
      emit: () => undefined,
      autoConnect: false,
      openBrowser: async (url) => {
        await completeLogin(url, { username: ACCOUNTS.alice.username, password: ACCOUNTS.alice.password });
      },
    });
    try {
      for (const [i, url] of mcpUrls.entries()) {
        const view = await setup.services.servers.add({ name: `bench-${String(i + 1).padStart(3, '0')}`, url, auth: { dpop: 'off' } });
        await setup.services.auth.signIn(view.id);
      }
    } finally {
      await setup.dispose();
    }
    const config = new ConfigStore(dataDir);
    const servers = await config.load();
    const authorization = new Map<string, string>();
    for (const record of await openKeychainSecrets(dataDir).credentials.listTokenSets()) {
      authorization.set(record.serverUrl, `${record.tokenType === 'DPoP' ? 'DPoP' : 'Bearer'} ${record.accessToken}`);
    }
    for (const url of mcpUrls) if (!authorization.has(url)) throw new Error(`no token set was stored for ${url}`);
    return {
      dataDir,
      servers,
      authorization,
      useFirst: (n) => config.update(() => ({ servers: servers.slice(0, n), result: undefined })),
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Keychain reads made through a counting store: item reads (`get`) and listings of the whole service (`list`). */
export interface KeychainReads {
  gets: number;
  lists: number;
}

/** The app's `openSecrets` over the real keychain, counting every read into `reads`. */
export function countingKeychain(reads: KeychainReads): (dataDir: string, options: OpenSecretsOptions) => KeyportSecrets {
  return (dataDir, options) => {
    const real = openKeychainSecrets(dataDir).store;
    const store: SecretStore = {
      description: real.description,
      get: (account) => {
        reads.gets += 1;
        return real.get(account);
      },
      set: (account, value) => real.set(account, value),
      delete: (account) => real.delete(account),
      list: () => {
        reads.lists += 1;
        return real.list();
      },
    };
    return openKeychainSecrets(dataDir, { ...options, store });
  };
}

/** Options of {@link startApp}. */
export interface StartAppOptions {
  readonly dataDir: string;
  readonly reads?: KeychainReads;
  /** Connect every signed-in server at start, as the app does (default true). */
  readonly autoConnect?: boolean;
  /** A fetch for the core (the engine and every MCP connection); only to watch the requests, e.g. a timeline. */
  readonly fetch?: FetchFn;
}

/** A started app: its services, and the status events it pushes to the window. */
export interface StartedApp {
  readonly runtime: AppRuntime;
  /** Adds a listener for `auth:onStatus` (returns how to remove it). */
  onStatus(listener: (serverId: string, status: ServerStatus) => void): () => void;
}

/** The app's services over a data directory, built as main/index.ts builds them (no window). */
export async function startApp(options: StartAppOptions): Promise<StartedApp> {
  const listeners = new Set<(serverId: string, status: ServerStatus) => void>();
  const emit: Emit = (channel, payload) => {
    if (channel !== 'auth:onStatus') return;
    const { serverId, status } = payload as EventPayloads['auth:onStatus'];
    for (const listener of [...listeners]) listener(serverId, status);
  };
  const runtime = await createAppServices({
    appVersion: '0.0.0-bench',
    dataDir: options.dataDir,
    emit,
    autoConnect: options.autoConnect ?? true,
    core: {
      ...(options.reads !== undefined && { openSecrets: countingKeychain(options.reads) }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    },
  });
  return {
    runtime,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Resolves with every server's tool count once the app has connected each of `serverIds` and listed its tools
 * (asking for the tools as soon as a server reports "connected", as the window does for the server on screen).
 * Rejects when a server ends in "needs sign-in" or "error", or after `timeoutMs`. Listen before the app starts
 * connecting: call it right after {@link startApp}, in the same turn.
 */
export function allToolsListed(app: StartedApp, serverIds: readonly string[], timeoutMs = 60_000): Promise<ReadonlyMap<string, number>> {
  return new Promise((resolve, reject) => {
    const listed = new Map<string, number>();
    const asked = new Set<string>();
    const wanted = new Set(serverIds);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      stop();
      if (error) reject(error);
      else resolve(listed);
    };
    const timer = setTimeout(() => finish(new Error(`only ${listed.size} of ${serverIds.length} servers listed their tools within ${timeoutMs} ms`)), timeoutMs);
    const stop = app.onStatus((serverId, status) => {
      if (!wanted.has(serverId)) return;
      if (status.state === 'needs-sign-in' || status.state === 'error') {
        finish(new Error(`server ${serverId} ended in "${status.state}" instead of connecting`));
        return;
      }
      if (status.state !== 'connected' || asked.has(serverId)) return;
      asked.add(serverId);
      app.runtime.services.capabilities.tools(serverId).then(
        (tools) => {
          listed.set(serverId, tools.length);
          if (listed.size === wanted.size) finish();
        },
        (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
      );
    });
  });
}
