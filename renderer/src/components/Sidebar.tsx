/** The sidebar: the configured servers with their status, and the way to add one. */
import { useState } from 'react';
import { useKeyport } from '../store/index.ts';
import { AddServerForm } from './AddServerForm.tsx';
import { StatusBadge } from './StatusBadge.tsx';

/** Lists servers; selecting one shows it in the main pane. */
export function Sidebar() {
  const servers = useKeyport((s) => s.servers);
  const selectedId = useKeyport((s) => s.selectedServerId);
  const select = useKeyport((s) => s.selectServer);
  const [adding, setAdding] = useState(false);

  return (
    <nav className="sidebar" aria-label="Servers">
      <div className="sidebar-header">
        <h1 className="app-title">Keyport</h1>
        <button type="button" onClick={() => setAdding((v) => !v)} aria-expanded={adding}>
          {adding ? 'Close' : 'Add server'}
        </button>
      </div>
      {adding && <AddServerForm onDone={() => setAdding(false)} />}
      {servers.length === 0 && !adding ? (
        <p className="empty-hint">
          No servers yet. Choose <strong>Add server</strong> and paste the URL of an MCP server — or run{' '}
          <code>npm run demo</code> and add <code>http://127.0.0.1:9001/mcp</code>.
        </p>
      ) : (
        <ul className="server-list" role="listbox" aria-label="Configured servers">
          {servers.map((server) => (
            <li key={server.id} role="option" aria-selected={server.id === selectedId}>
              <button
                type="button"
                className={server.id === selectedId ? 'server-item selected' : 'server-item'}
                onClick={() => select(server.id)}
              >
                <span className="server-name">{server.name}</span>
                <StatusBadge status={server.status} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
