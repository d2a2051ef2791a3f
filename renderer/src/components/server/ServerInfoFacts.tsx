/** What the server said about itself at initialization: name, version, protocol and its era, capabilities, instructions. */
import type { ServerInfoView } from '../../../../preload/contract.ts';

/** How each protocol era reads in the overview: the wire Keyport negotiated with the server. */
const ERA_LABELS: Readonly<Record<NonNullable<ServerInfoView['protocolEra']>, string>> = {
  modern: 'Modern (2026-07-28: server/discover, no sessions)',
  legacy: 'Legacy (2025-11-25 and earlier: initialize, sessions)',
};

/** Renders the server info (all server-provided text as text). */
export function ServerInfoFacts({ info }: { readonly info: ServerInfoView }) {
  const caps = Object.entries(info.capabilities) as [keyof ServerInfoView['capabilities'], boolean][];
  return (
    <section aria-label="Server information">
      <h3>Server</h3>
      <dl className="facts">
        <dt>Name</dt>
        <dd className="selectable" data-testid="server-info-name">
          {info.title ? `${info.title} (${info.name})` : info.name}
        </dd>
        <dt>Version</dt>
        <dd className="selectable">{info.version}</dd>
        <dt>Protocol</dt>
        <dd>{info.protocolVersion ?? '—'}</dd>
        {info.protocolEra && (
          <>
            <dt>Protocol era</dt>
            <dd data-testid="server-info-era">{ERA_LABELS[info.protocolEra]}</dd>
          </>
        )}
        <dt>Transport</dt>
        <dd>{info.transport}</dd>
        <dt>Capabilities</dt>
        <dd>
          <ul className="chips" aria-label="Capabilities">
            {caps.map(([name, on]) => (
              <li key={name} className={on ? 'chip' : 'chip chip-off'}>
                <span aria-hidden="true">{on ? '✓ ' : '– '}</span>
                {name}
                <span className="visually-hidden">{on ? ' supported' : ' not supported'}</span>
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      {info.instructions && (
        <>
          <h4>Instructions from the server</h4>
          <p className="server-text selectable">{info.instructions}</p>
        </>
      )}
    </section>
  );
}
