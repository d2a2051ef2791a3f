/**
 * The tools slice: each server's tool list, the calls made (running with progress, done, failed, cancelled) and a
 * call history per server. A call refused for missing scopes is remembered so it can be retried after step-up.
 */
import type { StateCreator } from 'zustand';
import type { IpcError, ProgressView, ToolResultView, ToolView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { Loadable } from '../lib/loadable.ts';
import { valueOf } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

/** One tool call and where it stands. A tool's `isError` result is `done` (shown as a tool error), not `failed`. */
export type ToolCall = {
  readonly callId: string;
  readonly serverId: string;
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly startedAt: number;
} & (
  | { readonly phase: 'running'; readonly progress?: ProgressView }
  | { readonly phase: 'done'; readonly result: ToolResultView }
  | { readonly phase: 'failed'; readonly error: IpcError }
  | { readonly phase: 'cancelled' }
);

const keepHistory = 50;

/** State and actions of the tools slice. */
export interface ToolsSlice {
  readonly tools: Readonly<Record<string, Loadable<readonly ToolView[]>>>;
  readonly calls: Readonly<Record<string, ToolCall>>;
  /** Call ids per server, newest first. */
  readonly callHistory: Readonly<Record<string, readonly string[]>>;
  readonly selectedTool: Readonly<Record<string, string>>;
  readonly toolFilter: Readonly<Record<string, string>>;
  loadTools(serverId: string): Promise<void>;
  selectTool(serverId: string, tool: string): void;
  setToolFilter(serverId: string, filter: string): void;
  callTool(serverId: string, tool: string, args: Readonly<Record<string, unknown>>): Promise<void>;
  cancelCall(callId: string): Promise<void>;
  /** Applies a `tools:onProgress` push. */
  progressArrived(callId: string, progress: ProgressView): void;
  /** Re-runs the last call of `tool` that was refused for missing scopes. */
  retryAfterStepUp(serverId: string, tool: string | undefined): Promise<void>;
}

/** A random call id; `getRandomValues` works in every context (`randomUUID` needs a secure one). */
function newCallId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Creates the tools slice. */
export const createToolsSlice: StateCreator<KeyportState, [], [], ToolsSlice> = (set, get) => {
  const putCall = (call: ToolCall) => set({ calls: { ...get().calls, [call.callId]: call } });
  return {
    tools: {},
    calls: {},
    callHistory: {},
    selectedTool: {},
    toolFilter: {},
    async loadTools(serverId) {
      const previous = valueOf(get().tools[serverId]);
      set({ tools: { ...get().tools, [serverId]: previous ? { state: 'loading', previous } : { state: 'loading' } } });
      try {
        const list = await unwrap(api().listTools(serverId));
        set({ tools: { ...get().tools, [serverId]: { state: 'ready', value: list } } });
      } catch (error) {
        set({ tools: { ...get().tools, [serverId]: { state: 'failed', error: describeError(error) } } });
      }
    },
    selectTool(serverId, tool) {
      set({ selectedTool: { ...get().selectedTool, [serverId]: tool } });
    },
    setToolFilter(serverId, filter) {
      set({ toolFilter: { ...get().toolFilter, [serverId]: filter } });
    },
    async callTool(serverId, tool, args) {
      const base = { callId: newCallId(), serverId, tool, args, startedAt: Date.now() };
      putCall({ ...base, phase: 'running' });
      const history = get().callHistory[serverId] ?? [];
      set({ callHistory: { ...get().callHistory, [serverId]: [base.callId, ...history].slice(0, keepHistory) } });
      try {
        const result = await unwrap(api().callTool(serverId, { callId: base.callId, tool, arguments: { ...args } }));
        putCall({ ...base, phase: 'done', result });
      } catch (error) {
        const e = describeError(error);
        putCall(e.code === 'cancelled' ? { ...base, phase: 'cancelled' } : { ...base, phase: 'failed', error: e });
        if (e.code === 'insufficient_scope') get().signInStatusChanged(serverId, get().servers.find((s) => s.id === serverId)?.status ?? { state: 'disconnected' });
      }
    },
    async cancelCall(callId) {
      try {
        await unwrap(api().cancelToolCall(callId));
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    progressArrived(callId, progress) {
      const call = get().calls[callId];
      if (call?.phase === 'running') putCall({ ...call, progress });
    },
    async retryAfterStepUp(serverId, tool) {
      const ids = get().callHistory[serverId] ?? [];
      const refused = ids
        .map((id) => get().calls[id])
        .find((c) => c?.phase === 'failed' && c.error.code === 'insufficient_scope' && (tool === undefined || c.tool === tool));
      if (refused) await get().callTool(serverId, refused.tool, refused.args);
    },
  };
};
