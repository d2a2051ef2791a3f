/**
 * Keyport's core, the same for the app and the CLI: one data directory's server list, its keychain secrets, the OAuth
 * engine on them, and how a configured server becomes an engine target and an MCP connection config. Side effects
 * (the browser opener, fetch, the clock) are injected by the host.
 */
import type { FlowTraceView, ServerStatus } from '../preload/contract.ts';
import { compatSettingsForEngine } from './config/compat-settings.ts';
import { AccountPrefsFile } from './config/accounts.ts';
import { findServer } from './config/servers.ts';
import type { ServerConfig } from './config/schema.ts';
import { ConfigStore } from './config/store.ts';
import { ConfigError } from './config/errors.ts';
import { KeyportError } from './errors.ts';
import type { AuthorizedSession, FetchLike, McpServerConfig } from './mcp/index.ts';
import { createOAuthEngine } from './oauth/index.ts';
import type { FetchFn, LoginState, OAuthEngine, ServerAuthSettings, ServerTarget } from './oauth/index.ts';
import { openKeychainSecrets, type KeyportSecrets, type OpenSecretsOptions } from './secrets/open.ts';

/** What a host passes in. */
export interface KeyportCoreOptions {
  readonly dataDir: string;
  /** Opens an authorization URL in the user's browser (the engine checks its scheme first). */
  readonly openBrowser?: (url: string) => Promise<void>;
  readonly fetch?: FetchFn;
  readonly now?: () => number;
  /** Opens the secrets of the data directory; the keychain by default (tests may pass another store). */
  readonly openSecrets?: (dataDir: string, options: OpenSecretsOptions) => KeyportSecrets;
  readonly onDamagedSecret?: (message: string) => void;
  readonly onTrace?: (trace: FlowTraceView) => void;
  readonly onStatus?: (serverUrl: string, status: ServerStatus) => void;
  readonly onLoginState?: (serverUrl: string, state: LoginState) => void;
  readonly loginTimeoutMs?: number;
  /** Whether a browser can be opened here (a server set to sign in `automatic`ally uses a device code otherwise). */
  readonly browserAvailable?: () => boolean;
  readonly refreshMarginMs?: number;
}

/** The core of one data directory. */
export interface KeyportCore {
  readonly dataDir: string;
  readonly config: ConfigStore;
  /** Which account each server's connection uses, and the names the user gave accounts (non-secret). */
  readonly accounts: AccountPrefsFile;
  /** The keychain side, opened on first use (so commands that need no secret never touch the keychain). */
  secrets(): KeyportSecrets;
  /** The OAuth engine on the keychain with the cross-process refresh lock, created on first use. */
  engine(): OAuthEngine;
  /** The configured server that `ref` names (id, name or URL); throws `server_not_found`. */
  server(ref: string): Promise<ServerConfig>;
  /** The engine's view of an HTTP server: URL and settings, secrets read from the keychain. */
  target(server: ServerConfig): Promise<ServerTarget>;
  /** The connection layer's view of a server, with its secret headers / env resolved from the keychain. */
  connectionConfig(server: ServerConfig): Promise<McpServerConfig>;
  /**
   * The authorized session for an HTTP server: the engine's fetch (never opening a browser) plus its headers, for
   * `account` (default: the server's active account).
   */
  session(server: ServerConfig, baseFetch?: FetchLike, account?: string): Promise<AuthorizedSession>;
}

/** Builds the core for a data directory. Nothing touches the disk or the keychain until it is used. */
export function createKeyportCore(options: KeyportCoreOptions): KeyportCore {
  const config = new ConfigStore(options.dataDir);
  let secrets: KeyportSecrets | undefined;
  let engine: OAuthEngine | undefined;

  const core: KeyportCore = {
    dataDir: options.dataDir,
    config,
    accounts: new AccountPrefsFile(options.dataDir),
    secrets() {
      secrets ??= (options.openSecrets ?? openKeychainSecrets)(options.dataDir, {
        ...(options.onDamagedSecret !== undefined && {
          onDamaged: (report) => options.onDamagedSecret?.(report.error.message),
        }),
      });
      return secrets;
    },
    engine() {
      const s = core.secrets();
      engine ??= createOAuthEngine({
        store: s.credentials,
        refreshLock: s.refreshLock,
        openBrowser:
          options.openBrowser ??
          (async () => {
            throw new KeyportError('interactive_login_required', 'This action does not open a browser; sign in first.');
          }),
        ...(options.fetch !== undefined && { fetch: options.fetch }),
        ...(options.now !== undefined && { now: options.now }),
        ...(options.onTrace !== undefined && { onTrace: options.onTrace }),
        ...(options.onStatus !== undefined && { onStatus: options.onStatus }),
        ...(options.onLoginState !== undefined && { onLoginState: options.onLoginState }),
        ...(options.loginTimeoutMs !== undefined && { loginTimeoutMs: options.loginTimeoutMs }),
        ...(options.browserAvailable !== undefined && { browserAvailable: options.browserAvailable }),
        ...(options.refreshMarginMs !== undefined && { refreshMarginMs: options.refreshMarginMs }),
      });
      return engine;
    },
    async server(ref) {
      const found = findServer(await config.load(), ref);
      if (found === undefined) {
        throw new ConfigError('server_not_found', `No server "${ref}" is configured; \`keyport servers list\` shows them.`);
      }
      return found;
    },
    async target(server) {
      if (server.transport === 'stdio' || server.url === undefined) {
        throw new KeyportError('not_applicable', `"${server.name}" is a stdio server: it needs no sign-in.`);
      }
      const auth = server.auth;
      const clientSecret = await secretValue(auth.clientSecretRef, server, 'client secret');
      const privateKeyPem = await secretValue(auth.privateKeyRef, server, 'private key');
      const settings: ServerAuthSettings = {
        mode: auth.mode,
        sendResourceParameter: auth.sendResourceParameter,
        dpop: auth.dpop,
        ...(auth.signInMethod !== undefined && { signInMethod: auth.signInMethod }),
        ...(auth.clientId !== undefined && { clientId: auth.clientId }),
        ...(auth.tokenEndpointAuthMethod !== undefined && { tokenEndpointAuthMethod: auth.tokenEndpointAuthMethod }),
        ...(auth.scope !== undefined && { scope: auth.scope }),
        ...(auth.callbackPort !== undefined && { callbackPort: auth.callbackPort }),
        ...(auth.clientMetadataDocumentUrl !== undefined && { clientMetadataDocumentUrl: auth.clientMetadataDocumentUrl }),
        ...(auth.preferredAuthorizationServer !== undefined && {
          preferredAuthorizationServer: auth.preferredAuthorizationServer,
        }),
        ...compatSettingsForEngine(auth),
        ...(clientSecret !== undefined && { clientSecret }),
        ...(privateKeyPem !== undefined && { privateKeyPem }),
      };
      return { serverUrl: server.url, settings };
    },
    async connectionConfig(server) {
      if (server.transport === 'stdio') {
        const stdio = server.stdio;
        if (stdio === undefined) throw new ConfigError('invalid_server', `"${server.name}" has no command.`);
        const env = { ...stdio.env, ...(await secretValues(stdio.secretEnv, server)) };
        return {
          id: server.id,
          transport: 'stdio',
          command: stdio.command,
          args: stdio.args,
          env,
          ...(stdio.cwd !== undefined && { cwd: stdio.cwd }),
        };
      }
      return { id: server.id, transport: server.transport, url: server.url ?? '' };
    },
    async session(server, baseFetch, account) {
      const headers = { ...server.headers, ...(await secretValues(server.secretHeaders, server)) };
      const plain: FetchLike = baseFetch ?? options.fetch ?? ((input, init) => fetch(input, init));
      if (server.auth.mode === 'none') return { fetch: withHeaders(plain, headers) };
      const authorized = core.engine().authorizedFetch(await core.target(server), { interactive: false, account: account ?? core.accounts.active(server.id) });
      return { fetch: withHeaders(authorized, headers) };
    },
  };

  async function secretValue(ref: string | undefined, server: ServerConfig, what: string): Promise<string | undefined> {
    if (ref === undefined) return undefined;
    const secret = await core.secrets().records.getUserSecret(ref);
    if (secret === undefined) {
      throw new KeyportError(
        'secret_missing',
        `The ${what} of "${server.name}" is missing from the keychain; enter it again in the server's settings.`,
      );
    }
    return secret.value;
  }

  async function secretValues(refs: Readonly<Record<string, string>>, server: ServerConfig): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, ref] of Object.entries(refs)) {
      const value = await secretValue(ref, server, `secret "${name}"`);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  return core;
}

/** Adds a server's configured headers to every request (never overriding what the engine set, e.g. Authorization). */
export function withHeaders(inner: FetchLike, headers: Readonly<Record<string, string>>): FetchLike {
  if (Object.keys(headers).length === 0) return inner;
  return (url, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) if (!merged.has(name)) merged.set(name, value);
    return inner(url, { ...init, headers: merged });
  };
}
