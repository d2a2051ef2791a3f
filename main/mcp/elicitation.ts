/**
 * Elicitation: a server asks the user for input mid-request. On the 2025-11-25 wire it sends `elicitation/create`
 * as a request of its own; on the 2026-07-28 wire it answers the tool call with `input_required` and the SDK feeds
 * the embedded request to the same handler, then retries the call with the answer. Either way the user sees one
 * form, built from the server's flat schema with its defaults filled in.
 */
import type { ClientContext, ElicitRequest, ElicitResult } from '@modelcontextprotocol/client';
import type { ElicitationHandler } from './config.ts';
import { schemaDefaults } from './convert.ts';
import type { ElicitationRequestView } from './views.ts';

/** Longest message shown in the form; a server cannot flood the window. */
const MAX_MESSAGE = 2000;

/**
 * The `elicitation/create` handler for one connection. Form mode goes to the user; URL mode is declined (Keyport
 * does not declare it: opening a server-chosen address needs its own consent screen). Answers are copied field by
 * field, so nothing but the form's primitive values travels back.
 */
export function elicitationHandler(serverId: string, onElicitation: ElicitationHandler): (request: ElicitRequest, ctx: ClientContext) => Promise<ElicitResult> {
  let counter = 0;
  return async (request, ctx) => {
    const params = request.params;
    if (params.mode === 'url') return { action: 'decline' };
    counter += 1;
    const view: ElicitationRequestView = {
      serverId,
      id: `${serverId}#${counter}`,
      message: params.message.slice(0, MAX_MESSAGE),
      requestedSchema: { ...params.requestedSchema },
      defaults: schemaDefaults(params.requestedSchema),
    };
    const answer = await onElicitation(view, ctx.mcpReq.signal);
    if (answer.action !== 'accept') return { action: answer.action };
    const content: Record<string, string | number | boolean | string[]> = {};
    for (const [k, v] of Object.entries(answer.content)) content[k] = Array.isArray(v) ? [...(v as readonly string[])] : (v as string | number | boolean);
    return { action: 'accept', content };
  };
}
