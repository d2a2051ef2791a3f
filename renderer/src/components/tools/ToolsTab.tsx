/** Tools: a searchable, windowed list of the server's tools and, for the chosen one, its form, result and history. */
import { useEffect, useMemo, useRef } from 'react';
import type { ToolView } from '../../../../preload/contract.ts';
import { valueOf } from '../../lib/loadable.ts';
import { useKeyport } from '../../store/index.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { VirtualList } from '../common/VirtualList.tsx';
import { ToolPanel } from './ToolPanel.tsx';

const none: readonly ToolView[] = [];
const rowHeight = 52;

/** Filters by name, title and description, case-insensitively. */
export function filterTools(tools: readonly ToolView[], query: string): readonly ToolView[] {
  const q = query.trim().toLowerCase();
  if (q === '') return tools;
  return tools.filter(
    (t) => t.name.toLowerCase().includes(q) || (t.title ?? '').toLowerCase().includes(q) || (t.description ?? '').toLowerCase().includes(q),
  );
}

/** The Tools tab of one server. */
export function ToolsTab({ serverId }: { readonly serverId: string }) {
  const loadable = useKeyport((s) => s.tools[serverId]);
  const load = useKeyport((s) => s.loadTools);
  const filter = useKeyport((s) => s.toolFilter[serverId] ?? '');
  const setFilter = useKeyport((s) => s.setToolFilter);
  const selected = useKeyport((s) => s.selectedTool[serverId]);
  const select = useKeyport((s) => s.selectTool);
  const connected = useKeyport((s) => s.servers.find((x) => x.id === serverId)?.status.state === 'connected');
  const wasConnected = useRef<boolean | undefined>(undefined);
  useEffect(() => {
    // Load once per server, again when the connection comes up, and on `tools:onListChanged` (store); not on every
    // visit, so a 10,000-tool list is not re-sent each time the tab opens.
    const known = useKeyport.getState().tools[serverId]?.state;
    const cameUp = wasConnected.current === false && connected;
    if (known === undefined || known === 'failed' || cameUp) void load(serverId);
    wasConnected.current = connected;
  }, [serverId, load, connected]);
  const tools = valueOf(loadable) ?? none;
  const shown = useMemo(() => filterTools(tools, filter), [tools, filter]);
  const tool = tools.find((t) => t.name === selected);

  return (
    <div className="tools-tab">
      <div className="tool-list-pane">
        <input
          type="search"
          placeholder="Search tools"
          aria-label="Search tools"
          value={filter}
          onChange={(e) => setFilter(serverId, e.target.value)}
        />
        <div className="tool-list-header">
        <p className="muted" data-testid="tool-count" aria-live="polite">
          {loadable?.state === 'loading' && tools.length === 0
            ? 'Loading tools…'
            : shown.length === tools.length
              ? `${tools.length} tools`
              : `${shown.length} of ${tools.length} tools`}
        </p>
          <button type="button" className="link-button" onClick={() => void load(serverId)}>
            Reload
          </button>
        </div>
        {loadable?.state === 'failed' && <ErrorBox error={loadable.error} title="Could not list the tools" />}
        <VirtualList
          items={shown}
          rowHeight={rowHeight}
          label="Tools"
          idPrefix={`tool-${serverId}`}
          keyOf={(t) => t.name}
          selectedKey={selected}
          onChoose={(t) => select(serverId, t.name)}
          renderRow={(t) => (
            <div className="tool-row">
              <span className="tool-name">{t.title ?? t.name}</span>
              <span className="tool-description muted">
                {t.title ? <code>{t.name}</code> : null}
                {t.title && t.description ? ' — ' : ''}
                {t.description ?? ''}
              </span>
            </div>
          )}
        />
      </div>
      <div className="tool-detail-pane">
        {tool ? <ToolPanel key={`${serverId}/${tool.name}`} serverId={serverId} tool={tool} /> : <p className="muted">Choose a tool to call it.</p>}
      </div>
    </div>
  );
}
