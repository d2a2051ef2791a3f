/**
 * The auth slice: the sign-in flow of each server as a closed union of phases, sign-out, and the step-up prompt.
 * `auth:signIn` resolves only when the whole login is over; `auth:onStatus` tells us meanwhile that the browser
 * step has started and with which authorization server.
 */
import type { StateCreator } from 'zustand';
import type { IpcError, ServerStatus, StepUpView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import { valueOf } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

/** Where a sign-in stands. */
export type SignInFlow =
  | { readonly phase: 'idle' }
  | { readonly phase: 'starting'; readonly since: number }
  | { readonly phase: 'waiting'; readonly since: number; readonly authorizationServer?: string }
  | { readonly phase: 'succeeded'; readonly at: number; readonly scopes: readonly string[] }
  | { readonly phase: 'failed'; readonly error: IpcError }
  | { readonly phase: 'cancelled' };

/**
 * The step-up prompt: asking first, then waiting for the browser, or failed. `needed` is what the user does not hold
 * yet (main sends the union of held and challenged scopes); `tool` is the call that was refused, when known.
 */
export type StepUpPrompt = { readonly request: StepUpView; readonly needed: readonly string[]; readonly tool?: string } & (
  | { readonly phase: 'asking' }
  | { readonly phase: 'authorizing' }
  | { readonly phase: 'failed'; readonly error: IpcError }
);

/** State and actions of the auth slice. */
export interface AuthSlice {
  readonly signIns: Readonly<Record<string, SignInFlow>>;
  readonly stepUp: StepUpPrompt | undefined;
  readonly redirectUris: Readonly<Record<string, string>>;
  signIn(serverId: string): Promise<void>;
  cancelSignIn(serverId: string): Promise<void>;
  copySignInLink(serverId: string): Promise<void>;
  signOut(serverId: string): Promise<void>;
  dismissSignIn(serverId: string): void;
  loadRedirectUri(serverId: string): Promise<void>;
  /** Applies a status push to the sign-in flow (the browser step started, or the server is connected). */
  signInStatusChanged(serverId: string, status: ServerStatus): void;
  /** Shows the step-up prompt (from `auth:onStepUp` or a failed call). Nothing opens until the user agrees. */
  stepUpRequested(request: StepUpView): void;
  approveStepUp(): Promise<void>;
  dismissStepUp(): void;
}

const idleFlow: SignInFlow = { phase: 'idle' };

/** The tool of the server's latest call that is running or was refused for scope in the last minute. */
function recentCallTool(state: KeyportState, serverId: string): string | undefined {
  const id = (state.callHistory[serverId] ?? [])[0];
  const call = id ? state.calls[id] : undefined;
  if (!call || Date.now() - call.startedAt > 60_000) return undefined;
  if (call.phase === 'running' || (call.phase === 'failed' && call.error.code === 'insufficient_scope')) return call.tool;
  return undefined;
}

/** Creates the auth slice. */
export const createAuthSlice: StateCreator<KeyportState, [], [], AuthSlice> = (set, get) => {
  const put = (serverId: string, flow: SignInFlow) => set({ signIns: { ...get().signIns, [serverId]: flow } });
  const afterSignIn = (serverId: string) => {
    void get().loadDetails(serverId);
    void get().loadTools(serverId);
    void get().loadFlows(serverId);
  };
  return {
    signIns: {},
    stepUp: undefined,
    redirectUris: {},
    async signIn(serverId) {
      put(serverId, { phase: 'starting', since: Date.now() });
      try {
        // The scopes the user ticked in the consent list, when they unticked any (issue 14).
        const tokenSet = await unwrap(api().signIn(serverId, get().consentedScope(serverId)));
        get().tokensChanged(serverId, tokenSet);
        put(serverId, { phase: 'succeeded', at: Date.now(), scopes: tokenSet.scopes });
        afterSignIn(serverId);
      } catch (error) {
        const e = describeError(error);
        put(serverId, e.code === 'cancelled' ? { phase: 'cancelled' } : { phase: 'failed', error: e });
        void get().loadFlows(serverId);
      } finally {
        get().clearSignInExtras(serverId);
      }
    },
    async cancelSignIn(serverId) {
      try {
        await unwrap(api().cancelSignIn(serverId));
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    async copySignInLink(serverId) {
      try {
        const { copied } = await unwrap(api().copySignInLink(serverId));
        get().notify(copied ? 'Sign-in link copied. Paste it into the browser you want to use.' : 'There is no sign-in link to copy.');
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    async signOut(serverId) {
      try {
        const { revoked } = await unwrap(api().signOut(serverId));
        get().tokensChanged(serverId, null);
        put(serverId, idleFlow);
        get().notify(
          revoked
            ? 'Signed out. The authorization server revoked the tokens.'
            : 'Signed out. The tokens are forgotten here; the authorization server offers no revocation.',
          'good',
        );
        void get().loadDetails(serverId);
        void get().loadFlows(serverId);
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    dismissSignIn(serverId) {
      put(serverId, idleFlow);
    },
    async loadRedirectUri(serverId) {
      try {
        const { redirectUri } = await unwrap(api().redirectUri(serverId));
        set({ redirectUris: { ...get().redirectUris, [serverId]: redirectUri } });
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    signInStatusChanged(serverId, status) {
      const flow = get().signIns[serverId] ?? idleFlow;
      if (status.state === 'signing-in' && (flow.phase === 'starting' || flow.phase === 'idle' || flow.phase === 'waiting')) {
        put(serverId, {
          phase: 'waiting',
          since: status.since,
          ...(status.authorizationServer !== undefined ? { authorizationServer: status.authorizationServer } : {}),
        });
      }
      if (status.state === 'step-up-needed' && status.scopes.length > 0 && get().stepUp === undefined) {
        get().stepUpRequested({ serverId, scopes: status.scopes, ...(status.tool !== undefined ? { tool: status.tool } : {}) });
      }
    },
    stepUpRequested(request) {
      const current = get().stepUp;
      if (current && current.phase === 'authorizing') return;
      const held = new Set(valueOf(get().tokens[request.serverId])?.scopes ?? []);
      const missing = request.scopes.filter((s) => !held.has(s));
      const tool = request.tool ?? recentCallTool(get(), request.serverId);
      set({
        stepUp: { phase: 'asking', request, needed: missing.length > 0 ? missing : request.scopes, ...(tool !== undefined ? { tool } : {}) },
      });
    },
    async approveStepUp() {
      const prompt = get().stepUp;
      if (!prompt) return;
      const { request, needed, tool } = prompt;
      const base = { request, needed, ...(tool !== undefined ? { tool } : {}) };
      set({ stepUp: { ...base, phase: 'authorizing' } });
      try {
        const tokenSet = await unwrap(api().stepUp(request.serverId, [...request.scopes]));
        get().tokensChanged(request.serverId, tokenSet);
        set({ stepUp: undefined });
        get().notify(`Access granted: ${request.scopes.join(' ')}.`, 'good');
        void get().loadFlows(request.serverId);
        await get().retryAfterStepUp(request.serverId, tool);
      } catch (error) {
        set({ stepUp: { ...base, phase: 'failed', error: describeError(error) } });
      }
    },
    dismissStepUp() {
      const prompt = get().stepUp;
      if (prompt?.phase === 'authorizing') void get().cancelSignIn(prompt.request.serverId);
      set({ stepUp: undefined });
    },
  };
};
