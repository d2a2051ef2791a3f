/** The main pane: the selected server's header, its sign-in state and the tabs. */
import { useEffect } from 'react';
import { useKeyport } from '../../store/index.ts';
import { StatusBadge } from '../common/StatusBadge.tsx';
import { SignInPanel } from './SignInPanel.tsx';
import { TabPanel, Tabs } from './Tabs.tsx';

/** Shows the selected server, or what to do when none is selected. */
export function ServerPane() {
  const server = useKeyport((s) => s.servers.find((x) => x.id === s.selectedServerId));
  const hideToken = useKeyport((s) => s.hideToken);
  const serverId = server?.id;
  useEffect(() => hideToken, [serverId, hideToken]);

  if (!server) {
    return (
      <section className="empty-pane">
        <h2>Connect to an MCP server</h2>
        <p>Add a server on the left. Keyport signs you in through your own browser and keeps tokens in your keychain.</p>
      </section>
    );
  }
  return (
    <section className="server-pane" aria-labelledby="server-title">
      <header className="pane-header">
        <h2 id="server-title">{server.name}</h2>
        <StatusBadge status={server.status} />
        <span className="muted selectable url">{server.url}</span>
      </header>
      <SignInPanel serverId={server.id} />
      <Tabs />
      <TabPanel serverId={server.id} />
    </section>
  );
}
