/** Prompts: the server's prompts; fill a prompt's arguments and Get it to see the messages it renders. */
import { useEffect, useState } from 'react';
import type { PromptView } from '../../../../preload/contract.ts';
import { useKeyport } from '../../store/index.ts';
import { ContentBlock } from '../common/ContentBlock.tsx';
import { LoadableContent } from '../common/LoadableContent.tsx';
import { CatalogPanes } from './CatalogPanes.tsx';

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
    <CatalogPanes
      list={
        <LoadableContent loadable={prompts} loadingText="Loading…" errorTitle="Could not list the prompts">
          {(list) =>
            list.length === 0 ? (
              <p className="muted">No prompts.</p>
            ) : (
              list.map((p) => <PromptForm key={p.name} prompt={p} onGet={(args) => void getPrompt(serverId, p.name, args)} />)
            )
          }
        </LoadableContent>
      }
      detail={
        <LoadableContent loadable={result} loadingText="Getting the prompt…" errorTitle="Could not get the prompt">
          {(prompt) => (
            <section aria-label="Prompt messages">
              <h3>{prompt.name}</h3>
              {prompt.description && <p className="muted server-text">{prompt.description}</p>}
              {prompt.messages.map((m, i) => (
                <div key={i} className={`message message-${m.role}`}>
                  <p className="muted">{m.role}</p>
                  <ContentBlock block={m.content} />
                </div>
              ))}
            </section>
          )}
        </LoadableContent>
      }
    />
  );
}
