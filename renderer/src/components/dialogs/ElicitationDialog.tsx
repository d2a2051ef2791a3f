/** A server asks the user for input (form elicitation): a form from its schema with defaults, Accept or Decline. */
import { useMemo, useState } from 'react';
import type { ElicitationRequestView } from '../../../../preload/contract.ts';
import { buildArguments, draftOfValue, fieldSpecOf } from '../../lib/schema-form.ts';
import { useKeyport } from '../../store/index.ts';
import { Dialog } from '../common/Dialog.tsx';
import { ProblemList } from '../common/ProblemList.tsx';
import { FieldEditor } from '../tools/FieldEditor.tsx';

type Answer = Record<string, string | number | boolean | string[]>;

function ElicitationForm({ request }: { readonly request: ElicitationRequestView }) {
  const respond = useKeyport((s) => s.respondToElicitation);
  const serverName = useKeyport((s) => s.servers.find((x) => x.id === request.serverId)?.name);
  const spec = useMemo(() => fieldSpecOf(request.requestedSchema), [request.requestedSchema]);
  const [draft, setDraft] = useState(() => draftOfValue(spec, request.defaults));
  const [problems, setProblems] = useState<readonly string[]>([]);
  const accept = () => {
    const built = buildArguments(spec, draft);
    setProblems(built.problems);
    if (built.problems.length === 0) void respond(request.id, { action: 'accept', content: built.args as Answer });
  };
  return (
    <Dialog title={`${serverName ?? 'A server'} asks for input`} onClose={() => void respond(request.id, { action: 'cancel' })}>
      <p className="server-text selectable">{request.message}</p>
      <form
        className="tool-form"
        onSubmit={(e) => {
          e.preventDefault();
          accept();
        }}
      >
        <FieldEditor spec={spec} draft={draft} onChange={setDraft} name="" path="answer" />
        <ProblemList problems={problems} />
        <div className="actions">
          <button type="button" onClick={() => void respond(request.id, { action: 'decline' })}>
            Decline
          </button>
          <button type="submit" className="primary">
            Accept
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Shows the oldest pending elicitation, one at a time. */
export function ElicitationDialog() {
  const request = useKeyport((s) => s.elicitations[0]);
  if (!request) return null;
  return <ElicitationForm key={request.id} request={request} />;
}
