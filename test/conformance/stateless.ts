/**
 * A minimal client for the stateless 2026-07-28 MCP wire (SEP-2575), which `@modelcontextprotocol/sdk` 1.x does not
 * speak yet: no `initialize`; every POST carries `MCP-Protocol-Version`, `Mcp-Method` / `Mcp-Name` (SEP-2243) and
 * `_meta` with the protocol version, client info and capabilities; version negotiation on -32022; multi-round-trip
 * tool calls (SEP-2322) echo `requestState` unchanged; `x-mcp-header` parameters are mirrored into `Mcp-Param-*`
 * headers and tools with invalid annotations are excluded. It goes through the engine's authorized fetch.
 */
import type { FetchFn } from '../../main/oauth/index.ts';

/** The stateless wire's protocol version. */
export const STATELESS_VERSION = '2026-07-28';

const CLIENT_INFO = { name: 'keyport-conformance', version: '0.1.0' };
const CAPABILITIES = { roots: {}, sampling: {}, elicitation: {} };

interface RpcResponse {
  readonly id?: unknown;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: { readonly supported?: readonly string[] } };
}

/** A tool as listed. */
export interface ListedTool {
  readonly name: string;
  readonly inputSchema?: { readonly properties?: Record<string, { readonly type?: unknown; readonly 'x-mcp-header'?: unknown; readonly default?: unknown }> };
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** SEP-2243: the tool's `x-mcp-header` annotations are valid (non-empty token, unique, on string/integer/boolean). */
export function validHeaderAnnotations(tool: ListedTool): boolean {
  const seen = new Set<string>();
  for (const prop of Object.values(tool.inputSchema?.properties ?? {})) {
    if (!prop || !('x-mcp-header' in prop)) continue;
    const name = prop['x-mcp-header'];
    if (typeof name !== 'string' || name === '' || !HEADER_NAME.test(name)) return false;
    if (!['string', 'integer', 'boolean'].includes(String(prop.type))) return false;
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

/** SEP-2243 value encoding: plain when printable ASCII without edge whitespace, else `=?base64?…?=`. */
export function encodeHeaderValue(value: string | number | boolean): string {
  const s = String(value);
  const unsafe = /[^\x20-\x7e]/.test(s) || s !== s.trim();
  return unsafe ? `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=` : s;
}

/** The stateless session. */
export class StatelessClient {
  readonly #url: string;
  readonly #fetch: FetchFn;
  #version = STATELESS_VERSION;
  #nextId = 1;
  #tools = new Map<string, ListedTool>();

  constructor(url: string, fetchFn: FetchFn) {
    this.#url = url;
    this.#fetch = fetchFn;
  }

  /** Sends one request; negotiates the version once on -32022 (SEP-2575). */
  async request(method: string, params: Record<string, unknown> = {}, extraHeaders: Record<string, string> = {}): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const body = {
        jsonrpc: '2.0',
        id: this.#nextId++,
        method,
        params: {
          ...params,
          _meta: {
            ...((params._meta as object | undefined) ?? {}),
            'io.modelcontextprotocol/protocolVersion': this.#version,
            'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
            'io.modelcontextprotocol/clientCapabilities': CAPABILITIES,
          },
        },
      };
      const name = method === 'resources/read' ? params.uri : method === 'tools/call' || method === 'prompts/get' ? params.name : undefined;
      const response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': this.#version,
          'mcp-method': method,
          ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
          ...extraHeaders,
        },
        body: JSON.stringify(body),
      });
      const rpc = await readRpc(response, body.id);
      if (rpc.error?.code === -32022 && attempt === 0) {
        const supported = rpc.error.data?.supported ?? [];
        const mutual = supported.find((v) => v === STATELESS_VERSION) ?? supported[0];
        if (mutual && mutual !== this.#version) {
          this.#version = mutual;
          continue;
        }
      }
      if (rpc.error) throw new Error(`${method} failed: ${rpc.error.code} ${rpc.error.message}`);
      return rpc.result ?? {};
    }
    throw new Error(`${method} failed: no supported protocol version`);
  }

  /** `tools/list`, keeping only tools whose header annotations are valid. */
  async listTools(): Promise<readonly ListedTool[]> {
    const result = await this.request('tools/list');
    const tools = ((result.tools as ListedTool[] | undefined) ?? []).filter(validHeaderAnnotations);
    for (const t of tools) this.#tools.set(t.name, t);
    return tools;
  }

  /** `tools/call` with `Mcp-Param-*` headers, completing input-required rounds (SEP-2322). */
  async callTool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {};
    for (const [prop, schema] of Object.entries(this.#tools.get(name)?.inputSchema?.properties ?? {})) {
      const header = schema?.['x-mcp-header'];
      const value = args[prop];
      if (typeof header !== 'string' || value === null || value === undefined) continue;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') headers[`mcp-param-${header.toLowerCase()}`] = encodeHeaderValue(value);
    }
    let params: Record<string, unknown> = { name, arguments: args };
    for (let round = 0; round < 5; round++) {
      const result = await this.request('tools/call', params, headers);
      if (result.resultType !== 'input_required') return result;
      const inputResponses: Record<string, unknown> = {};
      for (const [key, req] of Object.entries((result.inputRequests as Record<string, { method?: string; params?: { requestedSchema?: unknown } }> | undefined) ?? {})) {
        inputResponses[key] = answerInputRequest(req);
      }
      params = { name, arguments: args, inputResponses, ...(result.requestState !== undefined ? { requestState: result.requestState } : {}) };
    }
    throw new Error(`tools/call ${name}: too many input rounds`);
  }
}

function answerInputRequest(req: { method?: string; params?: { requestedSchema?: unknown } }): unknown {
  switch (req.method) {
    case 'elicitation/create': {
      const props = (req.params?.requestedSchema as { properties?: Record<string, { default?: unknown; type?: string }> } | undefined)?.properties ?? {};
      const content: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(props)) content[k] = p.default ?? (p.type === 'boolean' ? true : p.type === 'number' || p.type === 'integer' ? 0 : '');
      return { action: 'accept', content: Object.keys(content).length ? content : { confirmed: true } };
    }
    case 'sampling/createMessage':
      return { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'keyport-conformance', stopReason: 'endTurn' };
    case 'roots/list':
      return { roots: [] };
    default:
      return {};
  }
}

async function readRpc(response: Response, id: number): Promise<RpcResponse> {
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  if (type.includes('text/event-stream')) {
    for (const block of text.split(/\r?\n\r?\n/)) {
      const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (!data) continue;
      try {
        const msg = JSON.parse(data) as RpcResponse;
        if (msg.id === id) return msg;
      } catch {
        // not JSON: skip
      }
    }
    throw new Error(`no response for request ${id} in the event stream`);
  }
  if (!text) throw new Error(`HTTP ${response.status} without a body`);
  return JSON.parse(text) as RpcResponse;
}

/** Placeholder arguments for a tool from its schema (defaults first). */
export function placeholderArgs(tool: ListedTool): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(tool.inputSchema?.properties ?? {})) {
    if (p?.default !== undefined) out[k] = p.default;
    else if (p?.type === 'string') out[k] = 'test';
    else if (p?.type === 'integer' || p?.type === 'number') out[k] = 1;
    else if (p?.type === 'boolean') out[k] = false;
  }
  return out;
}

/**
 * The generic stateless session: discover, list and call the tools (the context's tool calls when given, else each
 * tool with placeholder arguments), then list/read resources and list/get prompts when the server offers them.
 */
export async function runStatelessSession(url: string, fetchFn: FetchFn, context: { readonly toolCalls?: readonly { readonly name: string; readonly arguments: Record<string, unknown> }[] }): Promise<void> {
  const client = new StatelessClient(url, fetchFn);
  let capabilities: Record<string, unknown> = { tools: {} };
  try {
    const discovered = await client.request('server/discover');
    capabilities = (discovered.capabilities as Record<string, unknown> | undefined) ?? capabilities;
  } catch {
    // server/discover is optional for clients
  }
  const tools = await client.listTools();
  if (context.toolCalls?.length) {
    for (const call of context.toolCalls) if (tools.some((t) => t.name === call.name)) await client.callTool(call.name, call.arguments);
  } else {
    for (const tool of tools) await client.callTool(tool.name, placeholderArgs(tool));
  }
  if (capabilities.resources) {
    const { resources } = (await client.request('resources/list')) as { resources?: { uri: string }[] };
    for (const r of resources ?? []) await client.request('resources/read', { uri: r.uri });
  }
  if (capabilities.prompts) {
    const { prompts } = (await client.request('prompts/list')) as { prompts?: { name: string }[] };
    for (const p of prompts ?? []) await client.request('prompts/get', { name: p.name, arguments: {} });
  }
}
