/** The app slice: facts about the running app (version, data folder, keychain), the open tab and passing notices. */
import type { StateCreator } from 'zustand';
import type { AppInfo, IpcError } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import { isOpenableLink } from '../lib/safe-content.ts';
import type { KeyportState } from './index.ts';

/** The tabs of the server view, in display order. */
export const serverTabs = ['overview', 'tokens', 'flow', 'tools', 'resources', 'prompts', 'log'] as const;

/** One tab of the server view. */
export type ServerTab = (typeof serverTabs)[number];

/** A short message announced in the status region (copy done, sign-out result, …). */
export interface Notice {
  readonly id: number;
  readonly text: string;
  readonly tone: 'info' | 'good' | 'bad';
}

/** State and actions of the app slice. */
export interface AppSlice {
  readonly info: AppInfo | undefined;
  readonly infoError: IpcError | undefined;
  readonly tab: ServerTab;
  readonly notice: Notice | undefined;
  loadInfo(): Promise<void>;
  selectTab(tab: ServerTab): void;
  notify(text: string, tone?: Notice['tone']): void;
  dismissNotice(): void;
  /** Opens a server-provided link in the system browser, after checking its scheme here and again in main. */
  openLink(url: string): Promise<void>;
}

let noticeSeq = 0;

/** Creates the app slice. */
export const createAppSlice: StateCreator<KeyportState, [], [], AppSlice> = (set, get) => ({
  info: undefined,
  infoError: undefined,
  tab: 'overview',
  notice: undefined,
  async loadInfo() {
    try {
      set({ info: await unwrap(api().appInfo()), infoError: undefined });
    } catch (error) {
      set({ infoError: describeError(error) });
    }
  },
  selectTab(tab) {
    set({ tab });
  },
  notify(text, tone = 'info') {
    noticeSeq += 1;
    set({ notice: { id: noticeSeq, text, tone } });
  },
  dismissNotice() {
    set({ notice: undefined });
  },
  async openLink(url) {
    if (!isOpenableLink(url)) {
      get().notify('Keyport opens only http and https links. This one was not opened.', 'bad');
      return;
    }
    try {
      const { opened } = await unwrap(api().openExternal(url));
      get().notify(opened ? 'Opened in your browser.' : 'Keyport did not open that link.', opened ? 'info' : 'bad');
    } catch (error) {
      get().notify(describeError(error).message, 'bad');
    }
  },
});
