/** The exact redirect URI to register at the provider for a pre-registered client, with a Copy button. */
import { useEffect, useState } from 'react';
import type { ServerView } from '../../../../preload/contract.ts';
import { copyPlainText } from '../../lib/clipboard.ts';
import { useKeyport } from '../../store/index.ts';

/** Shows main's redirect URI for this server (known once the server is saved). */
export function RedirectUriField({ server }: { readonly server: ServerView | undefined }) {
  const uri = useKeyport((s) => (server ? s.redirectUris[server.id] : undefined));
  const load = useKeyport((s) => s.loadRedirectUri);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (server) void load(server.id);
  }, [server, load]);

  if (!server) {
    return (
      <p className="hint">
        Add the server first: Keyport then shows the exact redirect URI to register at the provider. Pin a callback port
        below if the provider needs the port in advance.
      </p>
    );
  }
  return (
    <div className="redirect-uri">
      <p className="hint">Register this redirect URI at the provider for your client:</p>
      <div className="copy-row">
        <code className="selectable" data-testid="redirect-uri">
          {uri ?? 'Loading…'}
        </code>
        <button
          type="button"
          disabled={!uri}
          onClick={() => void (uri ? copyPlainText(uri).then((ok) => setCopy(ok ? 'copied' : 'failed')) : undefined)}
        >
          Copy redirect URI
        </button>
      </div>
      <p className="hint" role="status">
        {copy === 'copied' ? 'Copied.' : copy === 'failed' ? 'Could not reach the clipboard: select the URI and press Ctrl+C.' : ''}
      </p>
    </div>
  );
}
