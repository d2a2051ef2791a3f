/**
 * The renderer's one store, made of slices. Components select narrowly (`useKeyport((s) => s.servers)`); only store
 * actions call the bridge.
 */
import { create } from 'zustand';
import { api } from '../bridge.ts';
import { createAppSlice, type AppSlice } from './app-slice.ts';
import { createServersSlice, type ServersSlice } from './servers-slice.ts';

/** The whole renderer state: the union of its slices. */
export type KeyportState = AppSlice & ServersSlice;

/** The store hook. */
export const useKeyport = create<KeyportState>()((...a) => ({
  ...createAppSlice(...a),
  ...createServersSlice(...a),
}));

/** Loads initial data and subscribes to main's push events; returns an unsubscribe for tests and hot reload. */
export function startStore(): () => void {
  const state = useKeyport.getState();
  void state.loadInfo();
  void state.loadServers();
  const offServers = api().onServersChanged((servers) => useKeyport.getState().serversChanged(servers));
  return () => offServers();
}
