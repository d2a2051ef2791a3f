/** One tool: its description and hints, the argument form (or raw JSON), Call/Cancel with progress, and results. */
import { useMemo, useState } from 'react';
import type { ToolView } from '../../../../preload/contract.ts';
import { buildArguments, draftOfValue, fieldSpecOf, initialDraft, type Draft } from '../../lib/schema-form.ts';
import { useKeyport } from '../../store/index.ts';
import { ProblemList } from '../common/ProblemList.tsx';
import { CallHistory } from './CallHistory.tsx';
import { CallOutcome } from './CallOutcome.tsx';
import { FieldEditor } from './FieldEditor.tsx';

/** The argument editor is a generated form or raw JSON. */
type EditorMode = { readonly kind: 'form'; readonly draft: Draft } | { readonly kind: 'json'; readonly text: string };

/** Props of {@link ToolPanel}. */
export interface ToolPanelProps {
  readonly serverId: string;
  readonly tool: ToolView;
}

/** The panel. */
export function ToolPanel({ serverId, tool }: ToolPanelProps) {
  const spec = useMemo(() => fieldSpecOf(tool.inputSchema), [tool.inputSchema]);
  const [editor, setEditor] = useState<EditorMode>(() => ({ kind: 'form', draft: initialDraft(spec) }));
  const [problems, setProblems] = useState<readonly string[]>([]);
  const callTool = useKeyport((s) => s.callTool);
  const cancel = useKeyport((s) => s.cancelCall);
  const latest = useKeyport((s) => {
    const id = (s.callHistory[serverId] ?? []).find((c) => s.calls[c]?.tool === tool.name);
    return id ? s.calls[id] : undefined;
  });
  const running = latest?.phase === 'running';

  const currentArgs = (): { args?: Record<string, unknown>; problems: readonly string[] } => {
    if (editor.kind === 'form') return buildArguments(spec, editor.draft);
    try {
      const parsed = JSON.parse(editor.text || '{}') as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problems: ['The arguments must be a JSON object.'] };
      return { args: parsed as Record<string, unknown>, problems: [] };
    } catch {
      return { problems: ['The arguments are not valid JSON.'] };
    }
  };
  const switchMode = () => {
    if (editor.kind === 'form') {
      setEditor({ kind: 'json', text: JSON.stringify(buildArguments(spec, editor.draft).args, null, 2) });
    } else {
      const { args, problems: p } = currentArgs();
      if (!args) return setProblems(p);
      setEditor({ kind: 'form', draft: draftOfValue(spec, args) });
    }
    setProblems([]);
  };
  const call = () => {
    const { args, problems: p } = currentArgs();
    setProblems(p);
    if (args && p.length === 0) void callTool(serverId, tool.name, args);
  };
  const hints = tool.annotations;

  return (
    <section className="tool-panel" aria-label={`Tool ${tool.name}`}>
      <h3 className="selectable">{tool.title ?? tool.name}</h3>
      {tool.title && <p className="muted selectable">{tool.name}</p>}
      {tool.description && <p className="server-text selectable">{tool.description}</p>}
      {hints && (
        <ul className="chips" aria-label="Hints from the server">
          {hints.readOnlyHint && <li className="chip">read-only</li>}
          {hints.destructiveHint && <li className="chip chip-warn">destructive</li>}
          {hints.idempotentHint && <li className="chip">idempotent</li>}
          {hints.openWorldHint && <li className="chip">open world</li>}
        </ul>
      )}
      <form
        className="tool-form"
        aria-label="Arguments"
        onSubmit={(e) => {
          e.preventDefault();
          call();
        }}
      >
        <div className="actions">
          <button type="button" onClick={switchMode} aria-pressed={editor.kind === 'json'}>
            {editor.kind === 'form' ? 'Edit as JSON' : 'Edit as form'}
          </button>
        </div>
        {editor.kind === 'form' ? (
          <FieldEditor spec={spec} draft={editor.draft} onChange={(draft) => setEditor({ kind: 'form', draft })} name="" path="arg" />
        ) : (
          <label>
            Arguments (JSON)
            <textarea
              className="json-editor"
              rows={10}
              spellCheck={false}
              value={editor.text}
              onChange={(e) => setEditor({ kind: 'json', text: e.target.value })}
            />
          </label>
        )}
        <ProblemList problems={problems} />
        <div className="actions">
          <button type="submit" className="primary" disabled={running}>
            {running ? 'Calling…' : 'Call'}
          </button>
          {running && latest && (
            <button type="button" onClick={() => void cancel(latest.callId)}>
              Cancel
            </button>
          )}
        </div>
      </form>
      {latest && <CallOutcome call={latest} />}
      <CallHistory serverId={serverId} tool={tool.name} />
    </section>
  );
}
