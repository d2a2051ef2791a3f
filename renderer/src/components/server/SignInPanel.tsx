/**
 * The sign-in banner: "Finish signing in in your browser" with the authorization server's name, Cancel and Copy
 * link while waiting, and a field to paste the address the browser ended on (issue 13); for a device sign-in the
 * code to enter, its QR code and countdown instead; then success, or the failure with main's advice and what to do
 * next.
 */
import { useState } from 'react';
import { useKeyport } from '../../store/index.ts';
import type { SignInFlow } from '../../store/auth-slice.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { LocalTime } from '../common/LocalTime.tsx';
import { ServerDialog } from '../dialogs/ServerDialog.tsx';
import { DeviceCodePanel } from './DeviceCodePanel.tsx';
import { PasteRedirectField } from './PasteRedirectField.tsx';

const idle: SignInFlow = { phase: 'idle' };

/** Hostname of an issuer URL for display; the full URL stays in the title. */
function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The banner for one server. */
export function SignInPanel({ serverId }: { readonly serverId: string }) {
  const flow = useKeyport((s) => s.signIns[serverId] ?? idle);
  const server = useKeyport((s) => s.servers.find((x) => x.id === serverId));
  const cancel = useKeyport((s) => s.cancelSignIn);
  const copyLink = useKeyport((s) => s.copySignInLink);
  const dismiss = useKeyport((s) => s.dismissSignIn);
  const signIn = useKeyport((s) => s.signIn);
  const device = useKeyport((s) => s.deviceCodes[serverId]);
  const [editing, setEditing] = useState(false);

  if (device && (flow.phase === 'starting' || flow.phase === 'waiting')) return <DeviceCodePanel serverId={serverId} device={device} />;

  switch (flow.phase) {
    case 'idle':
      return null;
    case 'starting':
      return (
        <div className="banner banner-busy" role="status" aria-label="Sign-in">
          <p>
            <span aria-hidden="true">◌ </span>Preparing sign-in: discovering the authorization server…
          </p>
          <button type="button" onClick={() => void cancel(serverId)}>
            Cancel
          </button>
        </div>
      );
    case 'waiting': {
      const as = hostOf(flow.authorizationServer);
      return (
        <div className="banner banner-busy" role="status" aria-label="Sign-in">
          <p>
            <strong>Finish signing in in your browser.</strong>{' '}
            {as ? (
              <>
                Keyport opened <span className="selectable" title={flow.authorizationServer}>{as}</span>’s sign-in page.
              </>
            ) : (
              'Keyport opened the sign-in page.'
            )}{' '}
            <span className="muted">
              Started <LocalTime at={flow.since} />.
            </span>
          </p>
          <div className="actions">
            <button type="button" onClick={() => void copyLink(serverId)}>
              Copy link
            </button>
            <button type="button" onClick={() => void cancel(serverId)}>
              Cancel
            </button>
          </div>
          <PasteRedirectField serverId={serverId} />
        </div>
      );
    }
    case 'succeeded':
      return (
        <div className="banner banner-good" role="status" aria-label="Sign-in">
          <p>
            <span aria-hidden="true">✓ </span>Signed in{flow.scopes.length > 0 ? ` with ${flow.scopes.join(' ')}` : ''}.
          </p>
          <button type="button" onClick={() => dismiss(serverId)}>
            Dismiss
          </button>
        </div>
      );
    case 'cancelled':
      return (
        <div className="banner" role="status" aria-label="Sign-in">
          <p>Sign-in cancelled.</p>
          <div className="actions">
            <button type="button" onClick={() => void signIn(serverId)}>
              Sign in again
            </button>
            <button type="button" onClick={() => dismiss(serverId)}>
              Dismiss
            </button>
          </div>
        </div>
      );
    case 'failed':
      return (
        <>
          <ErrorBox error={flow.error} title="Sign-in failed">
            {flow.error.code === 'client_id_required' && server && (
              <button type="button" className="primary" onClick={() => setEditing(true)}>
                Enter a client ID…
              </button>
            )}
            <button type="button" onClick={() => void signIn(serverId)}>
              Try again
            </button>
            <button type="button" onClick={() => dismiss(serverId)}>
              Dismiss
            </button>
          </ErrorBox>
          {editing && server && (
            <ServerDialog mode={{ kind: 'edit', server, needsClientId: true }} onClose={() => setEditing(false)} />
          )}
        </>
      );
  }
}
