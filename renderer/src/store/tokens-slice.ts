/**
 * The tokens slice: what Keyport holds for each server (decoded views only), introspection results, and the one
 * token the user explicitly revealed. Copy is done by main straight to the clipboard; no value passes through here.
 */
import type { StateCreator } from 'zustand';
import type { IntrospectionView, TokenSetView, TokenView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { Loadable } from '../lib/loadable.ts';
import { valueOf } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

/** A token the user chose to reveal; hidden again when its card loses focus or the server changes. */
export interface RevealedToken {
  readonly serverId: string;
  readonly kind: TokenView['kind'];
  readonly value: string;
}

/** State and actions of the tokens slice. */
export interface TokensSlice {
  readonly tokens: Readonly<Record<string, Loadable<TokenSetView | null>>>;
  /** Keyed by `${serverId}:${kind}`. */
  readonly introspections: Readonly<Record<string, Loadable<IntrospectionView>>>;
  readonly revealed: RevealedToken | undefined;
  readonly refreshing: Readonly<Record<string, boolean>>;
  loadTokens(serverId: string): Promise<void>;
  refreshTokens(serverId: string): Promise<void>;
  introspect(serverId: string, kind: 'access' | 'refresh'): Promise<void>;
  revokeToken(serverId: string, kind: 'access' | 'refresh'): Promise<void>;
  copyToken(serverId: string, kind: TokenView['kind']): Promise<void>;
  revealToken(serverId: string, kind: TokenView['kind']): Promise<void>;
  hideToken(): void;
  /** Applies a `tokens:onChanged` push (or a sign-in result). */
  tokensChanged(serverId: string, tokenSet: TokenSetView | null): void;
}

/** The key of an introspection result. */
export function introspectionKey(serverId: string, kind: 'access' | 'refresh'): string {
  return `${serverId}:${kind}`;
}

/** Creates the tokens slice. */
export const createTokensSlice: StateCreator<KeyportState, [], [], TokensSlice> = (set, get) => {
  const put = (serverId: string, value: Loadable<TokenSetView | null>) =>
    set({ tokens: { ...get().tokens, [serverId]: value } });
  return {
    tokens: {},
    introspections: {},
    revealed: undefined,
    refreshing: {},
    async loadTokens(serverId) {
      const previous = valueOf(get().tokens[serverId]);
      put(serverId, previous ? { state: 'loading', previous } : { state: 'loading' });
      try {
        put(serverId, { state: 'ready', value: await unwrap(api().getTokens(serverId)) });
      } catch (error) {
        put(serverId, { state: 'failed', error: describeError(error) });
      }
    },
    async refreshTokens(serverId) {
      set({ refreshing: { ...get().refreshing, [serverId]: true } });
      try {
        get().tokensChanged(serverId, await unwrap(api().refreshTokens(serverId)));
        get().notify('Tokens refreshed.', 'good');
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
        void get().loadTokens(serverId);
      } finally {
        set({ refreshing: { ...get().refreshing, [serverId]: false } });
        void get().loadFlows(serverId);
      }
    },
    async introspect(serverId, kind) {
      const key = introspectionKey(serverId, kind);
      set({ introspections: { ...get().introspections, [key]: { state: 'loading' } } });
      let value: Loadable<IntrospectionView>;
      try {
        value = { state: 'ready', value: await unwrap(api().introspectToken(serverId, kind)) };
      } catch (error) {
        value = { state: 'failed', error: describeError(error) };
      }
      set({ introspections: { ...get().introspections, [key]: value } });
    },
    async revokeToken(serverId, kind) {
      try {
        get().tokensChanged(serverId, await unwrap(api().revokeToken(serverId, kind)));
        get().notify(`The ${kind} token was revoked.`, 'good');
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      } finally {
        void get().loadFlows(serverId);
      }
    },
    async copyToken(serverId, kind) {
      try {
        const { copied } = await unwrap(api().copyToken(serverId, kind));
        get().notify(copied ? `The ${kind} token is on the clipboard.` : `There is no ${kind} token to copy.`);
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    async revealToken(serverId, kind) {
      try {
        const { value } = await unwrap(api().revealToken(serverId, kind));
        set({ revealed: { serverId, kind, value } });
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    hideToken() {
      if (get().revealed) set({ revealed: undefined });
    },
    tokensChanged(serverId, tokenSet) {
      put(serverId, { state: 'ready', value: tokenSet });
      const revealed = get().revealed;
      if (revealed?.serverId === serverId) set({ revealed: undefined });
    },
  };
};
