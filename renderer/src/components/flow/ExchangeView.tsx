/** One redacted HTTP request and response, as text (secrets were replaced by main before it reached us). */
import type { HttpExchangeView } from '../../../../preload/contract.ts';
import { formatDuration } from '../../lib/time.ts';

function headerText(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

/** The exchange. */
export function ExchangeView({ exchange }: { readonly exchange: HttpExchangeView }) {
  return (
    <div className="exchange">
      <p className="exchange-line selectable">
        <code>
          {exchange.method} {exchange.url}
        </code>{' '}
        → {exchange.status ?? 'no response'} <span className="muted">({formatDuration(exchange.durationMs)})</span>
      </p>
      {exchange.error && <p className="bad selectable">{exchange.error}</p>}
      <div className="exchange-body">
        <section aria-label="Request">
          <h5>Request</h5>
          <pre className="selectable">{headerText(exchange.requestHeaders)}</pre>
          {exchange.requestBody && <pre className="selectable">{exchange.requestBody}</pre>}
        </section>
        <section aria-label="Response">
          <h5>Response</h5>
          <pre className="selectable">{headerText(exchange.responseHeaders)}</pre>
          {exchange.responseBody && <pre className="selectable">{exchange.responseBody}</pre>}
        </section>
      </div>
    </div>
  );
}
