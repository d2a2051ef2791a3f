/**
 * Where a call stands: running (with progress), the result (a tool error is marked as such), a transport or
 * protocol failure (something else: the call did not complete), or cancelled.
 */
import type { ToolCall } from '../../store/tools-slice.ts';
import { formatDuration } from '../../lib/time.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { JsonText } from '../common/JsonText.tsx';
import { ContentBlock } from '../common/ContentBlock.tsx';

/** Renders the outcome of one call; the exhaustive switch covers every phase. */
export function CallOutcome({ call }: { readonly call: ToolCall }) {
  switch (call.phase) {
    case 'running': {
      const p = call.progress;
      return (
        <div className="call-outcome" role="status" aria-label="Call in progress">
          <p>
            <span aria-hidden="true">◌ </span>Calling {call.tool}…
            {p?.message && <span className="server-text"> {p.message}</span>}
          </p>
          {p && (
            <progress
              max={p.total ?? undefined}
              value={p.total !== undefined ? p.progress : undefined}
              aria-label="Progress"
            >
              {p.progress}
            </progress>
          )}
          {p && <span className="muted"> {p.total !== undefined ? `${p.progress} / ${p.total}` : `${p.progress}`}</span>}
        </div>
      );
    }
    case 'cancelled':
      return (
        <p className="call-outcome muted" role="status">
          Call cancelled.
        </p>
      );
    case 'failed':
      return (
        <div className="call-outcome" data-testid="call-failed">
          <ErrorBox error={call.error} title={call.error.code === 'insufficient_scope' ? 'More access needed' : 'The call did not complete'} />
        </div>
      );
    case 'done': {
      const r = call.result;
      return (
        <section
          className={r.isError ? 'call-outcome tool-error' : 'call-outcome'}
          aria-label={r.isError ? 'Tool error' : 'Result'}
          data-testid={r.isError ? 'tool-error' : 'tool-result'}
        >
          <p className={r.isError ? 'bad' : 'good'}>
            {r.isError ? '✕ The tool reported an error' : '✓ Result'} <span className="muted">({formatDuration(r.durationMs)})</span>
          </p>
          {r.content.map((block, i) => (
            <ContentBlock key={i} block={block} />
          ))}
          {r.structuredContent !== undefined && (
            <div className="structured">
              <h4>Structured content</h4>
              <JsonText value={r.structuredContent} label="Structured content" />
            </div>
          )}
        </section>
      );
    }
  }
}
