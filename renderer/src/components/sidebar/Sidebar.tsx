/** The sidebar: the configured servers with their status, and the ways to add some (by hand or by import). */
import { useState } from 'react';
import { useKeyport } from '../../store/index.ts';
import { ServerDialog } from '../dialogs/ServerDialog.tsx';
import { AttentionSummary } from '../foresight/AttentionSummary.tsx';
import { EmptyState } from './EmptyState.tsx';
import { ImportReport } from './ImportReport.tsx';
import { ServerList } from './ServerList.tsx';

/** Where the add dialog starts: blank, or with the demo server's URL filled in. */
type Adding = { readonly open: false } | { readonly open: true; readonly url: string };

/** Lists servers; selecting one shows it in the main pane. */
export function Sidebar() {
  const hasServers = useKeyport((s) => s.servers.length > 0);
  const importServers = useKeyport((s) => s.importServers);
  const error = useKeyport((s) => s.serversError);
  const dismissError = useKeyport((s) => s.dismissServersError);
  const [adding, setAdding] = useState<Adding>({ open: false });

  return (
    <nav className="sidebar" aria-label="Servers">
      <div className="sidebar-header">
        <h1 className="app-title">Keyport</h1>
        <div className="actions">
          <button type="button" onClick={() => setAdding({ open: true, url: '' })}>
            Add server
          </button>
          <button type="button" onClick={() => void importServers()} title="Import servers from Claude, VS Code or Cursor">
            Import…
          </button>
        </div>
      </div>
      {error && (
        <p className="field-problem" role="alert">
          {error.message}{' '}
          <button type="button" className="link-button" onClick={dismissError}>
            Dismiss
          </button>
        </p>
      )}
      <AttentionSummary />
      <ImportReport />
      {hasServers ? <ServerList /> : <EmptyState onAddDemo={(url) => setAdding({ open: true, url })} />}
      {adding.open && <ServerDialog mode={{ kind: 'add', url: adding.url }} onClose={() => setAdding({ open: false })} />}
    </nav>
  );
}
