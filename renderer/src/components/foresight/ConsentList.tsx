/**
 * Consent you can read (issue 14): before the browser opens, what signing in will ask the authorization server for —
 * each scope with what it allows, who asked for it, and a tick box for the optional ones. What the user unticks is
 * not asked for. Scope names and the server's own descriptions are untrusted text, shown as text.
 */
import { useEffect } from 'react';
import type { PlannedScopeView } from '../../../../preload/contract.ts';
import { valueOf } from '../../lib/loadable.ts';
import { useKeyport } from '../../store/index.ts';

const sources: Readonly<Record<PlannedScopeView['source'], string>> = {
  challenge: 'the server asks for it',
  settings: 'in this server’s settings',
  resource: 'the server supports it',
  as: 'offered by the authorization server',
};

const noScopes: readonly string[] = [];

/** Host of an issuer URL, for the heading. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The consent list of one server; loads it when shown. */
export function ConsentList({ serverId }: { readonly serverId: string }) {
  const loadable = useKeyport((s) => s.plans[serverId]);
  const unticked = useKeyport((s) => s.unticked[serverId] ?? noScopes);
  const load = useKeyport((s) => s.loadPlan);
  const setTicked = useKeyport((s) => s.setScopeTicked);
  useEffect(() => {
    void load(serverId);
  }, [serverId, load]);
  const plan = valueOf(loadable);

  if (!plan) {
    if (loadable?.state === 'failed') {
      return (
        <p className="hint" data-testid="consent-unavailable">
          Keyport could not find out ahead what signing in asks for ({loadable.error.code}); the sign-in itself will say why.
        </p>
      );
    }
    return <p className="hint">Finding out what signing in asks for…</p>;
  }
  return (
    <section className="consent" aria-label="What signing in asks for" data-testid="consent-list">
      <h3>
        Signing in asks <span className="selectable">{hostOf(plan.issuer)}</span> for
      </h3>
      {plan.scopes.length === 0 ? (
        <p className="hint">No particular permission: the authorization server decides what to grant.</p>
      ) : (
        <ul className="consent-scopes">
          {plan.scopes.map((s) => {
            const ticked = s.required || !unticked.includes(s.scope);
            return (
              <li key={s.scope}>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={ticked}
                    disabled={s.required}
                    onChange={(e) => setTicked(serverId, s.scope, e.target.checked)}
                    aria-describedby={`scope-${serverId}-${s.scope}`}
                  />
                  <span>
                    <code className="selectable">{s.scope}</code>
                    {s.description && <span className="server-text"> — {s.description}</span>}
                    <span className="muted" id={`scope-${serverId}-${s.scope}`}>
                      {' '}
                      ({sources[s.source]}
                      {s.required ? ', required' : ', optional'}
                      {s.describedBy === 'server' ? '; described by the server' : ''})
                    </span>
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {plan.scopes.some((s) => !s.required) && <p className="hint">Untick what you do not want to grant; Keyport asks only for what stays ticked.</p>}
    </section>
  );
}
