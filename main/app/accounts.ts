/**
 * Several accounts per server, as the window manages them (issue 13): the list (what the tokens say about each
 * identity, the user's names, which one is active), adding another account through a sign-in that asks the user to
 * pick an identity, switching the active account (the connection reconnects with it), renaming, and signing one
 * account out (revoked at the authorization server where it can be) while the others stay.
 */
import type { AccountsView, TokenSetView } from '../../preload/contract.ts';
import { KeyportError } from '../errors.ts';
import type { AccountService } from '../ipc/handlers.ts';
import type { AccountInfo, ServerTarget } from '../oauth/index.ts';
import type { SignInHow } from './auth.ts';
import type { AppContext } from './context.ts';

/** Builds the view of a server's accounts from what the engine holds and the non-secret preferences. */
export function accountsView(accounts: readonly AccountInfo[], active: string, names: Readonly<Record<string, string>>): AccountsView {
  return {
    active,
    accounts: accounts.map((a) => ({
      account: a.account,
      name: names[a.account] ?? a.label,
      label: a.label,
      ...(a.subject !== undefined && { subject: a.subject }),
      ...(a.username !== undefined && { username: a.username }),
      ...(a.email !== undefined && { email: a.email }),
      issuer: a.issuer,
      active: a.account === active,
      scopes: a.scopes,
      obtainedAt: a.obtainedAt,
      ...(a.expiresAt !== undefined && { expiresAt: a.expiresAt }),
    })),
  };
}

/** The account service over the shared context; `signInAs` is the auth service's sign-in (so cancel and paste work). */
export function createAccountService(context: AppContext, signInAs: (id: string, how: SignInHow) => Promise<TokenSetView>): AccountService {
  const { core } = context;

  async function targetOf(id: string): Promise<ServerTarget> {
    const server = await core.server(id);
    if (server.transport === 'stdio' || server.auth.mode === 'none') {
      throw new KeyportError('not_applicable', `"${server.name}" needs no sign-in, so it has no accounts.`);
    }
    return core.target(server);
  }

  async function list(id: string): Promise<AccountsView> {
    const accounts = await core.engine().accounts(await targetOf(id));
    const prefs = core.accounts.get(id);
    return accountsView(accounts, core.accounts.active(id), prefs.names);
  }

  /** Drops the connection and connects again with the (new) active account; pushes its tokens to the window. */
  async function reconnect(id: string): Promise<void> {
    await context.dropConnection(id);
    const tokenSet = (await core.engine().tokenSetView(await targetOf(id), { account: core.accounts.active(id) })) ?? null;
    context.emit('tokens:onChanged', { serverId: id, tokenSet });
    if (tokenSet === null) {
      context.setStatus(id, { state: 'needs-sign-in', reason: 'This account is signed out.' });
      return;
    }
    try {
      await context.connected(id);
    } catch {
      // The connection reports its own status (error / needs sign-in).
    }
  }

  async function known(id: string, account: string): Promise<AccountInfo> {
    const found = (await core.engine().accounts(await targetOf(id))).find((a) => a.account === account);
    if (!found) throw new KeyportError('account_not_found', `Keyport holds no account "${account}" for this server. Refresh the list and try again.`);
    return found;
  }

  return {
    list,
    async add(id) {
      return signInAs(id, { addAccount: true });
    },
    async switchTo(id, account) {
      await known(id, account);
      if (core.accounts.active(id) !== account) {
        await core.accounts.setActive(id, account);
        await reconnect(id);
      }
      return list(id);
    },
    async rename(id, account, name) {
      await known(id, account);
      await core.accounts.rename(id, account, name);
      return list(id);
    },
    async signOut(id, account) {
      return signOutAccount(context, id, account);
    },
  };
}

/**
 * Signs one account out (RFC 7009 revocation where the AS offers it, then the tokens are forgotten) and keeps the
 * others. When it was the active account, the oldest remaining account becomes active and the connection switches.
 */
export async function signOutAccount(context: AppContext, id: string, account: string): Promise<boolean> {
  const { core } = context;
  const server = await core.server(id);
  const target = await core.target(server);
  const wasActive = core.accounts.active(id) === account;
  const { revoked } = await core.engine().logout(target, { account });
  await core.accounts.forgetAccount(id, account);
  if (!wasActive) return revoked;
  const next = (await core.engine().accounts(target))[0];
  if (next) await core.accounts.setActive(id, next.account);
  await context.dropConnection(id);
  const tokenSet = next ? ((await core.engine().tokenSetView(target, { account: next.account })) ?? null) : null;
  context.emit('tokens:onChanged', { serverId: id, tokenSet });
  if (tokenSet === null) context.setStatus(id, { state: 'needs-sign-in', reason: 'Signed out.' });
  else {
    try {
      await context.connected(id);
    } catch {
      // The connection reports its own status.
    }
  }
  return revoked;
}
