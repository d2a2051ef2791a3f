/**
 * The Electron side of IPC: registers every contract channel on `ipcMain` through the shared dispatcher, and sends
 * events to the app's window. The only file that touches `ipcMain`.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { requestSchemas, type RequestChannel } from '../../preload/contract.ts';
import type { Dispatch, SenderInfo } from './dispatch.ts';
import type { Emit } from './events.ts';

/** Describes an Electron sender in the terms the pure sender policy understands. */
export function senderInfoOf(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender.id,
    frameUrl: frame?.url,
    isMainFrame: frame !== null && frame !== undefined && frame === event.sender.mainFrame,
  };
}

/** Registers one `ipcMain.handle` per request channel; returns a function that removes them all. */
export function registerIpcHandlers(dispatch: Dispatch): () => void {
  const channels = Object.keys(requestSchemas) as RequestChannel[];
  for (const channel of channels) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => dispatch(channel, senderInfoOf(event), args));
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

/** An `Emit` that sends to the given window while it is alive. */
export function windowEmitter(getWindow: () => BrowserWindow | undefined): Emit {
  return (channel, payload) => {
    const window = getWindow();
    if (window && !window.isDestroyed()) window.webContents.send(channel, payload);
  };
}
