/**
 * Add or edit a server: URL validated as you type, name, transport, and an Advanced section for auth settings. When
 * the provider needs a pre-registered client, it shows the exact redirect URI to register, with Copy.
 */
import { useState, type FormEvent } from 'react';
import type { IpcError, ServerView } from '../../../../preload/contract.ts';
import { useKeyport } from '../../store/index.ts';
import { Dialog } from '../common/Dialog.tsx';
import { AdvancedAuthFields } from './AdvancedAuthFields.tsx';
import { hasCompatSettings } from './compat-form.ts';
import { formProblems, initialFormState, toServerInput, type ServerFormState } from './server-form.ts';

/** Whether the dialog adds a new server (optionally pre-filled) or edits one. */
export type ServerDialogMode =
  | { readonly kind: 'add'; readonly url: string }
  | { readonly kind: 'edit'; readonly server: ServerView; readonly needsClientId?: boolean };

/** The dialog. */
export function ServerDialog({ mode, onClose }: { readonly mode: ServerDialogMode; readonly onClose: () => void }) {
  const addServer = useKeyport((s) => s.addServer);
  const updateServer = useKeyport((s) => s.updateServer);
  const editing = mode.kind === 'edit' ? mode.server : undefined;
  const needsClientId = mode.kind === 'edit' && mode.needsClientId === true;
  const [form, setForm] = useState<ServerFormState>(() => {
    const start = initialFormState(editing, mode.kind === 'add' ? mode.url : '');
    return needsClientId ? { ...start, mode: 'preregistered' } : start;
  });
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set(mode.kind === 'add' && mode.url ? ['url'] : []));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | undefined>();
  const problems = formProblems(form, editing);
  const change = (patch: Partial<ServerFormState>) => {
    setForm((f) => ({ ...f, ...patch }));
    setTouched((t) => new Set([...t, ...Object.keys(patch)]));
  };
  const shown = (field: keyof typeof problems) => (touched.has(field) ? problems[field] : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(new Set(Object.keys(form)));
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    const outcome = editing ? await updateServer(editing.id, toServerInput(form)) : await addServer(toServerInput(form));
    setBusy(false);
    if (outcome.ok) onClose();
    else setError(outcome.error);
  }

  const urlProblem = shown('url');
  return (
    <Dialog title={editing ? `Edit ${editing.name}` : 'Add server'} onClose={onClose}>
      <form className="server-form" onSubmit={(e) => void submit(e)} noValidate aria-label={editing ? 'Edit server' : 'Add server'}>
        <label>
          {form.transport === 'stdio' ? 'Command' : 'Server URL'}
          <input
            type={form.transport === 'stdio' ? 'text' : 'url'}
            value={form.url}
            placeholder="https://example.com/mcp"
            onChange={(e) => change({ url: e.target.value })}
            onBlur={() => setTouched((t) => new Set([...t, 'url']))}
            aria-invalid={urlProblem !== undefined}
            aria-describedby="server-url-problem"
            autoFocus={!needsClientId}
            spellCheck={false}
          />
        </label>
        <p id="server-url-problem" className={urlProblem ? 'field-problem' : 'field-ok'} role={urlProblem ? 'alert' : undefined}>
          {urlProblem ?? (form.url && form.transport !== 'stdio' ? '✓ Looks like a server address.' : '')}
        </p>
        <label>
          Name (optional)
          <input type="text" value={form.name} onChange={(e) => change({ name: e.target.value })} />
        </label>
        <label>
          Transport
          <select value={form.transport} onChange={(e) => change({ transport: e.target.value as ServerFormState['transport'] })}>
            <option value="streamable-http">Streamable HTTP</option>
            <option value="sse">HTTP + SSE (older servers)</option>
            <option value="stdio">Local command (stdio)</option>
          </select>
        </label>
        <AdvancedAuthFields form={form} change={change} shown={shown} server={editing} open={needsClientId || (editing !== undefined && (editing.auth.mode !== 'automatic' || hasCompatSettings(editing.auth)))} />
        {error && (
          <p className="field-problem" role="alert">
            {error.message}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : editing ? 'Save' : 'Add'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
