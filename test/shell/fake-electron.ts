/**
 * An in-memory stand-in for the parts of `electron` the shell uses, for unit tests under Node (the Electron binary
 * cannot run here). Records what the shell asked for so tests can assert the security settings.
 */
import { EventEmitter } from 'node:events';

/** A fake `WebContents`: an event emitter that remembers its window-open handler. */
export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  readonly mainFrame = { url: 'app://keyport/index.html' };
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
}

/** A fake `BrowserWindow` that keeps its constructor options. */
export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedUrl: string | undefined;
  destroyed = false;
  readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>;
  constructor(options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    this.options = options;
    FakeBrowserWindow.created.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  show(): void {}
}

/** A fake `Session` recording its permission handlers and web request filters. */
export class FakeSession {
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | undefined;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | undefined;
  beforeRequest: { filter: { urls: string[] }; listener: (d: unknown, cb: (r: { cancel?: boolean }) => void) => void } | undefined;
  protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  readonly protocol = {
    handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
      this.protocolHandlers.set(scheme, handler);
    },
  };
  readonly webRequest = {
    onBeforeRequest: (filter: { urls: string[] }, listener: (d: unknown, cb: (r: { cancel?: boolean }) => void) => void) => {
      this.beforeRequest = { filter, listener };
    },
  };
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: FakeSession['devicePermissionHandler']): void {
    this.devicePermissionHandler = handler;
  }
}

/** The fake module: what `vi.mock('electron', …)` returns. */
export function fakeElectron() {
  const app = new EventEmitter();
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const privilegedSchemes: unknown[] = [];
  const exposed = new Map<string, unknown>();
  const ipcRenderer = Object.assign(new EventEmitter(), {
    invocations: [] as Array<{ channel: string; args: unknown[] }>,
    invoke(channel: string, ...args: unknown[]) {
      ipcRenderer.invocations.push({ channel, args });
      return Promise.resolve({ ok: true, value: `answer to ${channel}` });
    },
  });
  return {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    exposed,
    ipcRenderer,
    app,
    BrowserWindow: FakeBrowserWindow,
    session: { defaultSession: new FakeSession() },
    protocol: { registerSchemesAsPrivileged: (schemes: unknown[]) => privilegedSchemes.push(...schemes) },
    net: { fetch: async (url: string) => new Response(`fetched ${url}`, { status: 200 }) },
    ipcMain: {
      handle: (channel: string, handler: (...args: unknown[]) => unknown) => {
        if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        ipcHandlers.set(channel, handler);
      },
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    ipcHandlers,
    privilegedSchemes,
  };
}
