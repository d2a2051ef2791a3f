/**
 * "Paste the address" in the sign-in banner: when the browser that finished signing in cannot reach Keyport's
 * loopback (it runs on another machine, in a container, behind SSH), the user copies the address it ended on and
 * pastes it here. Main checks it exactly like a callback; the answer says accepted or why not, never repeating the
 * pasted text, and the field is emptied once sent so the address (it carries a single-use code) does not linger.
 */
import { useState, type FormEvent } from 'react';
import { useKeyport } from '../../store/index.ts';

/** The field for one server's waiting sign-in. */
export function PasteRedirectField({ serverId }: { readonly serverId: string }) {
  const paste = useKeyport((s) => s.pasteRedirect);
  const result = useKeyport((s) => s.pasteResults[serverId]);
  const [address, setAddress] = useState('');
  const [sending, setSending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = address.trim();
    if (text === '') return;
    setSending(true);
    setAddress('');
    try {
      await paste(serverId, text);
    } finally {
      setSending(false);
    }
  };

  return (
    <details className="paste-redirect" open={result !== undefined ? true : undefined}>
      <summary>Browser on another device? Paste the address it ended on</summary>
      <form className="paste-form" onSubmit={(e) => void submit(e)}>
        <label>
          Paste the address
          <input
            type="text"
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            maxLength={8192}
            placeholder="http://127.0.0.1:…/callback?code=…&state=…"
          />
        </label>
        <button type="submit" disabled={sending || address.trim() === ''}>
          Use this address
        </button>
      </form>
      {result?.accepted === true && (
        <p className="good" role="status" data-testid="paste-result">
          Address accepted; finishing the sign-in…
        </p>
      )}
      {result?.accepted === false && (
        <p className="warning" role="alert" data-testid="paste-result">
          {result.message ?? 'Keyport refused the pasted address. Paste the whole address your browser ended on.'}
        </p>
      )}
    </details>
  );
}
