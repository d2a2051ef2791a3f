/** The details slice: each server's Overview data (server info, authorization server, registration) and connect. */
import type { StateCreator } from 'zustand';
import type { ServerDetailsView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { Loadable } from '../lib/loadable.ts';
import { valueOf } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

/** State and actions of the details slice. */
export interface DetailsSlice {
  readonly details: Readonly<Record<string, Loadable<ServerDetailsView>>>;
  loadDetails(serverId: string): Promise<void>;
  connect(serverId: string): Promise<void>;
  disconnect(serverId: string): Promise<void>;
  forgetRegistration(serverId: string): Promise<void>;
}

/** Creates the details slice. */
export const createDetailsSlice: StateCreator<KeyportState, [], [], DetailsSlice> = (set, get) => {
  const put = (serverId: string, value: Loadable<ServerDetailsView>) =>
    set({ details: { ...get().details, [serverId]: value } });
  return {
    details: {},
    async loadDetails(serverId) {
      const previous = valueOf(get().details[serverId]);
      put(serverId, previous ? { state: 'loading', previous } : { state: 'loading' });
      try {
        put(serverId, { state: 'ready', value: await unwrap(api().serverInfo(serverId)) });
      } catch (error) {
        put(serverId, { state: 'failed', error: describeError(error) });
      }
    },
    async connect(serverId) {
      try {
        await unwrap(api().connectServer(serverId));
        get().notify('Connected.', 'good');
        void get().loadDetails(serverId);
        void get().loadTools(serverId);
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    async disconnect(serverId) {
      try {
        await unwrap(api().disconnectServer(serverId));
        void get().loadDetails(serverId);
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    async forgetRegistration(serverId) {
      try {
        const { forgotten } = await unwrap(api().forgetRegistration(serverId));
        get().notify(
          forgotten ? 'Registration forgotten. The next sign-in registers Keyport again.' : 'There was no registration to forget.',
        );
        void get().loadDetails(serverId);
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
  };
};
