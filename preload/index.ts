/**
 * The preload: exposes `window.keyport`, one named function per contract channel and nothing generic — no `invoke`,
 * no `send`, no access to `ipcRenderer` or the event object. Runs sandboxed and is bundled whole into one CJS file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventChannel, EventPayloads, KeyportApi } from './contract.ts';

/** Subscribes a renderer listener to one event channel; hands over the payload only, never the Electron event. */
function subscribe<C extends EventChannel>(channel: C, listener: (payload: EventPayloads[C]) => void): () => void {
  const forward = (_event: IpcRendererEvent, payload: EventPayloads[C]) => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

/** The API object; `satisfies KeyportApi` keeps it in lock-step with the contract. */
const keyportApi = {
  appInfo: () => ipcRenderer.invoke('app:info'),
  listServers: () => ipcRenderer.invoke('servers:list'),
  addServer: (input) => ipcRenderer.invoke('servers:add', input),
  removeServer: (id) => ipcRenderer.invoke('servers:remove', id),
  onServersChanged: (listener) => subscribe('servers:onChanged', listener),
  onAuthStatus: (listener) => subscribe('auth:onStatus', listener),
} satisfies KeyportApi;

contextBridge.exposeInMainWorld('keyport', keyportApi);
