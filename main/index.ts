/**
 * Keyport's Electron main process: lifecycle only. One instance, one window, IPC wired through the shared dispatcher,
 * services built from the same core the CLI uses, and a clean shutdown. Everything with logic lives elsewhere.
 */
import { join } from 'node:path';
import { app, clipboard, dialog, Notification, session, shell, type BrowserWindow } from 'electron';
import type { Notifier } from './app/notices.ts';
import { createDispatcher } from './ipc/dispatch.ts';
import { createHandlers } from './ipc/handlers.ts';
import { registerIpcHandlers, windowEmitter } from './ipc/register.ts';
import { trustedSenderPolicy } from './ipc/trusted-sender.ts';
import { createAppServices, type AppRuntime } from './services.ts';
import {
  createMainWindow,
  guardAllWebContents,
  hardenSession,
  registerRendererScheme,
  serveRenderer,
} from './window.ts';
import { rendererOrigin } from './renderer-files.ts';

registerRendererScheme();

let mainWindow: BrowserWindow | undefined;
let runtime: AppRuntime | undefined;

/** Brings the window to the front (restored if minimised), as a click on one of Keyport's notices should. */
export function focusWindow(window: BrowserWindow | undefined): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  if (process.platform === 'darwin') app.focus({ steal: true });
}

/**
 * Issue 14's notifier on Electron: native notifications (kept referenced until closed, or a click could be lost to
 * garbage collection) that focus the window when clicked, and the dock/launcher badge where the platform has one
 * (macOS, Linux Unity launchers; Windows has no numeric badge).
 */
export function createElectronNotifier(getWindow: () => BrowserWindow | undefined, platform: NodeJS.Platform = process.platform): Notifier {
  const live = new Set<Notification>();
  return {
    notify(notice, onClick) {
      if (!Notification.isSupported()) return;
      const shown = new Notification({ title: notice.title, body: notice.body });
      live.add(shown);
      shown.on('click', () => {
        focusWindow(getWindow());
        onClick();
      });
      shown.on('close', () => live.delete(shown));
      shown.show();
    },
    setBadgeCount(count) {
      if (platform === 'darwin' || platform === 'linux') app.setBadgeCount(count);
    },
  };
}

/** Asks where to save a sign-in report: HTML by default, JSON when the user picks it. Undefined when cancelled. */
export async function chooseReportFile(getWindow: () => BrowserWindow | undefined, suggestedName: string): Promise<string | undefined> {
  const options = {
    title: 'Save sign-in report',
    defaultPath: join(app.getPath('documents'), suggestedName),
    filters: [
      { name: 'Web page (HTML)', extensions: ['html'] },
      { name: 'JSON', extensions: ['json'] },
    ],
  };
  const window = getWindow();
  const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? undefined : result.filePath;
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  serveRenderer(session.defaultSession, join(import.meta.dirname, '../renderer'));
  guardAllWebContents();

  const emit = windowEmitter(() => mainWindow);
  runtime = await createAppServices({
    // The OS proxy settings (PAC, system proxy) for OAuth and MCP requests, when HTTPS_PROXY & co. name none.
    resolveProxy: (url) => session.defaultSession.resolveProxy(url),
    appVersion: app.getVersion(),
    dataDir: process.env['KEYPORT_DATA_DIR'] ?? app.getPath('userData'),
    emit,
    // `npm start` (development only) runs the demo servers and asks for them to be listed on a first run.
    ...(!app.isPackaged && process.env['KEYPORT_DEMO_MCP_URL']
      ? { firstRunServers: [{ url: process.env['KEYPORT_DEMO_MCP_URL'], name: 'Local demo' }] }
      : {}),
    // The engine and the openExternal service check the URL's scheme first; checked again here, where it matters.
    openBrowser: (url) => {
      const parsed = new URL(url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        return Promise.reject(new Error(`Refused to open a ${parsed.protocol} URL.`));
      }
      return shell.openExternal(parsed.href);
    },
    clipboard: { writeText: (text) => clipboard.writeText(text) },
    chooseImportFile: async () => {
      const options = {
        title: 'Import MCP servers',
        properties: ['openFile' as const, 'showHiddenFiles' as const],
        filters: [{ name: 'MCP configuration', extensions: ['json'] }],
      };
      const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
      return result.canceled ? undefined : result.filePaths[0];
    },
    // A notice clicked after the window was closed (macOS keeps running) opens it again.
    notifier: createElectronNotifier(() => {
      if (!mainWindow && runtime) openWindow();
      return mainWindow;
    }),
    chooseSaveFile: (suggestedName) => chooseReportFile(() => mainWindow, suggestedName),
  });
  const dispatch = createDispatcher(
    createHandlers(runtime.services),
    trustedSenderPolicy({ webContentsId: () => mainWindow?.webContents.id, rendererOrigin }),
    { onProblem: (problem) => console.warn(`[ipc] ${problem.channel}: ${problem.code}`) },
  );
  registerIpcHandlers(dispatch);
  openWindow();
}

function openWindow(): void {
  mainWindow = createMainWindow({ preloadPath: join(import.meta.dirname, '../preload/index.cjs') });
  mainWindow.on('closed', () => {
    mainWindow = undefined;
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!mainWindow && runtime) openWindow();
  });
  app.on('before-quit', () => {
    void runtime?.dispose();
  });
  app.whenReady().then(start, (error: unknown) => {
    console.error('Keyport could not start:', error instanceof Error ? error.message : error);
    app.exit(1);
  });
}
