/**
 * Keyport's MCP conformance client: drives the OAuth engine and a minimal MCP session (the SDK `Client` over the
 * engine's authenticated `fetch`) for whatever scenario `MCP_CONFORMANCE_SCENARIO` names.
 *
 * Usage (by the runner): MCP_CONFORMANCE_SCENARIO=<name> [MCP_CONFORMANCE_CONTEXT=<json>] client.ts <server-url>
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createOAuthEngine, InMemoryCredentialStore, type ServerAuthSettings, type ServerTarget } from '../../main/oauth/index.ts';
import { runStatelessSession } from './stateless.ts';
import { followAuthorizationRedirects } from './user-agent.ts';

/**
 * Scenarios that exist only on the stateless 2026-07-28 wire: their mock servers speak nothing else, even under
 * `--spec-version 2025-11-25 --force`, so the SDK's `initialize` cannot work there (see stateless.ts).
 */
const STATELESS_ONLY = new Set(['request-metadata', 'sep-2322-client-request-state', 'http-standard-headers', 'http-custom-headers', 'http-invalid-tool-headers']);

/** The client ID metadata document URL the suites expect (SEP-991). */
const CIMD_URL = 'https://conformance-test.local/client-metadata.json';

type Context = Record<string, string | undefined>;

function settingsFor(scenario: string, ctx: Context): ServerAuthSettings {
  switch (scenario) {
    case 'auth/pre-registration':
      return { mode: 'preregistered', clientId: ctx.client_id!, clientSecret: ctx.client_secret! };
    case 'auth/client-credentials-basic':
      return { mode: 'client-credentials', clientId: ctx.client_id!, clientSecret: ctx.client_secret!, tokenEndpointAuthMethod: 'client_secret_basic' };
    case 'auth/client-credentials-jwt':
      return { mode: 'client-credentials', clientId: ctx.client_id!, privateKeyPem: ctx.private_key_pem!, privateKeyAlg: ctx.signing_algorithm ?? 'ES256', tokenEndpointAuthMethod: 'private_key_jwt' };
    case 'auth/cross-app-access-complete-flow':
    case 'auth/enterprise-managed-authorization':
      return { mode: 'preregistered', clientId: ctx.client_id!, clientSecret: ctx.client_secret!, tokenEndpointAuthMethod: 'client_secret_basic' };
    case 'auth/wif-jwt-bearer':
      return { mode: 'preregistered', clientId: ctx.client_id!, tokenEndpointAuthMethod: 'none' };
    case 'auth/basic-cimd':
      // The scenario that tests SEP-991 requires this client_id URL.
      return { mode: 'automatic', clientMetadataDocumentUrl: CIMD_URL };
    default:
      // Keyport's defaults: no metadata document configured, so dynamic registration (with refresh_token).
      return { mode: 'automatic' };
  }
}

/** Fills an elicitation's requested schema with its defaults (SEP-1034). */
function defaultsOf(schema: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = (schema as { properties?: Record<string, { default?: unknown }> })?.properties ?? {};
  for (const [k, p] of Object.entries(props)) if (p && 'default' in p) out[k] = p.default;
  return out;
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
    loginTimeoutMs: 20_000,
    ...(verbose ? { onLoginState: (_s: string, st: { state: string }) => console.error('login:', st.state) } : {}),
  });
  const target: ServerTarget = { serverUrl, settings: settingsFor(scenario, ctx) };

  if (scenario === 'auth/enterprise-managed-authorization' || scenario === 'auth/cross-app-access-complete-flow') {
    await engine.loginWithIdJag(target, { idpIssuer: ctx.idp_issuer!, idpTokenEndpoint: ctx.idp_token_endpoint!, idpClientId: ctx.idp_client_id!, idToken: ctx.idp_id_token! });
  } else if (scenario === 'auth/wif-jwt-bearer') {
    await engine.loginWithJwtBearer(target, { assertion: ctx.valid_jwt! });
  }

  if (STATELESS_ONLY.has(scenario) || process.env.MCP_CONFORMANCE_PROTOCOL_VERSION === '2026-07-28') {
    const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as { toolCalls?: { name: string; arguments: Record<string, unknown> }[] };
    await runStatelessSession(serverUrl, engine.authorizedFetch(target), context);
    return;
  }

  const elicitation = scenario.startsWith('elicitation');
  const client = new Client({ name: 'keyport-conformance', version: '0.1.0' }, { capabilities: elicitation ? { elicitation: { applyDefaults: true } } : {} });
  if (elicitation) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => ({
      action: 'accept' as const,
      content: defaultsOf((request.params as { requestedSchema?: unknown }).requestedSchema) as Record<string, string | number | boolean>,
    }));
  }
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
    fetch: engine.authorizedFetch(target),
    reconnectionOptions: { initialReconnectionDelay: 1000, maxReconnectionDelay: 10_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 3 },
  });
  await client.connect(transport);
  try {
    if (scenario === 'sse-retry') {
      await client.request({ method: 'tools/call', params: { name: 'test_reconnection', arguments: {} } }, CallToolResultSchema);
      return;
    }
    const { tools } = await client.listTools();
    if (scenario === 'json-schema-2020-12-preservation') {
      const focal = tools.find((t) => t.name === 'json_schema_2020_12_tool');
      if (!focal) throw new Error('focal tool not advertised');
      await client.callTool({ name: 'json_schema_echo', arguments: { schema: focal.inputSchema as Record<string, unknown> } });
      return;
    }
    if (scenario === 'json-schema-ref-no-deref') return;
    if (elicitation) {
      await client.callTool({ name: 'test_client_elicitation_defaults', arguments: {} });
      return;
    }
    if (scenario.startsWith('auth/')) {
      if (scenario === 'auth/client-credentials-jwt' || scenario === 'auth/client-credentials-basic' || scenario === 'auth/pre-registration' || scenario === 'auth/wif-jwt-bearer') return;
      if (tools.some((t) => t.name === 'test-tool')) await client.callTool({ name: 'test-tool', arguments: {} });
      return;
    }
    const tool = tools[0];
    if (tool) await client.callTool({ name: tool.name, arguments: { a: 2, b: 3 } });
  } finally {
    await transport.close().catch(() => undefined);
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
