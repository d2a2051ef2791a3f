/** Scopes as chips, so each is readable at a glance and can be selected as text. */

/** Renders a list of scopes, or `empty` when there are none. */
export function ScopeChips({ scopes, empty, label }: { readonly scopes: readonly string[]; readonly empty?: string; readonly label?: string }) {
  if (scopes.length === 0) return <span className="muted">{empty ?? 'None'}</span>;
  return (
    <ul className="chips" aria-label={label ?? 'Scopes'}>
      {scopes.map((scope) => (
        <li key={scope} className="chip selectable">
          {scope}
        </li>
      ))}
    </ul>
  );
}
