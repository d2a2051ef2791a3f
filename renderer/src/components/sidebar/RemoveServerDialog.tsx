/** Asks before removing a server: removing forgets its tokens and registration too. */
import type { ServerView } from '../../../../preload/contract.ts';
import { useKeyport } from '../../store/index.ts';
import { Dialog } from '../common/Dialog.tsx';

/** The confirmation dialog. */
export function RemoveServerDialog({ server, onClose }: { readonly server: ServerView; readonly onClose: () => void }) {
  const removeServer = useKeyport((s) => s.removeServer);
  return (
    <Dialog title="Remove server?" onClose={onClose} role="alertdialog">
      <p>
        Remove <strong>{server.name}</strong> (<span className="selectable">{server.url}</span>)? Keyport first revokes
        the tokens it holds for it at the authorization server (every account) and deletes the client registration only
        it used, then forgets its settings and secrets — even if the authorization server cannot be reached.
      </p>
      <div className="actions">
        <button type="button" onClick={onClose} autoFocus>
          Keep
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            onClose();
            void removeServer(server.id);
          }}
        >
          Remove
        </button>
      </div>
    </Dialog>
  );
}
