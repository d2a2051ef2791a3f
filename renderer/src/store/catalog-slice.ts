/** The catalog slice: each server's resources (and templates) and prompts, and what reading or getting returned. */
import type { StateCreator } from 'zustand';
import type { PromptResultView, PromptView, ResourceReadView, ResourceTemplateView, ResourceView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { Loadable } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

/** The Resources tab's list. */
export interface ResourceCatalog {
  readonly resources: readonly ResourceView[];
  readonly templates: readonly ResourceTemplateView[];
}

/** State and actions of the catalog slice. */
export interface CatalogSlice {
  readonly resources: Readonly<Record<string, Loadable<ResourceCatalog>>>;
  readonly resourceReads: Readonly<Record<string, Loadable<ResourceReadView>>>;
  readonly prompts: Readonly<Record<string, Loadable<readonly PromptView[]>>>;
  readonly promptResults: Readonly<Record<string, Loadable<PromptResultView>>>;
  loadResources(serverId: string): Promise<void>;
  readResource(serverId: string, uri: string): Promise<void>;
  loadPrompts(serverId: string): Promise<void>;
  getPrompt(serverId: string, name: string, args: Readonly<Record<string, string>>): Promise<void>;
  /** Reads a resource a result linked to (a non-web URI) from the selected server and shows it in Resources. */
  readLinkedResource(uri: string): Promise<void>;
}

/** Creates the catalog slice. */
export const createCatalogSlice: StateCreator<KeyportState, [], [], CatalogSlice> = (set, get) => ({
  resources: {},
  resourceReads: {},
  prompts: {},
  promptResults: {},
  async loadResources(serverId) {
    set({ resources: { ...get().resources, [serverId]: { state: 'loading' } } });
    try {
      const value = await unwrap(api().listResources(serverId));
      set({ resources: { ...get().resources, [serverId]: { state: 'ready', value } } });
    } catch (error) {
      set({ resources: { ...get().resources, [serverId]: { state: 'failed', error: describeError(error) } } });
    }
  },
  async readResource(serverId, uri) {
    set({ resourceReads: { ...get().resourceReads, [serverId]: { state: 'loading' } } });
    try {
      const value = await unwrap(api().readResource(serverId, uri));
      set({ resourceReads: { ...get().resourceReads, [serverId]: { state: 'ready', value } } });
    } catch (error) {
      set({ resourceReads: { ...get().resourceReads, [serverId]: { state: 'failed', error: describeError(error) } } });
    }
  },
  async loadPrompts(serverId) {
    set({ prompts: { ...get().prompts, [serverId]: { state: 'loading' } } });
    try {
      const value = await unwrap(api().listPrompts(serverId));
      set({ prompts: { ...get().prompts, [serverId]: { state: 'ready', value } } });
    } catch (error) {
      set({ prompts: { ...get().prompts, [serverId]: { state: 'failed', error: describeError(error) } } });
    }
  },
  async readLinkedResource(uri) {
    const serverId = get().selectedServerId;
    if (!serverId) return;
    get().selectTab('resources');
    await get().readResource(serverId, uri);
  },
  async getPrompt(serverId, name, args) {
    set({ promptResults: { ...get().promptResults, [serverId]: { state: 'loading' } } });
    try {
      const value = await unwrap(api().getPrompt(serverId, name, { ...args }));
      set({ promptResults: { ...get().promptResults, [serverId]: { state: 'ready', value } } });
    } catch (error) {
      set({ promptResults: { ...get().promptResults, [serverId]: { state: 'failed', error: describeError(error) } } });
    }
  },
});
