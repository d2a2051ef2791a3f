/**
 * The renderer test harness: the real, built React app in Debian's Chromium, with `window.keyport` provided by a
 * bridge that forwards every call to the *real* main-process handlers running in this Node process, through the same
 * dispatcher (sender check + payload validation) that Electron's IPC uses. Every payload the page receives is
 * recorded so tests can search it for secrets. The page can reach nothing but the built renderer files.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { apiFunctions, eventChannels, requestSchemas } from '../../preload/contract.ts';
import { createDispatcher, type SenderInfo } from '../../main/ipc/dispatch.ts';
import type { Emit } from '../../main/ipc/events.ts';
import { createHandlers } from '../../main/ipc/handlers.ts';
import { trustedSenderPolicy } from '../../main/ipc/trusted-sender.ts';
import { rendererContentSecurityPolicy, rendererFileFor } from '../../main/renderer-files.ts';
import { createAppServices, packageVersion, type AppRuntime, type AppRuntimeOptions } from '../../main/services.ts';

/** Where the harness pretends the renderer is served from (requests to it are answered from out/renderer). */
export const harnessOrigin = 'http://keyport.test';

/** Chromium flags for this machine (see ENVIRONMENT.md): headless, no sandbox as root, no background traffic. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A stand-in answer for one request channel, for benches that need data no test server has (e.g. 10,000 tools). */
export type ChannelOverride = (...args: readonly unknown[]) => unknown;

/** Every payload that crossed to the page: responses to requests and pushed events. */
export interface RecordedPayload {
  readonly kind: 'response' | 'event';
  readonly channel: string;
  readonly json: string;
}

/** A running harness. */
export interface Harness {
  readonly page: Page;
  readonly runtime: AppRuntime;
  readonly dataDir: string;
  readonly received: RecordedPayload[];
  /** URLs the page tried to load that are not the renderer's own files (all were refused). */
  readonly blockedRequests: string[];
  /** Every URL main asked to open in the system browser (sign-in, step-up, openExternal). */
  readonly openedUrls: string[];
  /** Every text main put on the clipboard (copy link, copy token). */
  readonly clipboardWrites: string[];
  /** Failures of the `browser` script (e.g. the login form rejected the password). */
  readonly browserErrors: unknown[];
  /** Replaces the script that plays the user in the browser (for the next URLs main opens). */
  setBrowser(browser: BrowserScript | undefined): void;
  close(): Promise<void>;
}

/** Plays the user in the system browser: gets each URL main opens (e.g. runs `completeLogin` on it). */
export type BrowserScript = (url: string) => Promise<unknown>;

/** Options for {@link startHarness}. */
export interface HarnessOptions {
  readonly dataDir?: string;
  readonly colorScheme?: 'light' | 'dark';
  /** What happens when main opens a URL in the "system browser"; default: nothing (the URL is only recorded). */
  readonly browser?: BrowserScript;
  /** The file the import dialog "chooses"; default: the user cancels. */
  readonly importFile?: string;
  /** Answers that replace the real handler for a channel (benches only; tests use the real handlers). */
  readonly overrides?: Readonly<Record<string, ChannelOverride>>;
  /** Further runtime options (e.g. `core` settings such as a shorter refresh margin). */
  readonly runtime?: Partial<AppRuntimeOptions>;
  /** Viewport size of the page (screenshots); default 1280×800. */
  readonly viewport?: { readonly width: number; readonly height: number };
}

const PAGE_WEB_CONTENTS_ID = 1;
const rendererRoot = fileURLToPath(new URL('../../out/renderer', import.meta.url));

let sharedBrowser: Promise<Browser> | undefined;

/** One Chromium per test file; pages are cheap, browsers are not. */
function browser(): Promise<Browser> {
  sharedBrowser ??= chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: chromiumArgs });
  return sharedBrowser;
}

/** Closes the shared browser; call from `afterAll`. */
export async function closeBrowser(): Promise<void> {
  if (!sharedBrowser) return;
  const b = await sharedBrowser;
  sharedBrowser = undefined;
  await b.close();
}

/** Starts the app's services, opens the built renderer in Chromium and wires the bridge. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'keyport-harness-')));
  const received: RecordedPayload[] = [];
  const blockedRequests: string[] = [];
  // Events may fire before the page exists; they are recorded and dropped until it does.
  const pageRef: { current?: Page } = {};

  const toPage: Emit = (channel, payload) => {
    received.push({ kind: 'event', channel, json: JSON.stringify(payload) });
    void pageRef.current?.evaluate(([c, p]) => (window as unknown as HarnessWindow).__keyportEmit(c, p), [channel, payload] as const)
      .catch(() => undefined);
  };
  const openedUrls: string[] = [];
  const clipboardWrites: string[] = [];
  const browserErrors: unknown[] = [];
  let browserScript = options.browser;
  // The side effects main gets injected: the "browser" is a script, the clipboard a list.
  const runtimeOptions: AppRuntimeOptions = {
    appVersion: packageVersion(),
    dataDir,
    emit: toPage,
    openBrowser: async (url: string) => {
      openedUrls.push(url);
      const script = browserScript;
      if (script) void script(url).catch((error: unknown) => browserErrors.push(error));
    },
    clipboard: {
      writeText: (text: string) => {
        clipboardWrites.push(text);
      },
    },
    chooseImportFile: async () => options.importFile,
    ...options.runtime,
  };
  const runtime = await createAppServices(runtimeOptions);
  const dispatch = createDispatcher(
    createHandlers(runtime.services),
    trustedSenderPolicy({ webContentsId: () => PAGE_WEB_CONTENTS_ID, rendererOrigin: harnessOrigin }),
  );

  const context = await (await browser()).newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ? { ...options.viewport } : { width: 1280, height: 800 },
  });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    const file = rendererFileFor(url, rendererRoot, harnessOrigin);
    if (!file) {
      blockedRequests.push(url);
      return route.abort('blockedbyclient');
    }
    try {
      const body = await readFile(file);
      return route.fulfill({
        status: 200,
        body,
        contentType: contentTypeOf(file),
        headers: { 'Content-Security-Policy': rendererContentSecurityPolicy },
      });
    } catch {
      return route.fulfill({ status: 404, body: 'Not found' });
    }
  });
  const thePage = await context.newPage();
  pageRef.current = thePage;
  await thePage.exposeBinding('__keyportInvoke', async (source, channel: string, args: unknown[]) => {
    const sender: SenderInfo = {
      webContentsId: source.page === thePage ? PAGE_WEB_CONTENTS_ID : -1,
      frameUrl: source.frame.url(),
      isMainFrame: source.frame === thePage.mainFrame(),
    };
    const override = options.overrides?.[channel];
    const result = override && sender.webContentsId === PAGE_WEB_CONTENTS_ID ? { ok: true, value: await override(...args) } : await dispatch(channel, sender, args);
    received.push({ kind: 'response', channel, json: JSON.stringify(result) });
    return result;
  });
  await thePage.addInitScript(installBridge, {
    functions: apiFunctions as Record<string, string>,
    requestChannels: Object.keys(requestSchemas),
    eventChannels: [...eventChannels],
  });
  await thePage.goto(`${harnessOrigin}/index.html`);

  return {
    page: thePage,
    runtime,
    dataDir,
    received,
    blockedRequests,
    openedUrls,
    clipboardWrites,
    browserErrors,
    setBrowser(script) {
      browserScript = script;
    },
    async close() {
      await context.close();
      await runtime.dispose();
      // Main may still be releasing a lock file of a flow the test abandoned: retry instead of failing the test.
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

interface HarnessWindow {
  __keyportInvoke(channel: string, args: unknown[]): Promise<unknown>;
  __keyportEmit(channel: string, payload: unknown): void;
}

/**
 * Runs in the page before any app script: builds `window.keyport` with one named function per contract entry, like
 * the preload, forwarding requests to Node and delivering pushed events. Must be self-contained (it is serialised).
 */
function installBridge(spec: { functions: Record<string, string>; requestChannels: string[]; eventChannels: string[] }) {
  const w = window as unknown as HarnessWindow & Record<string, unknown>;
  const invoke = w.__keyportInvoke.bind(w);
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const api: Record<string, unknown> = {};
  for (const [name, channel] of Object.entries(spec.functions)) {
    if (spec.requestChannels.includes(channel)) {
      api[name] = (...args: unknown[]) => invoke(channel, args);
    } else if (spec.eventChannels.includes(channel)) {
      api[name] = (listener: (payload: unknown) => void) => {
        const set = listeners.get(channel) ?? new Set();
        set.add(listener);
        listeners.set(channel, set);
        return () => set.delete(listener);
      };
    }
  }
  Object.defineProperty(window, 'keyport', { value: Object.freeze(api), enumerable: true });
  Object.defineProperty(window, '__keyportEmit', {
    value: (channel: string, payload: unknown) => listeners.get(channel)?.forEach((listener) => listener(payload)),
  });
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.html')) return 'text/html; charset=utf-8';
  if (file.endsWith('.js')) return 'text/javascript; charset=utf-8';
  if (file.endsWith('.css')) return 'text/css; charset=utf-8';
  if (file.endsWith('.svg')) return 'image/svg+xml';
  if (file.endsWith('.png')) return 'image/png';
  return 'application/octet-stream';
}
