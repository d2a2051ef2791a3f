/** `keyport tools | call`: one MCP connection per command, authorized by the engine without opening a browser. */
import { createEraCache } from '../config/era-cache.ts';
import { createConnection } from '../mcp/index.ts';
import type { McpConnection } from '../mcp/index.ts';
import type { ContentView } from '../mcp/views.ts';
import type { ServerConfig } from '../config/schema.ts';
import type { ParsedArgs } from './args.ts';
import { accountOption } from './accounts.ts';
import { prepareStepUp, withStepUp } from './consent.ts';
import type { CliContext } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { table } from './format.ts';

/** Opens a connection to `server` with the core's connection config and (for HTTP) its non-interactive session. */
async function connect(ctx: CliContext, server: ServerConfig, account?: string): Promise<McpConnection> {
  const core = ctx.core();
  const config = await core.connectionConfig(server);
  const session = server.transport === 'stdio' ? undefined : await core.session(server, undefined, account);
  const connection = createConnection(config, {
    reconnect: false,
    clientInfo: { name: 'keyport-cli', version: '0.1.0' },
    // The app and the CLI share the data folder, so either one's era verdict spares the other a probe.
    eraCache: createEraCache(ctx.dataDir),
    ...(session !== undefined && { authorize: () => session }),
  });
  try {
    await connection.connect();
  } catch (err) {
    await connection.disconnect().catch(() => undefined);
    throw signInHint(err, server);
  }
  return connection;
}

/** Adds "run keyport login" to the errors that mean the user has to sign in. */
function signInHint(err: unknown, server: ServerConfig): unknown {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'not_signed_in' || code === 'needs_sign_in' || code === 'invalid_grant' || code === 'invalid_token') {
    return new CliError('not_signed_in', `${server.name} needs you to sign in: run \`keyport login ${server.name}\` and try again.`);
  }
  return err;
}

/** `tools <server>`: the server's tools (JSON: `{ tools: ToolView[] }`). */
export async function tools(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const server = await ctx.server(parsed.args.server ?? '', true);
  const connection = await connect(ctx, server, accountOption(parsed.options.account));
  try {
    const list = await connection.listTools().catch((err: unknown) => Promise.reject(signInHint(err, server)));
    if (ctx.json) ctx.io.stdout(JSON.stringify({ tools: list }));
    else if (list.length === 0) ctx.io.stdout(`${server.name} offers no tools.`);
    else ctx.io.stdout(table(list.map((t) => [t.name, (t.description ?? t.title ?? '').split('\n')[0] ?? ''])));
  } finally {
    await connection.disconnect().catch(() => undefined);
  }
}

function contentText(block: ContentView): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${Math.round((block.data.length * 3) / 4)} bytes]`;
    case 'resource_link':
      return `[resource link ${block.uri}]`;
    case 'resource':
      return 'text' in block.resource && typeof block.resource.text === 'string' ? block.resource.text : `[resource ${block.resource.uri}]`;
  }
}

/** `call <server> <tool> [--args JSON]`: a tool-level error (`isError`) prints the result and exits 1. */
export async function call(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  let args: Record<string, unknown> = {};
  const raw = parsed.options.args;
  if (typeof raw === 'string') {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UsageError(`--args is not valid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--args must be a JSON object, e.g. \'{"key": "value"}\'');
    args = value as Record<string, unknown>;
  }
  const server = await ctx.server(parsed.args.server ?? '', true);
  const account = accountOption(parsed.options.account);
  prepareStepUp(ctx, parsed);
  // A call refused for missing scopes asks (or takes --yes), signs in again with them and runs once more (issue 14).
  const result = await withStepUp(ctx, parsed, server, account, async () => {
    const connection = await connect(ctx, server, account);
    try {
      return await connection.callTool(parsed.args.tool ?? '', args);
    } finally {
      await connection.disconnect().catch(() => undefined);
    }
  }).catch((err: unknown) => Promise.reject(signInHint(err, server)));
  if (ctx.json) ctx.io.stdout(JSON.stringify({ result }));
  else {
    const text = result.content.map(contentText).join('\n');
    if (text !== '') ctx.io.stdout(text);
    else if (result.structuredContent !== undefined) ctx.io.stdout(JSON.stringify(result.structuredContent, null, 2));
  }
  if (result.isError) throw new CliError('tool_error', `The tool "${result.tool}" reported an error.`);
}
