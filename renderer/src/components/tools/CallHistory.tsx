/** The calls made to this tool in this session, newest first, with arguments and outcome. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useKeyport } from '../../store/index.ts';
import type { ToolCall } from '../../store/tools-slice.ts';
import { formatLocal } from '../../lib/time.ts';
import { JsonText } from '../common/JsonText.tsx';
import { CallOutcome } from './CallOutcome.tsx';

function summary(call: ToolCall): string {
  switch (call.phase) {
    case 'running':
      return 'running';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return `failed (${call.error.code})`;
    case 'done':
      return call.result.isError ? 'tool error' : 'ok';
  }
}

/** The history list. */
export function CallHistory({ serverId, tool }: { readonly serverId: string; readonly tool: string }) {
  const calls = useKeyport(
    useShallow((s) => (s.callHistory[serverId] ?? []).map((id) => s.calls[id]).filter((c): c is ToolCall => c?.tool === tool)),
  );
  const [open, setOpen] = useState<string | undefined>();
  if (calls.length < 2) return null;
  return (
    <section aria-label="Call history">
      <h4>History</h4>
      <ol className="call-history">
        {calls.slice(1).map((call) => (
          <li key={call.callId}>
            <button type="button" className="link-button" aria-expanded={open === call.callId} onClick={() => setOpen(open === call.callId ? undefined : call.callId)}>
              {formatLocal(call.startedAt)} — {summary(call)}
            </button>
            {open === call.callId && (
              <div className="history-detail">
                <JsonText value={call.args} label="Arguments" />
                <CallOutcome call={call} />
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
