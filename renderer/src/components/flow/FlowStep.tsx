/** One step of a flow: name, duration, outcome; a failed step shows its error code and what to do; expandable HTTP. */
import type { FlowStepView } from '../../../../preload/contract.ts';
import { formatDuration } from '../../lib/time.ts';
import { ExchangeView } from './ExchangeView.tsx';

const outcomeText = { ok: '✓ ok', failed: '✕ failed', skipped: '– skipped' } as const;

/** The step as a timeline entry. */
export function FlowStep({ step, index }: { readonly step: FlowStepView; readonly index: number }) {
  return (
    <li className={`step step-${step.outcome}`} data-outcome={step.outcome}>
      <div className="step-head">
        <span className="step-index" aria-hidden="true">
          {index + 1}
        </span>
        <strong className="step-name">{step.name}</strong>
        <span className="muted">{formatDuration(step.durationMs)}</span>
        <span className={`step-outcome outcome-${step.outcome}`}>{outcomeText[step.outcome]}</span>
      </div>
      {step.detail && <p className="step-detail selectable">{step.detail}</p>}
      {step.error && (
        <div className="step-error" role="note">
          <p>
            <code className="error-code">{step.error.code}</code> <span className="selectable">{step.error.message}</span>
          </p>
        </div>
      )}
      {step.exchanges.length > 0 && (
        <details className="exchanges">
          <summary>
            {step.exchanges.length} HTTP exchange{step.exchanges.length === 1 ? '' : 's'}
          </summary>
          {step.exchanges.map((exchange, i) => (
            <ExchangeView key={i} exchange={exchange} />
          ))}
        </details>
      )}
    </li>
  );
}
