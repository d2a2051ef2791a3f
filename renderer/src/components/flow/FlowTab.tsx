/** Flow: the recent logins, refreshes and revocations, each as a timeline of named steps with their HTTP exchanges. */
import { useEffect, useState } from 'react';
import { valueOf } from '../../lib/loadable.ts';
import { formatDuration } from '../../lib/time.ts';
import { useKeyport } from '../../store/index.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { LocalTime } from '../common/LocalTime.tsx';
import { FlowStep } from './FlowStep.tsx';

const kindLabels = {
  login: 'Sign-in',
  refresh: 'Refresh',
  revocation: 'Revocation',
  introspection: 'Introspection',
  'client-credentials': 'Client credentials',
} as const;

/** The Flow tab of one server. */
export function FlowTab({ serverId }: { readonly serverId: string }) {
  const loadable = useKeyport((s) => s.flows[serverId]);
  const load = useKeyport((s) => s.loadFlows);
  const saveReport = useKeyport((s) => s.saveFlowReport);
  const [chosen, setChosen] = useState<string | undefined>();
  useEffect(() => {
    void load(serverId);
  }, [serverId, load]);
  if (loadable?.state === 'failed') return <ErrorBox error={loadable.error} title="Could not load the flows" />;
  const traces = valueOf(loadable) ?? [];
  if (traces.length === 0) return <p className="muted">Nothing has happened on the wire yet. Sign in to see each step here.</p>;
  const trace = traces.find((t) => t.id === chosen) ?? traces[0];
  if (!trace) return null;
  const total = (trace.finishedAt ?? Date.now()) - trace.startedAt;

  return (
    <div className="flow-tab">
      <label className="inline">
        Flow{' '}
        <select value={trace.id} onChange={(e) => setChosen(e.target.value)}>
          {traces.map((t) => (
            <option key={t.id} value={t.id}>
              {kindLabels[t.kind]} · {new Date(t.startedAt).toLocaleTimeString()} · {t.outcome}
            </option>
          ))}
        </select>
      </label>{' '}
      {trace.outcome !== 'running' && (
        <button type="button" onClick={() => void saveReport(serverId, trace.id)} title="One HTML file with every step and HTTP exchange, secrets redacted: safe to share">
          Save sign-in report…
        </button>
      )}
      <p>
        <strong>{kindLabels[trace.kind]}</strong> at <span className="selectable">{trace.serverUrl}</span>, started{' '}
        <LocalTime at={trace.startedAt} />, {trace.outcome === 'running' ? 'still running' : `took ${formatDuration(total)}`} —{' '}
        <span className={trace.outcome === 'failed' ? 'bad' : trace.outcome === 'ok' ? 'good' : 'busy'} data-testid="flow-outcome">
          {trace.outcome === 'ok' ? '✓ succeeded' : trace.outcome === 'failed' ? '✕ failed' : '◌ running'}
        </span>
      </p>
      <ol className="timeline" aria-label="Steps">
        {trace.steps.map((step, i) => (
          <FlowStep key={`${trace.id}-${i}`} step={step} index={i} />
        ))}
      </ol>
      {trace.outcome === 'failed' && !trace.steps.some((s) => s.outcome === 'failed') && (
        <p className="bad" role="note">
          ✕ The flow stopped after the last step shown. The sign-in banner on this page says why and what to do next.
        </p>
      )}
    </div>
  );
}
