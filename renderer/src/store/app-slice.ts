/** The app slice: facts about the running app (version, data folder, keychain) for the status bar. */
import type { StateCreator } from 'zustand';
import type { AppInfo, IpcError } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { KeyportState } from './index.ts';

/** State and actions of the app slice. */
export interface AppSlice {
  readonly info: AppInfo | undefined;
  readonly infoError: IpcError | undefined;
  loadInfo(): Promise<void>;
}

/** Creates the app slice. */
export const createAppSlice: StateCreator<KeyportState, [], [], AppSlice> = (set) => ({
  info: undefined,
  infoError: undefined,
  async loadInfo() {
    try {
      set({ info: await unwrap(api().appInfo()), infoError: undefined });
    } catch (error) {
      set({ infoError: describeError(error) });
    }
  },
});
