/** Log: the server's log messages and stderr lines, newest last, with level filter. Data is shown as text. */
import { useEffect, useMemo, useState } from 'react';
import type { LogLevel, LogMessageView } from '../../../../preload/contract.ts';
import { toJsonText } from '../../lib/safe-content.ts';
import { formatLocal } from '../../lib/time.ts';
import { useKeyport } from '../../store/index.ts';
import type { ConnectionEvent } from '../../store/log-slice.ts';
import { statusLabel } from '../common/status.ts';

const levels: readonly LogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const none: readonly LogMessageView[] = [];
const noEvents: readonly ConnectionEvent[] = [];

/** One line of the Log tab: a server message or a connection event, in time order. */
type Line = { readonly kind: 'message'; readonly at: number; readonly message: LogMessageView } | { readonly kind: 'event'; readonly at: number; readonly event: ConnectionEvent };
const shownLines = 500;

/** The Log tab of one server. */
export function LogTab({ serverId }: { readonly serverId: string }) {
  const lines = useKeyport((s) => s.logs[serverId] ?? none);
  const events = useKeyport((s) => s.connectionEvents[serverId] ?? noEvents);
  const [showEvents, setShowEvents] = useState(true);
  const load = useKeyport((s) => s.loadLog);
  const [minLevel, setMinLevel] = useState<LogLevel>('debug');
  useEffect(() => {
    void load(serverId);
  }, [serverId, load]);
  const visible = useMemo(() => {
    const min = levels.indexOf(minLevel);
    const merged: Line[] = lines.filter((l) => levels.indexOf(l.level) >= min).map((message) => ({ kind: 'message', at: message.at, message }));
    if (showEvents) merged.push(...events.map((event): Line => ({ kind: 'event', at: event.at, event })));
    return merged.sort((a, b) => a.at - b.at).slice(-shownLines);
  }, [lines, events, minLevel, showEvents]);

  return (
    <div className="log-tab">
      <label className="inline">
        Show from level{' '}
        <select value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogLevel)}>
          {levels.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>{' '}
      <label className="checkbox inline">
        <input type="checkbox" checked={showEvents} onChange={(e) => setShowEvents(e.target.checked)} />
        Connection events
      </label>
      {visible.length === 0 ? (
        <p className="muted">No log messages yet. Servers send them while you use their tools.</p>
      ) : (
        <ol className="log-lines selectable" aria-label="Log messages">
          {visible.map((line, i) => (line.kind === 'message' ? <MessageLine key={i} line={line.message} /> : <EventLine key={i} event={line.event} />))}
        </ol>
      )}
    </div>
  );
}

function MessageLine({ line }: { readonly line: LogMessageView }) {
  return (
    <li className={`log-line log-${line.level}`}>
      <time dateTime={new Date(line.at).toISOString()}>{formatLocal(line.at)}</time> <span className="log-level">{line.level}</span>{' '}
      {line.source === 'stderr' && <span className="muted">stderr </span>}
      {line.logger && <span className="muted">[{line.logger}] </span>}
      <span className="server-text">{typeof line.data === 'string' ? line.data : toJsonText(line.data)}</span>
    </li>
  );
}

function EventLine({ event }: { readonly event: ConnectionEvent }) {
  const label = statusLabel(event.status);
  return (
    <li className="log-line log-event">
      <time dateTime={new Date(event.at).toISOString()}>{formatLocal(event.at)}</time> <span className="log-level">connection</span>{' '}
      <span aria-hidden="true">{label.symbol} </span>
      {label.text}
      {event.status.state === 'error' && <span className="server-text"> — {event.status.error.message}</span>}
    </li>
  );
}
