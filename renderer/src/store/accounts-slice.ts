/**
 * The accounts slice (issue 13): the identities Keyport holds per server and which one is active, adding another
 * account, switching, renaming and signing one out; plus what a sign-in shows besides the browser: the device code
 * (RFC 8628) and the answer to a pasted redirected address. The pasted text itself is never kept here.
 */
import type { StateCreator } from 'zustand';
import type { AccountsView, DeviceCodeView, PasteResultView } from '../../../preload/contract.ts';
import { api, describeError, unwrap } from '../bridge.ts';
import type { Loadable } from '../lib/loadable.ts';
import { valueOf } from '../lib/loadable.ts';
import type { KeyportState } from './index.ts';

/** State and actions of the accounts slice. */
export interface AccountsSlice {
  readonly accounts: Readonly<Record<string, Loadable<AccountsView>>>;
  /** The device sign-in waiting for the user, per server (cleared when the sign-in ends). */
  readonly deviceCodes: Readonly<Record<string, DeviceCodeView>>;
  /** The answer to the last pasted address, per server (cleared when the sign-in ends). */
  readonly pasteResults: Readonly<Record<string, PasteResultView>>;
  loadAccounts(serverId: string): Promise<void>;
  /** Signs in another identity; the active account stays as it is. */
  addAccount(serverId: string): Promise<void>;
  switchAccount(serverId: string, account: string): Promise<void>;
  renameAccount(serverId: string, account: string, name: string): Promise<void>;
  signOutAccount(serverId: string, account: string): Promise<void>;
  /** Applies an `auth:onDeviceCode` push. */
  deviceCodeArrived(serverId: string, device: DeviceCodeView): void;
  /** Sends an address the user pasted to the waiting sign-in; the field is cleared by the caller. */
  pasteRedirect(serverId: string, address: string): Promise<void>;
  /** Forgets the device code and paste answer of a sign-in that ended. */
  clearSignInExtras(serverId: string): void;
}

/** Creates the accounts slice. */
export const createAccountsSlice: StateCreator<KeyportState, [], [], AccountsSlice> = (set, get) => {
  const put = (serverId: string, value: Loadable<AccountsView>) => set({ accounts: { ...get().accounts, [serverId]: value } });
  const apply = (serverId: string, view: AccountsView) => put(serverId, { state: 'ready', value: view });
  const afterChange = (serverId: string) => {
    void get().loadTokens(serverId);
    void get().loadDetails(serverId);
    void get().loadFlows(serverId);
  };
  return {
    accounts: {},
    deviceCodes: {},
    pasteResults: {},
    async loadAccounts(serverId) {
      const previous = valueOf(get().accounts[serverId]);
      put(serverId, previous ? { state: 'loading', previous } : { state: 'loading' });
      try {
        apply(serverId, await unwrap(api().listAccounts(serverId)));
      } catch (error) {
        put(serverId, { state: 'failed', error: describeError(error) });
      }
    },
    async addAccount(serverId) {
      const setFlow = (flow: KeyportState['signIns'][string]) => set({ signIns: { ...get().signIns, [serverId]: flow } });
      setFlow({ phase: 'starting', since: Date.now() });
      try {
        const tokenSet = await unwrap(api().addAccount(serverId));
        setFlow({ phase: 'succeeded', at: Date.now(), scopes: tokenSet.scopes });
        await get().loadAccounts(serverId);
        const added = valueOf(get().accounts[serverId])?.accounts.at(-1);
        get().notify(added ? `Account added: ${added.name}. Choose “Use this account” to switch to it.` : 'Account added.', 'good');
      } catch (error) {
        const e = describeError(error);
        setFlow(e.code === 'cancelled' ? { phase: 'cancelled' } : { phase: 'failed', error: e });
      } finally {
        get().clearSignInExtras(serverId);
        void get().loadFlows(serverId);
      }
    },
    async switchAccount(serverId, account) {
      try {
        apply(serverId, await unwrap(api().switchAccount(serverId, account)));
        const name = valueOf(get().accounts[serverId])?.accounts.find((a) => a.account === account)?.name ?? account;
        get().notify(`Now using ${name}. Keyport reconnected with this account.`, 'good');
        afterChange(serverId);
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    async renameAccount(serverId, account, name) {
      try {
        apply(serverId, await unwrap(api().renameAccount(serverId, account, name)));
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      }
    },
    async signOutAccount(serverId, account) {
      const name = valueOf(get().accounts[serverId])?.accounts.find((a) => a.account === account)?.name ?? account;
      try {
        const { revoked } = await unwrap(api().signOutAccount(serverId, account));
        get().notify(
          revoked ? `Signed out ${name}. The authorization server revoked its tokens.` : `Signed out ${name}. Its tokens are forgotten here.`,
          'good',
        );
      } catch (error) {
        get().notify(describeError(error).message, 'bad');
      } finally {
        await get().loadAccounts(serverId);
        afterChange(serverId);
      }
    },
    deviceCodeArrived(serverId, device) {
      set({ deviceCodes: { ...get().deviceCodes, [serverId]: device } });
    },
    async pasteRedirect(serverId, address) {
      let result: PasteResultView;
      try {
        result = await unwrap(api().pasteRedirect(serverId, address));
      } catch (error) {
        result = { accepted: false, message: describeError(error).message };
      }
      set({ pasteResults: { ...get().pasteResults, [serverId]: result } });
    },
    clearSignInExtras(serverId) {
      const { [serverId]: _device, ...deviceCodes } = get().deviceCodes;
      const { [serverId]: _paste, ...pasteResults } = get().pasteResults;
      set({ deviceCodes, pasteResults });
    },
  };
};
