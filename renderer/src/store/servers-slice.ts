/** The servers slice: the configured servers, their live status, selection, add/edit/remove/reorder and import. */
import type { StateCreator } from 'zustand';
import type { ImportReportView, IpcError, ServerInput, ServerStatus, ServerView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { KeyportState } from './index.ts';

/** The result of a form submission: the saved server, or the error to show in the form. */
export type SaveOutcome = { readonly ok: true; readonly server: ServerView } | { readonly ok: false; readonly error: IpcError };

/** State and actions of the servers slice. */
export interface ServersSlice {
  readonly servers: readonly ServerView[];
  readonly selectedServerId: string | undefined;
  readonly serversError: IpcError | undefined;
  /** What the last import did, shown until dismissed. */
  readonly importReport: ImportReportView | undefined;
  loadServers(): Promise<void>;
  addServer(input: ServerInput): Promise<SaveOutcome>;
  updateServer(id: string, input: ServerInput): Promise<SaveOutcome>;
  removeServer(id: string): Promise<void>;
  /** Moves a server up (-1) or down (+1) in the list and persists the order. */
  moveServer(id: string, delta: -1 | 1): Promise<void>;
  /** Moves a server to a position (drag and drop) and persists the order. */
  moveServerTo(id: string, index: number): Promise<void>;
  importServers(): Promise<void>;
  dismissImportReport(): void;
  selectServer(id: string | undefined): void;
  dismissServersError(): void;
  /** Applies a `servers:onChanged` push from main. */
  serversChanged(servers: readonly ServerView[]): void;
  /** Applies an `auth:onStatus` push from main. */
  statusChanged(serverId: string, status: ServerStatus): void;
}

/** Creates the servers slice. */
export const createServersSlice: StateCreator<KeyportState, [], [], ServersSlice> = (set, get) => ({
  servers: [],
  selectedServerId: undefined,
  serversError: undefined,
  importReport: undefined,
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
      return { ok: true, server: added };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  },
  async updateServer(id, input) {
    try {
      const updated = await unwrap(api().updateServer(id, input));
      await get().loadServers();
      return { ok: true, server: updated };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  },
  async removeServer(id) {
    try {
      const name = get().servers.find((s) => s.id === id)?.name ?? id;
      const { removed, report } = await unwrap(api().removeServer(id));
      if (removed) get().removalReported(name, report);
      await get().loadServers();
    } catch (error) {
      set({ serversError: describeError(error) });
    }
  },
  async moveServer(id, delta) {
    const from = get().servers.findIndex((s) => s.id === id);
    if (from >= 0) await get().moveServerTo(id, from + delta);
  },
  async moveServerTo(id, to) {
    const ids = get().servers.map((s) => s.id);
    const from = ids.indexOf(id);
    if (from < 0 || to < 0 || to >= ids.length || to === from) return;
    ids.splice(from, 1);
    ids.splice(to, 0, id);
    const byId = new Map(get().servers.map((s) => [s.id, s]));
    set({ servers: ids.map((x) => byId.get(x)).filter((s): s is ServerView => s !== undefined) });
    try {
      get().serversChanged(await unwrap(api().reorderServers(ids)));
    } catch (error) {
      set({ serversError: describeError(error) });
      await get().loadServers();
    }
  },
  async importServers() {
    try {
      const report = await unwrap(api().importServers());
      if (report) set({ importReport: report });
      await get().loadServers();
    } catch (error) {
      set({ serversError: describeError(error) });
    }
  },
  dismissImportReport() {
    set({ importReport: undefined });
  },
  selectServer(id) {
    set({ selectedServerId: id });
  },
  dismissServersError() {
    set({ serversError: undefined });
  },
  serversChanged(servers) {
    const selected = get().selectedServerId;
    set({
      servers,
      selectedServerId: servers.some((s) => s.id === selected) ? selected : servers[0]?.id,
    });
  },
  statusChanged(serverId, status) {
    set({ servers: get().servers.map((s) => (s.id === serverId ? { ...s, status } : s)) });
    get().signInStatusChanged(serverId, status);
    get().connectionEventArrived(serverId, status);
  },
});
