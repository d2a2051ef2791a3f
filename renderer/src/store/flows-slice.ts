/** The flows slice: the redacted traces of each server's recent logins, refreshes and revocations. */
import type { StateCreator } from 'zustand';
import type { FlowTraceView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { Loadable } from '../lib/loadable.ts';
import { valueOf } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

const keepTraces = 50;

/** State and actions of the flows slice. */
export interface FlowsSlice {
  readonly flows: Readonly<Record<string, Loadable<readonly FlowTraceView[]>>>;
  loadFlows(serverId: string): Promise<void>;
  /** Applies a `flows:onTrace` push: a new trace, or a newer state of a running one. */
  traceArrived(serverId: string, trace: FlowTraceView): void;
}

/** Newest first. */
function byStart(a: FlowTraceView, b: FlowTraceView): number {
  return b.startedAt - a.startedAt;
}

/**
 * The later of two snapshots of the same trace. A list answer can cross a pushed snapshot on the way (the list was
 * read before the flow finished), so a finished trace is never replaced by a running one or one with fewer steps.
 */
export function fresher(current: FlowTraceView | undefined, incoming: FlowTraceView): FlowTraceView {
  if (!current) return incoming;
  if (current.outcome !== 'running' && incoming.outcome === 'running') return current;
  if (current.outcome === incoming.outcome && incoming.steps.length < current.steps.length) return current;
  return incoming;
}

/** Creates the flows slice. */
export const createFlowsSlice: StateCreator<KeyportState, [], [], FlowsSlice> = (set, get) => ({
  flows: {},
  async loadFlows(serverId) {
    const previous = valueOf(get().flows[serverId]);
    set({ flows: { ...get().flows, [serverId]: previous ? { state: 'loading', previous } : { state: 'loading' } } });
    try {
      const loaded = await unwrap(api().listFlows(serverId));
      const known = new Map((valueOf(get().flows[serverId]) ?? []).map((t) => [t.id, t]));
      const traces = loaded.map((t) => fresher(known.get(t.id), t)).sort(byStart);
      set({ flows: { ...get().flows, [serverId]: { state: 'ready', value: traces } } });
    } catch (error) {
      set({ flows: { ...get().flows, [serverId]: { state: 'failed', error: describeError(error) } } });
    }
  },
  traceArrived(serverId, trace) {
    const current = valueOf(get().flows[serverId]) ?? [];
    const merged = fresher(current.find((t) => t.id === trace.id), trace);
    const next = [merged, ...current.filter((t) => t.id !== trace.id)].sort(byStart).slice(0, keepTraces);
    set({ flows: { ...get().flows, [serverId]: { state: 'ready', value: next } } });
  },
});
