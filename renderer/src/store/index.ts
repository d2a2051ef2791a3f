/**
 * The renderer's one store, made of slices. Components select narrowly (`useKeyport((s) => s.servers)`); only store
 * actions call the bridge.
 */
import { create } from 'zustand';
import { api } from '../bridge.ts';
import { createAccountsSlice, type AccountsSlice } from './accounts-slice.ts';
import { createAppSlice, type AppSlice } from './app-slice.ts';
import { createAuthSlice, type AuthSlice } from './auth-slice.ts';
import { createCatalogSlice, type CatalogSlice } from './catalog-slice.ts';
import { createDetailsSlice, type DetailsSlice } from './details-slice.ts';
import { createFlowsSlice, type FlowsSlice } from './flows-slice.ts';
import { createForesightSlice, type ForesightSlice } from './foresight-slice.ts';
import { createLogSlice, type LogSlice } from './log-slice.ts';
import { createServersSlice, type ServersSlice } from './servers-slice.ts';
import { createTokensSlice, type TokensSlice } from './tokens-slice.ts';
import { createToolsSlice, type ToolsSlice } from './tools-slice.ts';

/** The whole renderer state: the union of its slices. */
export type KeyportState = AppSlice &
  ServersSlice &
  DetailsSlice &
  AuthSlice &
  TokensSlice &
  FlowsSlice &
  ToolsSlice &
  CatalogSlice &
  LogSlice &
  AccountsSlice &
  ForesightSlice;

/** The store hook. */
export const useKeyport = create<KeyportState>()((...a) => ({
  ...createAppSlice(...a),
  ...createServersSlice(...a),
  ...createDetailsSlice(...a),
  ...createAuthSlice(...a),
  ...createTokensSlice(...a),
  ...createFlowsSlice(...a),
  ...createToolsSlice(...a),
  ...createCatalogSlice(...a),
  ...createLogSlice(...a),
  ...createAccountsSlice(...a),
  ...createForesightSlice(...a),
}));

/** Loads initial data and subscribes to main's push events; returns an unsubscribe for tests and hot reload. */
export function startStore(): () => void {
  const state = useKeyport.getState;
  void state().loadInfo();
  void state().loadServers();
  void state().loadAttention();
  const k = api();
  const offs = [
    k.onServersChanged((servers) => state().serversChanged(servers)),
    k.onAuthStatus(({ serverId, status }) => state().statusChanged(serverId, status)),
    k.onStepUp((request) => state().stepUpRequested(request)),
    k.onDeviceCode(({ serverId, device }) => state().deviceCodeArrived(serverId, device)),
    k.onTokensChanged(({ serverId, tokenSet }) => state().tokensChanged(serverId, tokenSet)),
    k.onFlowTrace(({ serverId, trace }) => state().traceArrived(serverId, trace)),
    k.onToolProgress(({ callId, progress }) => state().progressArrived(callId, progress)),
    k.onToolsChanged(({ serverId }) => void state().loadTools(serverId)),
    k.onLogMessage(({ serverId, message }) => state().logArrived(serverId, message)),
    k.onElicitationRequest((request) => state().elicitationArrived(request)),
    k.onAttentionChanged((attention) => state().attentionChanged(attention)),
    k.onFocusServer(({ serverId, reason }) => state().focusServer(serverId, reason)),
  ];
  return () => offs.forEach((off) => off());
}
