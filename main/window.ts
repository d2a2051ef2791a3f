/**
 * The one window factory, and every security setting of the renderer in one place (Electron security checklist):
 * context isolation, sandbox, no Node integration, web security on; pages served only from the app's own files over a
 * privileged `app://keyport` scheme; no new windows, no navigation, no permissions, no webviews, no network.
 */
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, net, protocol, type Session, type WebContents } from 'electron';
import { rendererContentSecurityPolicy, rendererFileFor, rendererOrigin } from './renderer-files.ts';

/** The page the window loads. */
export const rendererEntryUrl = `${rendererOrigin}/index.html`;

/** Declares `app:` as a standard, secure scheme. Must run before the app is ready. */
export function registerRendererScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } },
  ]);
}

/** Serves the built renderer on `app://keyport/` from `rendererRoot`, with the CSP header on every response. */
export function serveRenderer(session: Session, rendererRoot: string): void {
  session.protocol.handle('app', async (request) => {
    const file = rendererFileFor(request.url, rendererRoot);
    if (!file) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', rendererContentSecurityPolicy);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

/**
 * Session-wide refusals: every permission request and check is denied, and the renderer may not reach the network
 * (it has nothing to fetch; main does all networking).
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] },
    (_details, callback) => callback({ cancel: true }),
  );
}

/** Per-webContents refusals: no new windows, no navigation or redirects away from the page, no webviews. */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Applies {@link hardenWebContents} to every web contents the app ever creates, not just the main window. */
export function guardAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}

/** Options for {@link createMainWindow}. */
export interface MainWindowOptions {
  readonly preloadPath: string;
}

/** Creates Keyport's window with the secure settings above and loads the renderer from `app://keyport`. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1240,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'Keyport',
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Middle-click would otherwise try to open links in a new window (denied anyway, but never asked).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  hardenWebContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(rendererEntryUrl);
  return window;
}
