/** The app shell: servers on the left, the selected server in the main pane, facts in the status bar, and dialogs. */
import { ElicitationDialog } from './dialogs/ElicitationDialog.tsx';
import { StepUpDialog } from './dialogs/StepUpDialog.tsx';
import { NoticeRegion } from './common/NoticeRegion.tsx';
import { Sidebar } from './sidebar/Sidebar.tsx';
import { ServerPane } from './server/ServerPane.tsx';
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
      <NoticeRegion />
      <StepUpDialog />
      <ElicitationDialog />
    </div>
  );
}
