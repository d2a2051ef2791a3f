/**
 * Keyport's Electron main process: lifecycle only. One instance, one window, IPC wired through the shared dispatcher,
 * services built from the same core the CLI uses, and a clean shutdown. Everything with logic lives elsewhere.
 */
import { join } from 'node:path';
import { app, clipboard, dialog, session, shell, type BrowserWindow } from 'electron';
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
