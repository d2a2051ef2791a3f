/**
 * The app's services, composed from the core (config, keychain, OAuth engine) and the MCP layer. Built the same way
 * for the window (main/index.ts) and the test harness, so the handlers the tests drive are the app's handlers.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerInput } from '../preload/contract.ts';
import { createAccountService } from './app/accounts.ts';
import { createAuthService } from './app/auth.ts';
import { createCapabilityService, createElicitationBroker } from './app/capabilities.ts';
import { createAppContext, type AppContext, type HostEffects } from './app/context.ts';
import { createForesight, type Foresight } from './app/foresight.ts';
import { silentNotifier, type Notifier } from './app/notices.ts';
import { createServerDirectory } from './app/servers.ts';
import { createKeyportCore, type KeyportCoreOptions } from './core.ts';
import { createNetwork } from './net/proxy.ts';
import { readNetworkSettings } from './net/settings.ts';
import { KeyportError } from './errors.ts';
import { fanOut, type Emit } from './ipc/events.ts';
import type { AppServices } from './ipc/handlers.ts';
import { warningSpansFrom, type ExpiryWarningSpans } from './oauth/index.ts';

/** What the shell passes in: the side effects that differ between the app, the CLI and tests. */
export interface AppRuntimeOptions extends Partial<HostEffects> {
  readonly appVersion: string;
  readonly dataDir: string;
  readonly emit: Emit;
  /** The OS proxy for a URL in PAC form (Electron's `session.resolveProxy`), used when the environment names none. */
  readonly resolveProxy?: (url: string) => Promise<string>;
  /** Core options for tests (e.g. another secret store, a shorter refresh margin). */
  readonly core?: Omit<KeyportCoreOptions, 'dataDir' | 'openBrowser' | 'onTrace' | 'onStatus' | 'onLoginState'>;
  /** Connect, at start, every server that needs no sign-in or already has tokens. Default true. */
  readonly autoConnect?: boolean;
  /** Servers to list on the very first run (no server list yet), e.g. the local demo server in development. */
  readonly firstRunServers?: readonly ServerInput[];
  /** Native notifications and the badge (issue 14); none by default. */
  readonly notifier?: Notifier;
  /** How long ahead lifetimes are warned about; default from the environment, else 24 h / 7 d. */
  readonly expiryWarnings?: ExpiryWarningSpans;
  /** Asks where to save a file (a sign-in report); undefined when the user cancels. Default: nothing is saved. */
  readonly chooseSaveFile?: (suggestedName: string) => Promise<string | undefined>;
  /** Tests: how often lifetimes are looked at (0: only on a sweep) and how notices are grouped and spaced. */
  readonly foresightTiming?: { readonly expiryIntervalMs?: number; readonly groupWindowMs?: number; readonly minIntervalMs?: number };
}

/** The running core: the services the handlers use, and how to shut them down. */
export interface AppRuntime {
  readonly services: AppServices;
  readonly context: AppContext;
  /** The notice centre and expiry monitor (tests sweep it). */
  readonly foresight: Foresight;
  dispose(): Promise<void>;
}

/** Keyport's version as package.json states it; for hosts without Electron's `app.getVersion()`. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Schemes a link from a server may open in the system browser. */
const externalSchemes = new Set(['https:', 'http:']);

/** Builds the app's services for a data directory. */
export async function createAppServices(options: AppRuntimeOptions): Promise<AppRuntime> {
  const host: HostEffects = {
    openBrowser:
      options.openBrowser ??
      (async () => {
        throw new KeyportError('unsupported', 'This host cannot open a browser.');
      }),
    clipboard: options.clipboard ?? { writeText: () => undefined },
    chooseImportFile: options.chooseImportFile ?? (async () => undefined),
    now: options.now ?? Date.now,
  };

  // The engine reports by server URL; the context maps URLs to configured servers.
  const late: {
    context?: AppContext;
    onAuthorizationUrl?: (serverId: string, url: string) => void;
    publishTokens?: (serverId: string) => Promise<void>;
    foresight?: Foresight;
  } = {};
  const byUrl = async (url: string, then: (id: string) => void) => {
    // Synchronously when the server is known, so events reach the window in the order the engine sent them.
    const known = late.context?.knownIdForUrl(url);
    if (known !== undefined) return then(known);
    const id = await late.context?.idForUrl(url);
    if (id !== undefined) then(id);
  };
  const core = createKeyportCore({
    ...options.core,
    // Every OAuth and MCP request honours the proxy and CA settings, and the OS proxy where the shell resolves it.
    fetch:
      options.core?.fetch ??
      createNetwork({
        env: process.env,
        extraCaFiles: () => readNetworkSettings(options.dataDir).extraCaCertificates,
        ...(options.resolveProxy !== undefined && { resolveProxy: options.resolveProxy }),
      }).fetch,
    dataDir: options.dataDir,
    openBrowser: host.openBrowser,
    onTrace: (trace) =>
      void byUrl(trace.serverUrl, (id) => {
        late.context?.addTrace(id, trace);
        // A refresh the engine did on its own (before expiry, or after a 401) changes what the Tokens tab shows.
        if (trace.kind === 'refresh' && trace.outcome !== 'running') void late.publishTokens?.(id);
      }),
    onStatus: (url, status) => void byUrl(url, (id) => late.context?.setStatus(id, status)),
    onLoginState: (url, state) => {
      if (state.state === 'awaiting-user') void byUrl(url, (id) => late.onAuthorizationUrl?.(id, state.authorizationUrl));
      if (state.state === 'awaiting-device') {
        // The device sign-in panel (issue 13): the user code and where to enter it; never the device code.
        const device = {
          issuer: state.issuer,
          userCode: state.userCode,
          verificationUri: state.verificationUri,
          ...(state.verificationUriComplete !== undefined && { verificationUriComplete: state.verificationUriComplete }),
          expiresAt: state.expiresAt,
          interval: state.interval,
        };
        void byUrl(url, (serverId) => options.emit('auth:onDeviceCode', { serverId, device }));
      }
    },
  });

  const elicitation = createElicitationBroker(() => options.emit);
  // Every event for the window is also seen by the notice centre (statuses, token changes, finished flows).
  const emit = fanOut(options.emit, (channel, payload) => late.foresight?.observe(channel, payload));
  const context = createAppContext(core, host, emit, (request, signal) => elicitation.handler(request, signal));
  const auth = createAuthService(context);
  late.context = context;
  late.onAuthorizationUrl = auth.onAuthorizationUrl;
  late.publishTokens = async (serverId) => {
    const tokenSet = await auth.service.tokens(serverId).catch(() => null);
    options.emit('tokens:onChanged', { serverId, tokenSet });
  };

  const directory = createServerDirectory(context);
  const foresight = createForesight({
    context,
    directory,
    notifier: options.notifier ?? silentNotifier,
    spans: options.expiryWarnings ?? warningSpansFrom(process.env),
    appVersion: options.appVersion,
    chooseSaveFile: options.chooseSaveFile ?? (async () => undefined),
    ...(options.foresightTiming?.expiryIntervalMs !== undefined && { expiryIntervalMs: options.foresightTiming.expiryIntervalMs }),
    noticeTiming: { ...options.foresightTiming },
  });
  late.foresight = foresight;

  const services: AppServices = {
    info: () => ({
      name: 'Keyport',
      version: options.appVersion,
      dataDir: options.dataDir,
      platform: process.platform,
      keychain: core.secrets().service,
    }),
    async openExternal(url) {
      const parsed = new URL(url);
      if (!externalSchemes.has(parsed.protocol)) {
        throw new KeyportError('unsafe_url', `Keyport only opens http and https links, not ${parsed.protocol} links.`);
      }
      await host.openBrowser(parsed.toString());
      return true;
    },
    servers: directory,
    auth: foresight.quietAuth(auth.service),
    accounts: foresight.quietAccounts(createAccountService(context, auth.signInAs)),
    capabilities: createCapabilityService(context, elicitation),
    foresight: foresight.service,
  };

  if (options.firstRunServers?.length && !existsSync(core.config.file)) {
    for (const input of options.firstRunServers) await services.servers.add(input).catch(() => undefined);
  }
  if (options.autoConnect ?? true) void autoConnect(context, foresight);
  return {
    services,
    context,
    foresight,
    async dispose() {
      foresight.dispose();
      await auth.dispose();
      await context.mcp.closeAll();
    },
  };
}

/** Warm start: reconnects every server that needs no sign-in or already holds tokens; never opens a browser. */
async function autoConnect(context: AppContext, foresight: Foresight): Promise<void> {
  let servers;
  try {
    servers = await context.core.config.load();
  } catch {
    return; // a damaged config is reported when the window lists servers
  }
  await Promise.all(
    servers.map(async (server) => {
      try {
        const needsTokens = server.transport !== 'stdio' && server.auth.mode !== 'none';
        if (needsTokens && !(await context.core.engine().tokenSetView(await context.core.target(server)))) {
          context.setStatus(server.id, { state: 'needs-sign-in' });
          return;
        }
        if (needsTokens) foresight.sawTokens(server.id);
        await context.connected(server.id);
      } catch {
        // each connection reports its own status
      }
    }),
  );
}
