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
  openExternal: (url) => ipcRenderer.invoke('app:openExternal', url),
  listServers: () => ipcRenderer.invoke('servers:list'),
  addServer: (input) => ipcRenderer.invoke('servers:add', input),
  updateServer: (id, input) => ipcRenderer.invoke('servers:update', id, input),
  removeServer: (id) => ipcRenderer.invoke('servers:remove', id),
  reorderServers: (ids) => ipcRenderer.invoke('servers:reorder', ids),
  importServers: () => ipcRenderer.invoke('servers:import'),
  connectServer: (id) => ipcRenderer.invoke('servers:connect', id),
  disconnectServer: (id) => ipcRenderer.invoke('servers:disconnect', id),
  serverInfo: (id) => ipcRenderer.invoke('servers:info', id),
  signIn: (id, options) => ipcRenderer.invoke('auth:signIn', id, options),
  planSignIn: (id) => ipcRenderer.invoke('auth:plan', id),
  listAttention: () => ipcRenderer.invoke('attention:list'),
  saveFlowReport: (id, flowId) => ipcRenderer.invoke('flows:saveReport', id, flowId),
  cancelSignIn: (id) => ipcRenderer.invoke('auth:cancel', id),
  copySignInLink: (id) => ipcRenderer.invoke('auth:copyLink', id),
  signOut: (id) => ipcRenderer.invoke('auth:signOut', id),
  stepUp: (id, scopes) => ipcRenderer.invoke('auth:stepUp', id, scopes),
  forgetRegistration: (id) => ipcRenderer.invoke('auth:forgetRegistration', id),
  redirectUri: (id) => ipcRenderer.invoke('auth:redirectUri', id),
  pasteRedirect: (id, address) => ipcRenderer.invoke('auth:pasteRedirect', id, address),
  listAccounts: (id) => ipcRenderer.invoke('accounts:list', id),
  addAccount: (id) => ipcRenderer.invoke('accounts:add', id),
  switchAccount: (id, account) => ipcRenderer.invoke('accounts:switch', id, account),
  renameAccount: (id, account, name) => ipcRenderer.invoke('accounts:rename', id, account, name),
  signOutAccount: (id, account) => ipcRenderer.invoke('accounts:signOut', id, account),
  getTokens: (id) => ipcRenderer.invoke('tokens:get', id),
  refreshTokens: (id) => ipcRenderer.invoke('tokens:refresh', id),
  introspectToken: (id, kind) => ipcRenderer.invoke('tokens:introspect', id, kind),
  revokeToken: (id, kind) => ipcRenderer.invoke('tokens:revoke', id, kind),
  copyToken: (id, kind) => ipcRenderer.invoke('tokens:copy', id, kind),
  revealToken: (id, kind) => ipcRenderer.invoke('tokens:reveal', id, kind),
  listFlows: (id) => ipcRenderer.invoke('flows:list', id),
  listTools: (id) => ipcRenderer.invoke('tools:list', id),
  callTool: (id, call) => ipcRenderer.invoke('tools:call', id, call),
  cancelToolCall: (callId) => ipcRenderer.invoke('tools:cancel', callId),
  listResources: (id) => ipcRenderer.invoke('resources:list', id),
  readResource: (id, uri) => ipcRenderer.invoke('resources:read', id, uri),
  listPrompts: (id) => ipcRenderer.invoke('prompts:list', id),
  getPrompt: (id, name, args) => ipcRenderer.invoke('prompts:get', id, name, args),
  listLog: (id) => ipcRenderer.invoke('log:list', id),
  respondToElicitation: (requestId, response) => ipcRenderer.invoke('elicitation:respond', requestId, response),
  onServersChanged: (listener) => subscribe('servers:onChanged', listener),
  onAuthStatus: (listener) => subscribe('auth:onStatus', listener),
  onStepUp: (listener) => subscribe('auth:onStepUp', listener),
  onDeviceCode: (listener) => subscribe('auth:onDeviceCode', listener),
  onTokensChanged: (listener) => subscribe('tokens:onChanged', listener),
  onFlowTrace: (listener) => subscribe('flows:onTrace', listener),
  onToolProgress: (listener) => subscribe('tools:onProgress', listener),
  onToolsChanged: (listener) => subscribe('tools:onListChanged', listener),
  onLogMessage: (listener) => subscribe('log:onMessage', listener),
  onElicitationRequest: (listener) => subscribe('elicitation:onRequest', listener),
  onAttentionChanged: (listener) => subscribe('attention:onChanged', listener),
  onFocusServer: (listener) => subscribe('app:onFocusServer', listener),
} satisfies KeyportApi;

contextBridge.exposeInMainWorld('keyport', keyportApi);
