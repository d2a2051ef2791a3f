/** Prompts: the server's prompts; fill a prompt's arguments and Get it to see the messages it renders. */
import { useEffect, useState } from 'react';
import type { PromptView } from '../../../../preload/contract.ts';
import { useKeyport } from '../../store/index.ts';
import { ContentBlock } from '../common/ContentBlock.tsx';
import { ErrorBox } from '../common/ErrorBox.tsx';

function PromptForm({ prompt, onGet }: { readonly prompt: PromptView; readonly onGet: (args: Record<string, string>) => void }) {
  const [values, setValues] = useState<Readonly<Record<string, string>>>({});
  const missing = prompt.arguments.filter((a) => a.required && !values[a.name]);
  return (
    <form
      className="template-form"
      aria-label={`Prompt ${prompt.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (missing.length === 0) onGet(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')));
      }}
    >
      <p>
        <strong>{prompt.title ?? prompt.name}</strong>
      </p>
      {prompt.description && <p className="muted server-text">{prompt.description}</p>}
      {prompt.arguments.map((a) => (
        <label key={a.name}>
          <span>
            {a.name}
            {a.required && <span className="required" aria-hidden="true"> *</span>}
            {a.description && <span className="muted"> — {a.description}</span>}
          </span>
          <input type="text" value={values[a.name] ?? ''} aria-required={a.required} onChange={(e) => setValues({ ...values, [a.name]: e.target.value })} />
        </label>
      ))}
      <button type="submit" disabled={missing.length > 0}>
        Get prompt
      </button>
    </form>
  );
}

/** The Prompts tab of one server. */
export function PromptsTab({ serverId }: { readonly serverId: string }) {
  const prompts = useKeyport((s) => s.prompts[serverId]);
  const result = useKeyport((s) => s.promptResults[serverId]);
  const load = useKeyport((s) => s.loadPrompts);
  const getPrompt = useKeyport((s) => s.getPrompt);
  useEffect(() => {
    void load(serverId);
  }, [serverId, load]);
  return (
    <div className="catalog">
      <div className="catalog-list">
        {prompts?.state === 'failed' && <ErrorBox error={prompts.error} title="Could not list the prompts" />}
        {prompts?.state === 'loading' && <p className="muted">Loading…</p>}
        {prompts?.state === 'ready' &&
          (prompts.value.length === 0 ? (
            <p className="muted">No prompts.</p>
          ) : (
            prompts.value.map((p) => <PromptForm key={p.name} prompt={p} onGet={(args) => void getPrompt(serverId, p.name, args)} />)
          ))}
      </div>
      <div className="catalog-detail" aria-live="polite">
        {result?.state === 'loading' && <p className="muted">Getting the prompt…</p>}
        {result?.state === 'failed' && <ErrorBox error={result.error} title="Could not get the prompt" />}
        {result?.state === 'ready' && (
          <section aria-label="Prompt messages">
            <h3>{result.value.name}</h3>
            {result.value.description && <p className="muted server-text">{result.value.description}</p>}
            {result.value.messages.map((m, i) => (
              <div key={i} className={`message message-${m.role}`}>
                <p className="muted">{m.role}</p>
                <ContentBlock block={m.content} />
              </div>
            ))}
          </section>
        )}
      </div>
    </div>
  );
}
