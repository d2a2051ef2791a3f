/** One token, decoded: fingerprint, type, header and claims, scopes, audience check, lifetime and actions. */
import type { TokenView } from '../../../../preload/contract.ts';
import { epochToMs } from '../../lib/time.ts';
import { useKeyport } from '../../store/index.ts';
import { LocalTime } from '../common/LocalTime.tsx';
import { ScopeChips } from '../common/ScopeChips.tsx';
import { ClaimsTable } from './ClaimsTable.tsx';
import { ExpiryMeter } from './ExpiryMeter.tsx';
import { IntrospectionResult } from './IntrospectionResult.tsx';
import { RevealBox } from './RevealBox.tsx';

const titles: Readonly<Record<TokenView['kind'], string>> = { access: 'Access token', refresh: 'Refresh token', id: 'ID token' };

/** Props of {@link TokenCard}. */
export interface TokenCardProps {
  readonly serverId: string;
  readonly token: TokenView;
  readonly resource: string;
  readonly obtainedAt: number;
}

/** The card. */
export function TokenCard({ serverId, token, resource, obtainedAt }: TokenCardProps) {
  const introspect = useKeyport((s) => s.introspect);
  const revoke = useKeyport((s) => s.revokeToken);
  const copy = useKeyport((s) => s.copyToken);
  const reveal = useKeyport((s) => s.revealToken);
  const kind = token.kind;
  const revocable = kind === 'access' || kind === 'refresh' ? kind : undefined;
  const title = titles[kind];

  return (
    <section className="token-card" aria-label={title} data-testid={`token-${kind}`}>
      <header className="token-header">
        <h3>{title}</h3>
        <code className="selectable" title="Fingerprint: first 6 and last 4 characters">
          {token.fingerprint}
        </code>
        <span className="chip">{token.format === 'jwt' ? 'JWT' : 'opaque'}</span>
        {token.tokenType && <span className="chip">{token.tokenType}</span>}
      </header>
      <div className="actions" role="group" aria-label={`${title} actions`}>
        {kind === 'access' && (
          <button type="button" onClick={() => void introspect(serverId, 'access')}>
            Introspect
          </button>
        )}
        {revocable && (
          <button type="button" className="danger" onClick={() => void revoke(serverId, revocable)}>
            Revoke
          </button>
        )}
        <button type="button" onClick={() => void copy(serverId, kind)} aria-label={`Copy ${title.toLowerCase()}`}>
          Copy
        </button>
        <button type="button" onClick={() => void reveal(serverId, kind)} aria-label={`Reveal ${title.toLowerCase()}`}>
          Reveal
        </button>
      </div>
      <RevealBox serverId={serverId} kind={kind} />
      {token.audienceMatchesResource === false && (
        <p className="warning" role="alert">
          <span aria-hidden="true">▲ </span>The audience of this token does not name the resource it was requested for (
          <span className="selectable">{resource}</span>). The server may reject it, or the authorization server ignored
          the resource parameter.
        </p>
      )}
      <dl className="facts">
        <dt>Scopes</dt>
        <dd>
          <ScopeChips scopes={token.scopes} label={`${title} scopes`} />
        </dd>
        {token.audience && (
          <>
            <dt>Audience</dt>
            <dd className="selectable" data-testid={`audience-${kind}`}>
              {token.audience.join(', ')}{' '}
              {token.audienceMatchesResource === true && <span className="good">✓ matches the resource</span>}
            </dd>
          </>
        )}
        {token.issuer && (
          <>
            <dt>Issuer</dt>
            <dd className="selectable">{token.issuer}</dd>
          </>
        )}
        {token.subject && (
          <>
            <dt>Subject</dt>
            <dd className="selectable">{token.subject}</dd>
          </>
        )}
        {token.issuedAt !== undefined && (
          <>
            <dt>Issued</dt>
            <dd>
              <LocalTime at={epochToMs(token.issuedAt)} />
            </dd>
          </>
        )}
        {token.notBefore !== undefined && (
          <>
            <dt>Not before</dt>
            <dd>
              <LocalTime at={epochToMs(token.notBefore)} />
            </dd>
          </>
        )}
        <dt>Expires</dt>
        <dd>
          {token.expiresAt !== undefined ? (
            <ExpiryMeter
              kind={kind}
              issuedAt={token.issuedAt !== undefined ? epochToMs(token.issuedAt) : obtainedAt}
              expiresAt={epochToMs(token.expiresAt)}
            />
          ) : (
            <span className="muted">No expiry given</span>
          )}
        </dd>
        {token.dpopJkt && (
          <>
            <dt>DPoP binding</dt>
            <dd className="selectable">
              Bound to key thumbprint <code>{token.dpopJkt}</code> (RFC 9449)
            </dd>
          </>
        )}
      </dl>
      {token.header && <ClaimsTable title="JWT header" claims={token.header} />}
      {token.claims ? (
        <ClaimsTable title="Claims" claims={token.claims} />
      ) : (
        <p className="muted">
          Opaque token: only the authorization server can read it.{kind === 'access' ? ' Use Introspect to ask it.' : ''}
        </p>
      )}
      {kind === 'access' && <IntrospectionResult serverId={serverId} kind="access" />}
    </section>
  );
}
