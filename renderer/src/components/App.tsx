/** The app shell: servers on the left, the selected server in the main pane, facts in the status bar. */
import { Sidebar } from './Sidebar.tsx';
import { ServerPane } from './ServerPane.tsx';
import { StatusBar } from './StatusBar.tsx';

/** The root component. */
export function App() {
  return (
    <div className="shell">
      <Sidebar />
      <main className="main-pane" aria-label="Server details">
        <ServerPane />
      </main>
      <StatusBar />
    </div>
  );
}
