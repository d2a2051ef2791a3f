/**
 * What a CLI command runs on: the shared core of main/core.ts (server list, keychain, OAuth engine, connection
 * configs), exactly as the app builds it minus Electron, plus the CLI's own rules for naming a server on the command
 * line (a URL that is not configured yet is added on first use).
 */
import { createKeyportCore } from '../core.ts';
import { createNetwork } from '../net/proxy.ts';
import { readNetworkSettings } from '../net/settings.ts';
import type { KeyportCore } from '../core.ts';
import { resolveDataDir } from '../fs/paths.ts';
import { addServerFromInput, buildServer, findServer } from '../config/servers.ts';
import type { ServerConfig } from '../config/schema.ts';
import { ConfigStore } from '../config/store.ts';
import { createFlowHistory, type FlowHistory } from '../report/flow-history.ts';
import type { FetchFn, LoginState, ServerTarget } from '../oauth/index.ts';
import type { KeyportSecrets, OpenSecretsOptions } from '../secrets/open.ts';
import type { BrowserOpener } from './browser.ts';
import { CliError } from './errors.ts';
import type { CliIo } from './io.ts';

/** Replaceable parts of the core (tests use an in-memory secret store or a custom fetch). */
export interface CliDeps {
  readonly openSecrets?: (dataDir: string, options: OpenSecretsOptions) => KeyportSecrets;
  readonly fetch?: FetchFn;
  readonly now?: () => number;
}

/** The engine's interactive side, which only `login` sets up. */
export interface EngineOptions {
  readonly openBrowser?: BrowserOpener;
  readonly onLoginState?: (serverUrl: string, state: LoginState) => void;
  readonly loginTimeoutMs?: number;
  /** Whether a browser can be opened here (`--no-browser`, or no display): `automatic` servers then use a device code. */
  readonly browserAvailable?: () => boolean;
}

/** Everything a command can use. */
export class CliContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly dataDir: string;
  readonly config: ConfigStore;
  readonly deps: CliDeps;
  /** The flows kept on disk for `keyport report` (issue 14): every flow this command runs is recorded there. */
  readonly flows: FlowHistory;
  #core: KeyportCore | undefined;
  #writes: Promise<unknown>[] = [];

  constructor(io: CliIo, options: { readonly dataDir?: string; readonly json: boolean }, deps: CliDeps = {}) {
    this.io = io;
    this.json = options.json;
    this.dataDir = resolveDataDir(options.dataDir, io.env);
    this.config = new ConfigStore(this.dataDir);
    this.deps = deps;
    this.flows = createFlowHistory(this.dataDir);
  }

  /** Waits for the flow records still being written, so a command that ends (or fails) right after a flow keeps it. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#writes);
  }

  /**
   * The shared core, built on first use. `login` passes the browser opener and login-state listener before anything
   * else uses the core; every other command gets an engine that refuses to open a browser.
   */
  core(engine: EngineOptions = {}): KeyportCore {
    this.#core ??= createKeyportCore({
      dataDir: this.dataDir,
      onDamagedSecret: (message) => this.io.stderr(`warning: ${message}`),
      ...(this.deps.openSecrets !== undefined && { openSecrets: this.deps.openSecrets }),
      // Every OAuth and MCP request honours the proxy and CA settings (HTTPS_PROXY, NO_PROXY, NODE_EXTRA_CA_CERTS…).
      fetch: this.deps.fetch ?? createNetwork({ env: this.io.env, extraCaFiles: () => readNetworkSettings(this.dataDir).extraCaCertificates }).fetch,
      ...(this.deps.now !== undefined && { now: this.deps.now }),
      ...(engine.openBrowser !== undefined && { openBrowser: engine.openBrowser }),
      onTrace: (trace) => {
        if (trace.outcome !== 'running') this.#writes.push(this.flows.record(trace).catch(() => undefined));
      },
      onLoginState: (url, state) => {
        // A failed sign-in's error goes with its flow, for the report.
        if (state.state === 'failed') this.#writes.push(this.flows.attachError(url, state.error).catch(() => undefined));
        engine.onLoginState?.(url, state);
      },
      ...(engine.loginTimeoutMs !== undefined && { loginTimeoutMs: engine.loginTimeoutMs }),
      ...(engine.browserAvailable !== undefined && { browserAvailable: engine.browserAvailable }),
    });
    return this.#core;
  }

  /** The keychain-backed secrets of this data directory (a damaged item is reported on stderr). */
  secrets(): KeyportSecrets {
    return this.core().secrets();
  }

  /**
   * The configured server `ref` names (id, name or URL). A URL that is not configured yet is added when `addUrl`
   * is set (DESIGN: "a new URL is added on first use"); otherwise it is an ad-hoc server that is not stored.
   */
  async server(ref: string, addUrl: boolean): Promise<ServerConfig> {
    const servers = await this.config.load();
    const found = findServer(servers, ref);
    if (found !== undefined) return found;
    if (!/^https?:\/\//i.test(ref)) {
      throw new CliError('server_not_found', `No server "${ref}" is configured; \`keyport servers list\` shows them, or pass the server's URL.`);
    }
    if (!addUrl) return buildServer([], { url: ref });
    const added = await addServerFromInput(this.config, undefined, { url: ref });
    if (!this.json) this.io.stderr(`Added ${added.url ?? ref} as "${added.name}".`);
    return added;
  }

  /** The engine's view of a server: its URL and settings, secrets read from the keychain. */
  async target(server: ServerConfig): Promise<ServerTarget> {
    return this.core().target(server);
  }
}
