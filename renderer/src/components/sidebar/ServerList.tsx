/**
 * The configured servers in the user's order. Each row selects its server; the selected row offers Move up/down,
 * Edit and Remove. Keyboard: Up/Down move focus between servers, Alt+Up/Alt+Down reorder, Delete asks to remove.
 */
import { useRef, useState, type KeyboardEvent } from 'react';
import type { ServerView } from '../../../../preload/contract.ts';
import { useKeyport } from '../../store/index.ts';
import { StatusBadge } from '../common/StatusBadge.tsx';
import { AttentionMarker } from '../foresight/AttentionSummary.tsx';
import { ServerDialog } from '../dialogs/ServerDialog.tsx';
import { RemoveServerDialog } from './RemoveServerDialog.tsx';

/** Which row-level dialog is open. */
type RowDialog = { readonly kind: 'none' } | { readonly kind: 'edit'; readonly server: ServerView } | { readonly kind: 'remove'; readonly server: ServerView };

/** The list of servers. */
export function ServerList() {
  const servers = useKeyport((s) => s.servers);
  const selectedId = useKeyport((s) => s.selectedServerId);
  const select = useKeyport((s) => s.selectServer);
  const move = useKeyport((s) => s.moveServer);
  const moveTo = useKeyport((s) => s.moveServerTo);
  const [dragging, setDragging] = useState<string | undefined>();
  const [dialog, setDialog] = useState<RowDialog>({ kind: 'none' });
  const listRef = useRef<HTMLUListElement>(null);

  const focusRow = (id: string) =>
    window.requestAnimationFrame(() => listRef.current?.querySelector<HTMLButtonElement>(`[data-server-id="${CSS.escape(id)}"]`)?.focus());

  const onKeyDown = (event: KeyboardEvent, server: ServerView, index: number) => {
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      void move(server.id, event.key === 'ArrowUp' ? -1 : 1).then(() => focusRow(server.id));
    } else if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      event.preventDefault();
      const next = servers[index + (event.key === 'ArrowUp' ? -1 : 1)];
      if (next) {
        select(next.id);
        focusRow(next.id);
      }
    } else if (event.key === 'Delete') {
      event.preventDefault();
      setDialog({ kind: 'remove', server });
    }
  };

  return (
    <>
      <ul className="server-list" aria-label="Configured servers" ref={listRef}>
        {servers.map((server, index) => {
          const selected = server.id === selectedId;
          return (
            <li
              key={server.id}
              className={`server-row${selected ? ' selected' : ''}${dragging === server.id ? ' dragging' : ''}`}
              draggable
              onDragStart={(e) => {
                setDragging(server.id);
                e.dataTransfer.effectAllowed = 'move';
              }}
              onDragEnd={() => setDragging(undefined)}
              onDragOver={(e) => {
                if (dragging) e.preventDefault();
              }}
              onDrop={(e) => {
                e.preventDefault();
                if (dragging) void moveTo(dragging, index);
                setDragging(undefined);
              }}
            >
              <button
                type="button"
                className="server-item"
                data-server-id={server.id}
                aria-current={selected ? 'true' : undefined}
                aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown Delete"
                onClick={() => select(server.id)}
                onKeyDown={(e) => onKeyDown(e, server, index)}
              >
                <span className="server-name">{server.name}</span>
                <StatusBadge status={server.status} />
                <AttentionMarker serverId={server.id} />
              </button>
              {selected && (
                <div className="row-actions">
                  <button type="button" aria-label={`Move ${server.name} up`} disabled={index === 0} onClick={() => void move(server.id, -1)}>
                    ↑
                  </button>
                  <button
                    type="button"
                    aria-label={`Move ${server.name} down`}
                    disabled={index === servers.length - 1}
                    onClick={() => void move(server.id, 1)}
                  >
                    ↓
                  </button>
                  <button type="button" onClick={() => setDialog({ kind: 'edit', server })}>
                    Edit…
                  </button>
                  <button type="button" className="danger" onClick={() => setDialog({ kind: 'remove', server })}>
                    Remove…
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {dialog.kind === 'edit' && <ServerDialog mode={{ kind: 'edit', server: dialog.server }} onClose={() => setDialog({ kind: 'none' })} />}
      {dialog.kind === 'remove' && <RemoveServerDialog server={dialog.server} onClose={() => setDialog({ kind: 'none' })} />}
    </>
  );
}
