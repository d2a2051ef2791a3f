import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, FakeSession, FakeWebContents, type fakeElectron } from './fake-electron.ts';

const electron = vi.hoisted(() => ({ current: undefined as unknown }));
vi.mock('electron', async () => {
  const { fakeElectron: make } = await import('./fake-electron.ts');
  electron.current = make();
  return electron.current;
});

const {
  createMainWindow,
  guardAllWebContents,
  hardenSession,
  registerRendererScheme,
  serveRenderer,
} = await import('../../main/window.ts');
const { rendererContentSecurityPolicy, rendererFileFor } = await import('../../main/renderer-files.ts');
const fake = electron.current as ReturnType<typeof fakeElectron>;

function navigationEvent() {
  return { preventDefault: vi.fn() };
}

describe('the main window', () => {
  beforeEach(() => {
    FakeBrowserWindow.created.length = 0;
  });

  it('is created with isolation, sandbox, no Node integration and web security on', () => {
    createMainWindow({ preloadPath: '/app/out/preload/index.cjs' });
    const prefs = FakeBrowserWindow.created[0]?.options.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/out/preload/index.cjs',
    });
  });

  it('loads only the app’s own page', () => {
    const window = createMainWindow({ preloadPath: '/p.cjs' }) as unknown as FakeBrowserWindow;
    expect(window.loadedUrl).toBe('app://keyport/index.html');
  });

  it('denies every window.open', () => {
    const window = createMainWindow({ preloadPath: '/p.cjs' }) as unknown as FakeBrowserWindow;
    const handler = window.webContents.windowOpenHandler;
    expect(handler).toBeDefined();
    expect(handler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(handler?.({ url: 'app://keyport/index.html' })).toEqual({ action: 'deny' });
  });

  it('prevents navigation, redirects and webviews', () => {
    const window = createMainWindow({ preloadPath: '/p.cjs' }) as unknown as FakeBrowserWindow;
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = navigationEvent();
      window.webContents.emit(name, event, 'https://evil.example/');
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
  });
});

describe('every other web contents', () => {
  it('is hardened as soon as it is created', () => {
    guardAllWebContents();
    const contents = new FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler?.({ url: 'https://x.example' })).toEqual({ action: 'deny' });
    const event = navigationEvent();
    contents.emit('will-navigate', event, 'https://x.example');
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('the session', () => {
  it('denies every permission request and check', () => {
    const session = new FakeSession();
    hardenSession(session as never);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      session.permissionRequestHandler?.({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.permissionCheckHandler?.({}, permission, 'app://keyport', {})).toBe(false);
    }
    expect(session.devicePermissionHandler?.({})).toBe(false);
  });

  it('cancels every network request from the renderer', () => {
    const session = new FakeSession();
    hardenSession(session as never);
    expect(session.beforeRequest?.filter.urls).toEqual(expect.arrayContaining(['http://*/*', 'https://*/*', 'wss://*/*']));
    const callback = vi.fn();
    session.beforeRequest?.listener({ url: 'https://evil.example/x.js' }, callback);
    expect(callback).toHaveBeenCalledWith({ cancel: true });
  });
});

describe('the renderer scheme', () => {
  it('is registered as standard and secure, without fetch or CORS', () => {
    registerRendererScheme();
    expect(fake.privilegedSchemes).toContainEqual({
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false },
    });
  });

  it('maps app://keyport paths into the renderer folder and nothing else', () => {
    const root = '/opt/keyport/out/renderer';
    expect(rendererFileFor('app://keyport/index.html', root)).toBe('/opt/keyport/out/renderer/index.html');
    expect(rendererFileFor('app://keyport/', root)).toBe('/opt/keyport/out/renderer/index.html');
    expect(rendererFileFor('app://keyport/assets/index-abc.js', root)).toBe('/opt/keyport/out/renderer/assets/index-abc.js');
    expect(rendererFileFor('app://keyport/../main/index.js', root)).toBe('/opt/keyport/out/renderer/main/index.js');
    // The URL parser folds dot segments (even percent-encoded ones) before we see the path: they stay inside root.
    expect(rendererFileFor('app://keyport/%2e%2e/%2e%2e/etc/passwd', root)).toBe('/opt/keyport/out/renderer/etc/passwd');
    expect(rendererFileFor('app://keyport/..%2fmain%2findex.js', root)).toBeUndefined();
    expect(rendererFileFor('app://keyport/%00', root)).toBeUndefined();
    expect(rendererFileFor('app://other/index.html', root)).toBeUndefined();
    expect(rendererFileFor('https://keyport/index.html', root)).toBeUndefined();
    expect(rendererFileFor('not a url', root)).toBeUndefined();
  });

  it('serves files with the strict CSP and 404s anything outside the folder', async () => {
    const session = new FakeSession();
    serveRenderer(session as never, '/opt/keyport/out/renderer');
    const handler = session.protocolHandlers.get('app');
    const ok = await handler?.(new Request('app://keyport/index.html'));
    expect(ok?.status).toBe(200);
    expect(ok?.headers.get('content-security-policy')).toBe(rendererContentSecurityPolicy);
    const escaped = await handler?.(new Request('app://keyport/..%2f..%2fmain%2findex.js'));
    expect(escaped?.status).toBe(404);
  });

  it('has a CSP that allows no remote scripts, styles, images or connections', () => {
    expect(rendererContentSecurityPolicy).toContain("default-src 'none'");
    expect(rendererContentSecurityPolicy).toContain("script-src 'self'");
    expect(rendererContentSecurityPolicy).toContain("connect-src 'none'");
    expect(rendererContentSecurityPolicy).toContain("img-src 'self' data:");
    expect(rendererContentSecurityPolicy).not.toMatch(/https?:|\*|unsafe/);
  });
});
