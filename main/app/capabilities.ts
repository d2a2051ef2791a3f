/**
 * What a connected server offers — tools, resources, prompts, log — and the user's answers to its elicitation
 * requests. Everything returned is plain data; calls can be cancelled by id.
 */
import type { ElicitationRequestView, ElicitationResponseView } from '../../preload/contract.ts';
import type { CapabilityService } from '../ipc/handlers.ts';
import type { AppContext } from './context.ts';

/** A pending elicitation: how to answer it. */
type Answer = (response: ElicitationResponseView) => void;

/** The elicitation side, created before the context (the connection manager needs the handler). */
export function createElicitationBroker(emit: () => AppContext['emit']) {
  const pending = new Map<string, Answer>();
  return {
    /** The connection layer's handler: shows the request in the window and waits for the user. */
    handler(request: ElicitationRequestView, signal: AbortSignal): Promise<ElicitationResponseView> {
      return new Promise((resolve) => {
        const finish: Answer = (response) => {
          pending.delete(request.id);
          resolve(response);
        };
        pending.set(request.id, finish);
        signal.addEventListener('abort', () => finish({ action: 'cancel' }), { once: true });
        emit()('elicitation:onRequest', request);
      });
    },
    respond(requestId: string, response: ElicitationResponseView): boolean {
      const answer = pending.get(requestId);
      if (!answer) return false;
      answer(response);
      return true;
    },
  };
}

/** The capability service over the shared context. */
export function createCapabilityService(
  context: AppContext,
  elicitation: { respond(requestId: string, response: ElicitationResponseView): boolean },
): CapabilityService {
  const running = new Map<string, AbortController>();

  return {
    async tools(id) {
      return (await context.connected(id)).listTools();
    },
    async callTool(id, call) {
      const connection = await context.connected(id);
      const controller = new AbortController();
      running.set(call.callId, controller);
      try {
        return await connection.callTool(call.tool, call.arguments, {
          signal: controller.signal,
          onProgress: (progress) => context.emit('tools:onProgress', { callId: call.callId, progress }),
        });
      } finally {
        running.delete(call.callId);
      }
    },
    async cancelCall(callId) {
      const controller = running.get(callId);
      if (!controller) return false;
      controller.abort();
      return true;
    },
    async resources(id) {
      const connection = await context.connected(id);
      if (!connection.serverInfo()?.capabilities.resources) return { resources: [], templates: [] };
      const [resources, templates] = await Promise.all([connection.listResources(), connection.listResourceTemplates()]);
      return { resources, templates };
    },
    async readResource(id, uri) {
      return (await context.connected(id)).readResource(uri);
    },
    async prompts(id) {
      const connection = await context.connected(id);
      if (!connection.serverInfo()?.capabilities.prompts) return [];
      return connection.listPrompts();
    },
    async getPrompt(id, name, args) {
      return (await context.connected(id)).getPrompt(name, args);
    },
    async log(id) {
      return context.logs.get(id) ?? [];
    },
    async respondToElicitation(requestId, response) {
      return elicitation.respond(requestId, response);
    },
  };
}
