/** The server view's tabs (a WAI-ARIA tablist: arrows move between tabs, Home/End jump) and the active panel. */
import { useRef, type KeyboardEvent } from 'react';
import { serverTabs, type ServerTab } from '../../store/app-slice.ts';
import { useKeyport } from '../../store/index.ts';
import { PromptsTab } from '../catalog/PromptsTab.tsx';
import { ResourcesTab } from '../catalog/ResourcesTab.tsx';
import { FlowTab } from '../flow/FlowTab.tsx';
import { TokensTab } from '../tokens/TokensTab.tsx';
import { ToolsTab } from '../tools/ToolsTab.tsx';
import { LogTab } from './LogTab.tsx';
import { OverviewTab } from './OverviewTab.tsx';

const labels: Readonly<Record<ServerTab, string>> = {
  overview: 'Overview',
  tokens: 'Tokens',
  flow: 'Flow',
  tools: 'Tools',
  resources: 'Resources',
  prompts: 'Prompts',
  log: 'Log',
};

/** The tab strip. */
export function Tabs() {
  const tab = useKeyport((s) => s.tab);
  const selectTab = useKeyport((s) => s.selectTab);
  const ref = useRef<HTMLDivElement>(null);
  const go = (next: ServerTab) => {
    selectTab(next);
    window.requestAnimationFrame(() => ref.current?.querySelector<HTMLButtonElement>(`#tab-${next}`)?.focus());
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const i = serverTabs.indexOf(tab);
    const n = serverTabs.length;
    const target: Record<string, ServerTab | undefined> = {
      ArrowRight: serverTabs[(i + 1) % n],
      ArrowLeft: serverTabs[(i - 1 + n) % n],
      Home: serverTabs[0],
      End: serverTabs[n - 1],
    };
    const next = target[event.key];
    if (next) {
      event.preventDefault();
      go(next);
    }
  };
  return (
    <div className="tabs" role="tablist" aria-label="Server views" ref={ref} onKeyDown={onKeyDown}>
      {serverTabs.map((t) => (
        <button
          key={t}
          id={`tab-${t}`}
          type="button"
          role="tab"
          aria-selected={t === tab}
          aria-controls={`panel-${t}`}
          tabIndex={t === tab ? 0 : -1}
          onClick={() => selectTab(t)}
        >
          {labels[t]}
        </button>
      ))}
    </div>
  );
}

/** The active tab's panel; the exhaustive switch makes a new tab a compile error here. */
export function TabPanel({ serverId }: { readonly serverId: string }) {
  const tab = useKeyport((s) => s.tab);
  return (
    <div className="tab-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
      {panelFor(tab, serverId)}
    </div>
  );
}

function panelFor(tab: ServerTab, serverId: string) {
  switch (tab) {
    case 'overview':
      return <OverviewTab serverId={serverId} />;
    case 'tokens':
      return <TokensTab serverId={serverId} />;
    case 'flow':
      return <FlowTab serverId={serverId} />;
    case 'tools':
      return <ToolsTab serverId={serverId} />;
    case 'resources':
      return <ResourcesTab serverId={serverId} />;
    case 'prompts':
      return <PromptsTab serverId={serverId} />;
    case 'log':
      return <LogTab serverId={serverId} />;
  }
}
