/** The servers slice: the configured servers, which one is selected, and add/remove. */
import type { StateCreator } from 'zustand';
import type { IpcError, ServerInput, ServerView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { KeyportState } from './index.ts';

/** State and actions of the servers slice. */
export interface ServersSlice {
  readonly servers: readonly ServerView[];
  readonly selectedServerId: string | undefined;
  readonly serversError: IpcError | undefined;
  loadServers(): Promise<void>;
  addServer(input: ServerInput): Promise<IpcError | undefined>;
  removeServer(id: string): Promise<void>;
  selectServer(id: string | undefined): void;
  /** Applies a `servers:onChanged` push from main. */
  serversChanged(servers: readonly ServerView[]): void;
}

/** Creates the servers slice. */
export const createServersSlice: StateCreator<KeyportState, [], [], ServersSlice> = (set, get) => ({
  servers: [],
  selectedServerId: undefined,
  serversError: undefined,
  async loadServers() {
    try {
      get().serversChanged(await unwrap(api().listServers()));
      set({ serversError: undefined });
    } catch (error) {
      set({ serversError: describeError(error) });
    }
  },
  async addServer(input) {
    try {
      const added = await unwrap(api().addServer(input));
      await get().loadServers();
      set({ selectedServerId: added.id });
      return undefined;
    } catch (error) {
      return describeError(error);
    }
  },
  async removeServer(id) {
    try {
      await unwrap(api().removeServer(id));
      await get().loadServers();
    } catch (error) {
      set({ serversError: describeError(error) });
    }
  },
  selectServer(id) {
    set({ selectedServerId: id });
  },
  serversChanged(servers) {
    const selected = get().selectedServerId;
    set({
      servers,
      selectedServerId: servers.some((s) => s.id === selected) ? selected : servers[0]?.id,
    });
  },
});
