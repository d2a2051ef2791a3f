/**
 * Step-up: the server needs more scopes for what the user tried. Says which and why ("write_data needs mcp:write"),
 * shows the difference — what the sign-in holds, what the tool asks for in addition (`+ mcp:write`) — and opens the
 * browser only after the user agrees; approving asks for the union.
 */
import { valueOf } from '../../lib/loadable.ts';
import { useKeyport } from '../../store/index.ts';
import { Dialog } from '../common/Dialog.tsx';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { ScopeChips } from '../common/ScopeChips.tsx';

/** The prompt, shown while a step-up is pending. */
export function StepUpDialog() {
  const prompt = useKeyport((s) => s.stepUp);
  const serverName = useKeyport((s) => (s.stepUp ? s.servers.find((x) => x.id === s.stepUp?.request.serverId)?.name : undefined));
  const approve = useKeyport((s) => s.approveStepUp);
  const dismiss = useKeyport((s) => s.dismissStepUp);
  const tokens = useKeyport((s) => (s.stepUp ? s.tokens[s.stepUp.request.serverId] : undefined));
  const plan = useKeyport((s) => (s.stepUp ? s.plans[s.stepUp.request.serverId] : undefined));
  if (!prompt) return null;
  const { request, needed, tool } = prompt;
  const scopes = needed.join(' ');
  return (
    <Dialog title="More access needed" onClose={dismiss} className="step-up">
      <p data-testid="step-up-reason">
        {tool ? (
          <>
            <code>{tool}</code> needs <code>{scopes}</code>
          </>
        ) : (
          <>
            This request needs <code>{scopes}</code>
          </>
        )}{' '}
        on {serverName ?? 'this server'}, which your current sign-in does not grant.
      </p>
      <dl className="facts scope-diff" data-testid="step-up-difference">
        <dt>You hold</dt>
        <dd>
          <ScopeChips scopes={valueOf(tokens)?.scopes ?? []} label="Scopes held" empty="No scope" />
        </dd>
        <dt>{tool ? <code>{tool}</code> : 'The request'} asks for</dt>
        <dd>
          <ul className="chips" aria-label="Scopes needed">
            {needed.map((scope) => {
              const meaning = valueOf(plan)?.scopes.find((p) => p.scope === scope)?.description;
              return (
                <li key={scope} className="chip chip-add selectable" title={meaning}>
                  + {scope}
                </li>
              );
            })}
          </ul>
        </dd>
      </dl>
      {needed.length < request.scopes.length && (
        <p className="hint">Keyport asks for all of these, so you keep what you have: {request.scopes.join(' ')}.</p>
      )}
      <p className="hint">
        Keyport will open your browser so you can approve the additional permission; the call is retried afterwards.
      </p>
      {prompt.phase === 'failed' && <ErrorBox error={prompt.error} title="Could not get the extra access" />}
      <div className="actions">
        {prompt.phase === 'authorizing' ? (
          <>
            <p role="status">Finish approving in your browser…</p>
            <button type="button" onClick={dismiss}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button type="button" onClick={dismiss}>
              Not now
            </button>
            <button type="button" className="primary" onClick={() => void approve()} autoFocus>
              {prompt.phase === 'failed' ? 'Try again in browser' : 'Continue in browser'}
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}
