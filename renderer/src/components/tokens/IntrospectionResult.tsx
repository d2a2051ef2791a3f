/** What the introspection endpoint said about a token (RFC 7662), shown below the token after Introspect. */
import { introspectionKey } from '../../store/tokens-slice.ts';
import { useKeyport } from '../../store/index.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { ClaimsTable } from './ClaimsTable.tsx';

/** Renders the result for one token, or nothing before Introspect was pressed. */
export function IntrospectionResult({ serverId, kind }: { readonly serverId: string; readonly kind: 'access' | 'refresh' }) {
  const result = useKeyport((s) => s.introspections[introspectionKey(serverId, kind)]);
  if (!result) return null;
  switch (result.state) {
    case 'idle':
      return null;
    case 'loading':
      return <p className="muted">Asking the authorization server…</p>;
    case 'failed':
      return <ErrorBox error={result.error} title="Introspection failed" />;
    case 'ready':
      return (
        <div className="introspection" aria-label="Introspection">
          <p className={result.value.active ? 'good' : 'bad'}>
            {result.value.active ? '✓ The authorization server says this token is active.' : '✕ The authorization server says this token is not active.'}
          </p>
          <ClaimsTable title="Introspection response" claims={result.value.claims} />
        </div>
      );
  }
}
