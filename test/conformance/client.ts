/**
 * Keyport's MCP conformance client: the product's own connection layer (`createConnection` from main/mcp, version
 * negotiation `auto`) over the OAuth engine's authorized fetch, for whatever scenario `MCP_CONFORMANCE_SCENARIO`
 * names. It plays a user who connects, lists the tools and calls them; the only scenario-specific code is what a
 * scenario's context dictates (credentials, a pre-obtained assertion, which tool to call with which arguments).
 *
 * Usage (by the runner): MCP_CONFORMANCE_SCENARIO=<name> [MCP_CONFORMANCE_CONTEXT=<json>] client.ts <server-url>
 */
import { createConnection, isMcpConnectionError } from '../../main/mcp/index.ts';
import type { ElicitationHandler, McpConnection, ToolView } from '../../main/mcp/index.ts';
import { createOAuthEngine, InMemoryCredentialStore, type ServerAuthSettings, type ServerTarget } from '../../main/oauth/index.ts';
import { followAuthorizationRedirects } from './user-agent.ts';

/** The client ID metadata document URL the suites expect (SEP-991). */
const CIMD_URL = 'https://conformance-test.local/client-metadata.json';

type Context = Record<string, unknown>;

/** A tool call the scenario's context asks for. */
interface ToolCall {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

function str(ctx: Context, key: string): string {
  const v = ctx[key];
  if (typeof v !== 'string') throw new Error(`the scenario context has no ${key}`);
  return v;
}

/** The credentials a scenario hands over (its context dictates them); otherwise Keyport's defaults. */
function settingsFor(scenario: string, ctx: Context): ServerAuthSettings {
  switch (scenario) {
    case 'auth/pre-registration':
      return { mode: 'preregistered', clientId: str(ctx, 'client_id'), clientSecret: str(ctx, 'client_secret') };
    case 'auth/client-credentials-basic':
      return { mode: 'client-credentials', clientId: str(ctx, 'client_id'), clientSecret: str(ctx, 'client_secret'), tokenEndpointAuthMethod: 'client_secret_basic' };
    case 'auth/client-credentials-jwt':
      return {
        mode: 'client-credentials',
        clientId: str(ctx, 'client_id'),
        privateKeyPem: str(ctx, 'private_key_pem'),
        privateKeyAlg: typeof ctx.signing_algorithm === 'string' ? ctx.signing_algorithm : 'ES256',
        tokenEndpointAuthMethod: 'private_key_jwt',
      };
    case 'auth/cross-app-access-complete-flow':
    case 'auth/enterprise-managed-authorization':
      return { mode: 'preregistered', clientId: str(ctx, 'client_id'), clientSecret: str(ctx, 'client_secret'), tokenEndpointAuthMethod: 'client_secret_basic' };
    case 'auth/wif-jwt-bearer':
      return { mode: 'preregistered', clientId: str(ctx, 'client_id'), tokenEndpointAuthMethod: 'none' };
    case 'auth/basic-cimd':
      // The scenario that tests SEP-991 requires this client_id URL.
      return { mode: 'automatic', clientMetadataDocumentUrl: CIMD_URL };
    default:
      // Keyport's defaults: no metadata document configured, so dynamic registration (with refresh_token).
      return { mode: 'automatic' };
  }
}

/** A value a user would type into a required field without a default. */
function placeholder(schema: unknown): unknown {
  const s = (schema ?? {}) as { type?: unknown; enum?: unknown[]; default?: unknown };
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (s.type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return 'test';
  }
}

/** Values for a schema's required properties (optional ones are left out, as a user filling a form would). */
function requiredValues(schema: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const props = (schema?.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(schema?.required) ? (schema.required as unknown[]) : [];
  const out: Record<string, unknown> = {};
  for (const name of required) if (typeof name === 'string') out[name] = placeholder(props[name]);
  return out;
}

/** The user accepts every form; Keyport applies the schema's defaults to what they leave out (SEP-1034). */
const acceptForm: ElicitationHandler = async (request) => ({
  action: 'accept',
  content: requiredValues(request.requestedSchema) as Record<string, string | number | boolean>,
});

/**
 * Failures of one tool call that leave the session usable: the user sees them and moves on to the next tool. A
 * `protocol_error` here is one answer Keyport could not use (e.g. a 2026-07-28 result without `resultType`, which
 * the SDK refuses while the suite wants it read as complete), not a broken connection.
 */
const TOOL_LEVEL = new Set(['tool_error', 'invalid_arguments', 'invalid_output', 'unsupported', 'server_error', 'not_found', 'protocol_error']);

/** Arguments as Keyport's tool form sends them: a field the user leaves empty is left out, never sent as null. */
function asFilledIn(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined));
}

/** The calls to make: the context's when it names them, else one per listed tool with its required arguments. */
function plannedCalls(scenario: string, tools: readonly ToolView[], ctx: Context): ToolCall[] {
  if (Array.isArray(ctx.toolCalls)) return (ctx.toolCalls as ToolCall[]).map((c) => ({ name: c.name, arguments: asFilledIn(c.arguments) }));
  if (scenario === 'json-schema-2020-12-preservation') {
    // The scenario asks the client to echo the focal tool's input schema back, exactly as listed.
    const focal = tools.find((t) => t.name === 'json_schema_2020_12_tool');
    if (!focal) throw new Error('focal tool not advertised');
    return [{ name: 'json_schema_echo', arguments: { schema: focal.inputSchema } }];
  }
  return tools.map((t) => ({ name: t.name, arguments: requiredValues(t.inputSchema) }));
}

async function session(conn: McpConnection, scenario: string, ctx: Context, verbose: boolean): Promise<void> {
  const info = await conn.connect();
  if (verbose) console.error('connected:', info.protocolEra, info.protocolVersion, info.transport);
  const tools = await conn.listTools();
  for (const call of plannedCalls(scenario, tools, ctx)) {
    if (!tools.some((t) => t.name === call.name)) continue;
    try {
      const result = await conn.callTool(call.name, call.arguments);
      if (verbose) console.error(`${call.name}:`, result.isError ? 'isError' : 'ok');
    } catch (err) {
      if (!isMcpConnectionError(err) || !TOOL_LEVEL.has(err.code)) throw err;
      if (verbose) console.error(`${call.name}: [${err.code}] ${err.message}`);
    }
  }
}

async function main(): Promise<void> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const serverUrl = process.argv[2];
  if (!serverUrl) throw new Error('usage: client <server-url>');
  const ctx = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as Context;
  const verbose = process.env.KEYPORT_CONFORMANCE_VERBOSE === '1';

  const engine = createOAuthEngine({
    store: new InMemoryCredentialStore(),
    openBrowser: (url) => followAuthorizationRedirects(url),
    requestTimeoutMs: 15_000,
    // The mock authorization server answers at once; the iss-* scenarios send a callback Keyport must refuse, and
    // the login then waits for the real one until this runs out (a shorter wait keeps CI quick).
    loginTimeoutMs: 8_000,
    ...(verbose ? { onLoginState: (_s: string, st: { state: string }) => console.error('login:', st.state) } : {}),
  });
  const target: ServerTarget = { serverUrl, settings: settingsFor(scenario, ctx) };

  // Grants whose input the scenario's context carries (an ID token to exchange, a workload's assertion).
  if (scenario === 'auth/enterprise-managed-authorization' || scenario === 'auth/cross-app-access-complete-flow') {
    await engine.loginWithIdJag(target, { idpIssuer: str(ctx, 'idp_issuer'), idpTokenEndpoint: str(ctx, 'idp_token_endpoint'), idpClientId: str(ctx, 'idp_client_id'), idToken: str(ctx, 'idp_id_token') });
  } else if (scenario === 'auth/wif-jwt-bearer') {
    await engine.loginWithJwtBearer(target, { assertion: str(ctx, 'valid_jwt') });
  }

  const conn = createConnection(
    { id: 'conformance', transport: 'streamable-http', url: serverUrl },
    {
      authorize: () => ({ fetch: engine.authorizedFetch(target) }),
      onElicitation: acceptForm,
      clientInfo: { name: 'keyport-conformance', version: '0.1.0' },
      reconnect: false,
      healthCheckMs: 0,
      connectTimeoutMs: 20_000,
      requestTimeoutMs: 20_000,
    },
  );
  try {
    await session(conn, scenario, ctx, verbose);
  } finally {
    await conn.disconnect().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    console.error(`keyport conformance client: ${e?.code ? `[${e.code}] ` : ''}${e?.message ?? String(err)}`);
    if (process.env.KEYPORT_CONFORMANCE_VERBOSE === '1') console.error(err);
    process.exit(1);
  },
);
