/**
 * The foresight slice (issue 14): which servers need the user (the sidebar's count, the markers, the warnings), the
 * consent list of each server — what a sign-in will ask for, with the optional scopes the user unticked — the
 * request of a clicked notice to show a server's sign-in, and saving a flow's report.
 */
import type { StateCreator } from 'zustand';
import type { AttentionView, LoginPlanView, RemovalReportView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { Loadable } from '../lib/loadable.ts';
import { valueOf } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

/** A notice the user clicked: the server whose sign-in (or step-up) to show, once. */
export interface FocusRequest {
  readonly serverId: string;
  readonly reason: AttentionView['kind'];
  readonly seq: number;
}

/** State and actions of the foresight slice. */
export interface ForesightSlice {
  readonly attention: readonly AttentionView[];
  /** The consent list of each server, loaded when its sign-in is shown. */
  readonly plans: Readonly<Record<string, Loadable<LoginPlanView>>>;
  /** The optional scopes the user unticked, per server. */
  readonly unticked: Readonly<Record<string, readonly string[]>>;
  readonly focusRequest: FocusRequest | undefined;
  loadAttention(): Promise<void>;
  /** Applies an `attention:onChanged` push. */
  attentionChanged(attention: readonly AttentionView[]): void;
  /** Loads the consent list (again when `force`, e.g. after the server's settings changed). */
  loadPlan(serverId: string, force?: boolean): Promise<void>;
  setScopeTicked(serverId: string, scope: string, ticked: boolean): void;
  /** What to ask for when the user unticked something: exactly the ticked scopes; undefined when nothing changed. */
  consentedScope(serverId: string): { readonly scope: string; readonly exactScope: true } | undefined;
  /** Applies an `app:onFocusServer` push: show that server's sign-in, or its step-up prompt. */
  focusServer(serverId: string, reason: AttentionView['kind']): void;
  saveFlowReport(serverId: string, flowId: string): Promise<void>;
  /** Tells the user what removing a server did at its authorization server. */
  removalReported(name: string, report: RemovalReportView | undefined): void;
}

let focusSeq = 0;

/** "1 of 2 tokens revoked …": what a removal did, in one sentence. */
export function describeRemoval(name: string, report: RemovalReportView | undefined): { readonly text: string; readonly tone: 'good' | 'bad' } {
  if (!report || report.tokens.length === 0) return { text: `Removed ${name}.`, tone: 'good' };
  const failed = report.tokens.filter((t) => t.outcome !== 'revoked');
  if (failed.length === 0) return { text: `Removed ${name}. The authorization server revoked its tokens.`, tone: 'good' };
  const which = failed.map((t) => `the ${t.kind} token${t.account === 'default' ? '' : ` of ${t.account}`} (${t.outcome === 'not-offered' ? 'no revocation offered' : (t.code ?? 'failed')})`);
  return {
    text: `Removed ${name} and forgot its tokens, but ${which.join(' and ')} could not be revoked at the authorization server: ${failed.length === 1 ? 'it stays' : 'they stay'} valid there until ${failed.length === 1 ? 'it expires' : 'they expire'}.`,
    tone: 'bad',
  };
}

/** Creates the foresight slice. */
export const createForesightSlice: StateCreator<KeyportState, [], [], ForesightSlice> = (set, get) => ({
  attention: [],
  plans: {},
  unticked: {},
  focusRequest: undefined,
  async loadAttention() {
    try {
      set({ attention: await unwrap(api().listAttention()) });
    } catch {
      // the next push brings it
    }
  },
  attentionChanged(attention) {
    set({ attention });
  },
  async loadPlan(serverId, force = false) {
    const current = get().plans[serverId];
    if (!force && (current?.state === 'ready' || current?.state === 'loading')) return;
    const previous = valueOf(current);
    set({ plans: { ...get().plans, [serverId]: previous ? { state: 'loading', previous } : { state: 'loading' } } });
    try {
      const plan = await unwrap(api().planSignIn(serverId));
      set({ plans: { ...get().plans, [serverId]: { state: 'ready', value: plan } } });
    } catch (error) {
      set({ plans: { ...get().plans, [serverId]: { state: 'failed', error: describeError(error) } } });
    }
  },
  setScopeTicked(serverId, scope, ticked) {
    const now = new Set(get().unticked[serverId] ?? []);
    if (ticked) now.delete(scope);
    else now.add(scope);
    set({ unticked: { ...get().unticked, [serverId]: [...now] } });
  },
  consentedScope(serverId) {
    const plan = valueOf(get().plans[serverId]);
    const unticked = get().unticked[serverId] ?? [];
    if (!plan || unticked.length === 0) return undefined;
    const scope = plan.scopes.filter((s) => s.required || !unticked.includes(s.scope)).map((s) => s.scope);
    return { scope: scope.join(' '), exactScope: true };
  },
  focusServer(serverId, reason) {
    if (!get().servers.some((s) => s.id === serverId)) return;
    get().selectServer(serverId);
    get().selectTab('overview');
    const item = get().attention.find((a) => a.serverId === serverId && a.kind === 'step-up');
    if (reason === 'step-up' && item?.scopes?.length) {
      get().stepUpRequested({ serverId, scopes: item.scopes, ...(item.tool !== undefined ? { tool: item.tool } : {}) });
      return;
    }
    focusSeq += 1;
    set({ focusRequest: { serverId, reason, seq: focusSeq } });
  },
  async saveFlowReport(serverId, flowId) {
    try {
      const { saved, file } = await unwrap(api().saveFlowReport(serverId, flowId));
      if (saved) get().notify(`Report saved to ${file ?? 'the chosen file'}. Secrets are replaced by [redacted]; it is safe to share.`, 'good');
    } catch (error) {
      get().notify(describeError(error).message, 'bad');
    }
  },
  removalReported(name, report) {
    const { text, tone } = describeRemoval(name, report);
    get().notify(text, tone);
  },
});
