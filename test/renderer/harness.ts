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
import { createAppServices, packageVersion, type AppRuntime } from '../../main/services.ts';

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
  close(): Promise<void>;
}

/** Options for {@link startHarness}. */
export interface HarnessOptions {
  readonly dataDir?: string;
  readonly colorScheme?: 'light' | 'dark';
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
  let page: Page | undefined;

  const toPage: Emit = (channel, payload) => {
    received.push({ kind: 'event', channel, json: JSON.stringify(payload) });
    void page?.evaluate(([c, p]) => (window as unknown as HarnessWindow).__keyportEmit(c, p), [channel, payload] as const)
      .catch(() => undefined);
  };
  const runtime = await createAppServices({ appVersion: packageVersion(), dataDir, emit: toPage });
  const dispatch = createDispatcher(
    createHandlers(runtime.services),
    trustedSenderPolicy({ webContentsId: () => PAGE_WEB_CONTENTS_ID, rendererOrigin: harnessOrigin }),
  );

  const context = await (await browser()).newContext({ colorScheme: options.colorScheme ?? 'light' });
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
  page = await context.newPage();
  const thePage = page;
  await thePage.exposeBinding('__keyportInvoke', async (source, channel: string, args: unknown[]) => {
    const sender: SenderInfo = {
      webContentsId: source.page === thePage ? PAGE_WEB_CONTENTS_ID : -1,
      frameUrl: source.frame.url(),
      isMainFrame: source.frame === thePage.mainFrame(),
    };
    const result = await dispatch(channel, sender, args);
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
    async close() {
      await context.close();
      await runtime.dispose();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
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
