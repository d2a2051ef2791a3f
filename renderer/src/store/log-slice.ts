/** The log slice: server log messages and connection events per server, and pending elicitation requests. */
import type { StateCreator } from 'zustand';
import type { ElicitationRequestView, LogMessageView, RequestInput, ServerStatus } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { KeyportState } from './index.ts';

const keepLines = 2000;

/** The user's answer as the `elicitation:respond` channel takes it. */
export type ElicitationAnswer = RequestInput<'elicitation:respond'>[1];

/** A connection event (status change) as the Log tab lists it next to the server's own messages. */
export interface ConnectionEvent {
  readonly at: number;
  readonly status: ServerStatus;
}

/** State and actions of the log slice. */
export interface LogSlice {
  readonly logs: Readonly<Record<string, readonly LogMessageView[]>>;
  readonly connectionEvents: Readonly<Record<string, readonly ConnectionEvent[]>>;
  /** Records an `auth:onStatus` push for the Log tab. */
  connectionEventArrived(serverId: string, status: ServerStatus): void;
  readonly elicitations: readonly ElicitationRequestView[];
  loadLog(serverId: string): Promise<void>;
  /** Applies a `log:onMessage` push. */
  logArrived(serverId: string, message: LogMessageView): void;
  /** Applies an `elicitation:onRequest` push. */
  elicitationArrived(request: ElicitationRequestView): void;
  respondToElicitation(id: string, response: ElicitationAnswer): Promise<void>;
}

/** Creates the log slice. */
export const createLogSlice: StateCreator<KeyportState, [], [], LogSlice> = (set, get) => ({
  logs: {},
  connectionEvents: {},
  elicitations: [],
  connectionEventArrived(serverId, status) {
    const events = get().connectionEvents[serverId] ?? [];
    const last = events[events.length - 1];
    if (last && last.status.state === status.state) return;
    set({ connectionEvents: { ...get().connectionEvents, [serverId]: [...events, { at: Date.now(), status }].slice(-keepLines) } });
  },
  async loadLog(serverId) {
    try {
      const lines = await unwrap(api().listLog(serverId));
      set({ logs: { ...get().logs, [serverId]: lines.slice(-keepLines) } });
    } catch (error) {
      get().notify(describeError(error).message, 'bad');
    }
  },
  logArrived(serverId, message) {
    const lines = get().logs[serverId] ?? [];
    set({ logs: { ...get().logs, [serverId]: [...lines, message].slice(-keepLines) } });
  },
  elicitationArrived(request) {
    set({ elicitations: [...get().elicitations.filter((e) => e.id !== request.id), request] });
  },
  async respondToElicitation(id, response) {
    set({ elicitations: get().elicitations.filter((e) => e.id !== id) });
    try {
      const { delivered } = await unwrap(api().respondToElicitation(id, response));
      if (!delivered) get().notify('The server stopped waiting for that answer.', 'bad');
    } catch (error) {
      get().notify(describeError(error).message, 'bad');
    }
  },
});
