/**
 * Building the SDK v2 `Client` of one session: what Keyport declares, which server notifications it listens to, and
 * how the server's self-description becomes a `ServerInfoView`. One client per session; a reconnect builds a new one.
 */
import { Client } from '@modelcontextprotocol/client';
import type { JsonSchemaType, JsonSchemaValidator, Transport, jsonSchemaValidator } from '@modelcontextprotocol/client';
import type { ElicitationHandler } from './config.ts';
import { elicitationHandler } from './elicitation.ts';
import type { LogMessageView, ServerInfoView } from './views.ts';

/** Most pages a list call walks before Keyport gives up on a server whose cursor never ends. */
export const MAX_PAGES = 100;

/** What the session's client reports to the connection. */
export interface ClientHooks {
  readonly serverId: string;
  readonly now: () => number;
  readonly log: (message: LogMessageView) => void;
  readonly toolsChanged: () => void;
  readonly resourcesChanged: () => void;
  readonly promptsChanged: () => void;
  readonly resourceUpdated: (uri: string) => void;
  readonly onElicitation?: ElicitationHandler;
}

/**
 * Handed to the SDK `Client`, whose own output-schema check is bypassed on purpose: Keyport checks inputs and
 * outputs itself (catalog.ts), compiling lazily, and a schema the SDK could not compile must not block a call.
 */
const acceptEverything: jsonSchemaValidator = {
  getValidator: <T>(_schema: JsonSchemaType): JsonSchemaValidator<T> => (input: unknown) => ({ valid: true, data: input as T, errorMessage: undefined }),
};

/**
 * A client for one session. `negotiate` is the era policy (`'auto'` for HTTP, `'legacy'` for stdio); list calls
 * walk at most {@link MAX_PAGES} pages.
 */
export function makeClient(clientInfo: { readonly name: string; readonly version: string }, negotiate: 'auto' | 'legacy', hooks: ClientHooks): Client {
  const client = new Client(
    { ...clientInfo },
    {
      jsonSchemaValidator: acceptEverything,
      capabilities: hooks.onElicitation !== undefined ? { elicitation: { form: { applyDefaults: true } } } : {},
      versionNegotiation: { mode: negotiate },
      listMaxPages: MAX_PAGES,
    },
  );
  client.setNotificationHandler('notifications/message', (n) => {
    const p = n.params;
    hooks.log({ at: hooks.now(), level: p.level, data: p.data, source: 'server', ...(p.logger !== undefined ? { logger: p.logger } : {}) });
  });
  client.setNotificationHandler('notifications/tools/list_changed', () => hooks.toolsChanged());
  client.setNotificationHandler('notifications/resources/list_changed', () => hooks.resourcesChanged());
  client.setNotificationHandler('notifications/prompts/list_changed', () => hooks.promptsChanged());
  client.setNotificationHandler('notifications/resources/updated', (n) => hooks.resourceUpdated(n.params.uri));
  if (hooks.onElicitation !== undefined) client.setRequestHandler('elicitation/create', elicitationHandler(hooks.serverId, hooks.onElicitation));
  return client;
}

/** What the server said about itself (at `initialize` or in its `server/discover` result), as plain data. */
export function describe(client: Client, transport: Transport, kind: ServerInfoView['transport']): ServerInfoView {
  const v = client.getServerVersion();
  const caps = client.getServerCapabilities() ?? {};
  const protocolVersion = client.getNegotiatedProtocolVersion() ?? (transport as { protocolVersion?: unknown }).protocolVersion;
  const era = client.getProtocolEra();
  const instructions = client.getInstructions();
  const title = typeof v?.title === 'string' ? v.title : undefined;
  return {
    name: typeof v?.name === 'string' ? v.name : 'unknown',
    version: typeof v?.version === 'string' ? v.version : 'unknown',
    transport: kind,
    capabilities: {
      tools: caps.tools !== undefined,
      resources: caps.resources !== undefined,
      prompts: caps.prompts !== undefined,
      logging: caps.logging !== undefined,
      completions: caps.completions !== undefined,
    },
    ...(era !== undefined ? { protocolEra: era } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(typeof protocolVersion === 'string' ? { protocolVersion } : {}),
    ...(typeof instructions === 'string' ? { instructions } : {}),
  };
}
