/** The main pane: the selected server's overview. Tabs (tokens, flow, tools…) grow here. */
import { useState } from 'react';
import { useKeyport } from '../store/index.ts';
import { StatusBadge } from './StatusBadge.tsx';

/** Shows the selected server, or what to do when none is selected. */
export function ServerPane() {
  const server = useKeyport((s) => s.servers.find((x) => x.id === s.selectedServerId));
  const removeServer = useKeyport((s) => s.removeServer);
  const [confirming, setConfirming] = useState(false);

  if (!server) {
    return (
      <section className="empty-pane">
        <h2>Connect to an MCP server</h2>
        <p>Add a server on the left. Keyport signs you in through your own browser and keeps tokens in your keychain.</p>
      </section>
    );
  }
  return (
    <section className="server-overview" aria-labelledby="server-title">
      <header className="pane-header">
        <h2 id="server-title">{server.name}</h2>
        <StatusBadge status={server.status} />
      </header>
      <dl className="facts">
        <dt>URL</dt>
        <dd className="selectable">{server.url}</dd>
        <dt>Transport</dt>
        <dd>{server.transport}</dd>
        <dt>Authorization</dt>
        <dd>{server.auth.mode}</dd>
      </dl>
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-label="Confirm removal">
          <p>Remove {server.name}? Its tokens are forgotten too.</p>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setConfirming(false);
              void removeServer(server.id);
            }}
          >
            Remove
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Remove server…
        </button>
      )}
    </section>
  );
}
