/** The add-server form: a URL validated as you type and an optional name. Advanced auth settings come later. */
import { useState, type FormEvent } from 'react';
import type { IpcError } from '../../../preload/contract.ts';
import { useKeyport } from '../store/index.ts';

/** Returns why a URL cannot be an MCP server address, or undefined when it can. */
export function urlProblem(value: string): string | undefined {
  if (value.trim() === '') return 'Enter the server’s URL.';
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'That is not a URL. It should look like https://example.com/mcp.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an https:// URL.';
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) return 'Plain http:// is only allowed for servers on this computer.';
  return undefined;
}

/** The form; calls `onDone` after a successful add. */
export function AddServerForm({ onDone }: { readonly onDone: () => void }) {
  const addServer = useKeyport((s) => s.addServer);
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>();
  const problem = urlProblem(url);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    setBusy(true);
    const failed = await addServer({ url: url.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
    setBusy(false);
    if (failed) setError(failed);
    else onDone();
  }

  return (
    <form className="add-server" onSubmit={(e) => void submit(e)} aria-label="Add server" noValidate>
      <label>
        Server URL
        <input
          type="url"
          value={url}
          placeholder="https://example.com/mcp"
          onChange={(e) => setUrl(e.target.value)}
          onBlur={() => setTouched(true)}
          aria-invalid={touched && problem !== undefined}
          aria-describedby="add-server-url-problem"
          autoFocus
        />
      </label>
      {touched && problem && (
        <p id="add-server-url-problem" className="field-problem" role="alert">
          {problem}
        </p>
      )}
      <label>
        Name (optional)
        <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      {error && (
        <p className="field-problem" role="alert">
          {error.message}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add'}
      </button>
    </form>
  );
}
