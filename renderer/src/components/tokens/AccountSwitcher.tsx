/**
 * Several accounts per server (issue 13), at the top of the Tokens tab: every identity Keyport holds tokens for, named
 * by what the tokens say (username, email, subject) unless the user renamed it; which one the server's connection uses
 * (switching reconnects); signing one out (the others stay); and "Add another account", a sign-in that asks the
 * authorization server to let the user pick another identity.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { AccountView } from '../../../../preload/contract.ts';
import { valueOf } from '../../lib/loadable.ts';
import { useKeyport } from '../../store/index.ts';

function AccountRow({ serverId, account }: { readonly serverId: string; readonly account: AccountView }) {
  const switchTo = useKeyport((s) => s.switchAccount);
  const rename = useKeyport((s) => s.renameAccount);
  const signOut = useKeyport((s) => s.signOutAccount);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(account.name);
  const detail = account.email ?? (account.subject !== undefined && account.subject !== account.name ? account.subject : undefined);

  const save = (event: FormEvent) => {
    event.preventDefault();
    setEditing(false);
    if (name.trim() !== '' && name.trim() !== account.name) void rename(serverId, account.account, name.trim());
  };

  return (
    <li className={account.active ? 'account account-active' : 'account'} data-testid={`account-${account.account}`} aria-current={account.active ? 'true' : undefined}>
      {editing ? (
        <form className="account-rename" onSubmit={save}>
          <label>
            Name of this account
            <input type="text" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} autoFocus />
          </label>
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <span className="account-label">
          <strong className="selectable">{account.name}</strong>
          {detail !== undefined && <span className="muted selectable"> {detail}</span>}
          {account.active && <span className="chip"> in use</span>}
        </span>
      )}
      {!editing && (
        <span className="actions" role="group" aria-label={`${account.name} actions`}>
          {!account.active && (
            <button type="button" className="primary" onClick={() => void switchTo(serverId, account.account)}>
              Use this account
            </button>
          )}
          <button
            type="button"
            onClick={() => {
              setName(account.name);
              setEditing(true);
            }}
          >
            Rename
          </button>
          <button type="button" className="danger" onClick={() => void signOut(serverId, account.account)} aria-label={`Sign out ${account.name}`}>
            Sign out
          </button>
        </span>
      )}
    </li>
  );
}

/** The account list of one server, with "Add another account". */
export function AccountSwitcher({ serverId }: { readonly serverId: string }) {
  const loadable = useKeyport((s) => s.accounts[serverId]);
  const load = useKeyport((s) => s.loadAccounts);
  const add = useKeyport((s) => s.addAccount);
  const tokens = useKeyport((s) => valueOf(s.tokens[serverId]));
  const busy = useKeyport((s) => {
    const phase = s.signIns[serverId]?.phase;
    return phase === 'starting' || phase === 'waiting';
  });
  // Reload whenever the active account's tokens change (a sign-in, a sign-out, a switch).
  useEffect(() => {
    void load(serverId);
  }, [serverId, load, tokens]);

  const view = valueOf(loadable);
  const accounts = view?.accounts ?? [];
  return (
    <section className="accounts" aria-label="Accounts">
      <div className="accounts-header">
        <h3>Accounts</h3>
        <button type="button" onClick={() => void add(serverId)} disabled={busy}>
          Add another account
        </button>
      </div>
      {loadable?.state === 'failed' && <p className="warning">{loadable.error.message}</p>}
      {accounts.length > 0 && (
        <ul className="account-list" aria-label="Accounts of this server">
          {accounts.map((a) => (
            <AccountRow key={a.account} serverId={serverId} account={a} />
          ))}
        </ul>
      )}
      {view !== undefined && accounts.length > 0 && !accounts.some((a) => a.active) && (
        <p className="muted">The account this server used is signed out. Choose “Use this account” for another one, or sign in.</p>
      )}
    </section>
  );
}
