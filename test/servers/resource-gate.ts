/**
 * The OAuth resource-server layer shared by every test MCP server (the SDK 1.x server, the SDK v2 modern-only and
 * dual-era servers, and the provider zoo's resource sides), so they all answer alike:
 *
 * - RFC 9728 protected resource metadata (with the DPoP members the server's {@link DpopMode} calls for);
 * - `401` with the challenges of RFC 6750 §3 / RFC 9449 §7 when the token check fails;
 * - the `403 insufficient_scope` step-up: a JSON-RPC POST body is inspected before any MCP SDK sees it, and a
 *   `tools/call` of a tool in `TOOL_SCOPES` whose scope the token lacks never reaches the tool.
 *
 * Providers name scopes their own way (`api://…/mcp.read`, `repo`, …): a {@link ScopeVocabulary} maps the test bed's
 * MCP scopes to the provider's names for challenges and metadata, and back for the tools' own checks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCP_SCOPES } from './accounts.ts';
import type { McpScope } from './accounts.ts';
import { challengesFor, dpopMetadata, formatChallenge } from './mcp-auth.ts';
import type { AuthFailure, DpopMode, VerifiedToken } from './mcp-auth.ts';
import { TOOL_SCOPES } from './mcp-catalog.ts';

/** How a provider spells the MCP scopes. Default: the test bed's own names (`mcp:read`, …). */
export interface ScopeVocabulary {
  /** The provider's scope for each MCP scope: what challenges ask for and what the metadata lists. */
  readonly names: Readonly<Record<McpScope, string>>;
  /** Further provider scopes and the MCP scopes they imply (e.g. GitHub's `repo` grants read and write). */
  readonly grants?: Readonly<Record<string, readonly McpScope[]>>;
}

/** The test bed's own vocabulary (identity). */
export const TESTBED_SCOPES: ScopeVocabulary = { names: { 'mcp:read': 'mcp:read', 'mcp:write': 'mcp:write', 'mcp:admin': 'mcp:admin' } };

/** Options of {@link createResourceGate}. */
export interface ResourceGateOptions {
  readonly dpop: DpopMode;
  /** The `scope` of 401 challenges, in the provider's vocabulary (undefined: no `scope` parameter). */
  readonly challengeScope: string | undefined;
  /** The `authorization_servers` of the metadata (read on every request: an AS may learn its URL late). */
  readonly authorizationServers: () => readonly string[];
  readonly resourceName: string;
  readonly scopes?: ScopeVocabulary;
  /** Rewrites the metadata document, or `false` for a resource that publishes none (404). */
  readonly metadata?: false | ((document: Readonly<Record<string, unknown>>) => Record<string, unknown>);
}

/** What a JSON-RPC POST body asks for: its methods (several for a batch) and the `tools/call` it makes, if any. */
export interface RpcSummary {
  readonly methods: readonly string[];
  readonly toolName: string | undefined;
  readonly messages: readonly { readonly method?: unknown; readonly params?: { readonly name?: unknown } }[];
}

/** The shared resource-server behaviour of one MCP server. */
export interface ResourceGate {
  /** The RFC 9728 document for `resource`, or undefined when this resource publishes none. */
  metadata(resource: string): Record<string, unknown> | undefined;
  /**
   * Answers a request for the metadata (at the path-inserted well-known URL of `resourcePath`, or the root one) and
   * returns true; false for any other path.
   */
  serveMetadata(req: IncomingMessage, res: ServerResponse, path: string, resourcePath: string, resource: string): boolean;
  /** Answers 401 with the challenges for `failure`. */
  unauthorized(res: ServerResponse, failure: AuthFailure, resourceMetadataUrl: string): void;
  /** Answers 403 `insufficient_scope` when a `tools/call` in `rpc` needs a scope the token lacks; true when it did. */
  stepUp(res: ServerResponse, token: VerifiedToken, rpc: RpcSummary, resourceMetadataUrl: string): boolean;
  /** The MCP scopes a token's (provider) scopes grant. */
  mcpScopes(token: VerifiedToken): McpScope[];
  /** The scopes the tools see: the token's own with the test bed's vocabulary, else the MCP scopes granted. */
  callerScopes(token: VerifiedToken): readonly string[];
}

/** Builds the gate. */
export function createResourceGate(options: ResourceGateOptions): ResourceGate {
  const vocabulary = options.scopes ?? TESTBED_SCOPES;
  const mcpScopes = (token: VerifiedToken): McpScope[] => {
    const granted = new Set<McpScope>();
    for (const scope of token.scopes) {
      for (const mcp of MCP_SCOPES) if (vocabulary.names[mcp] === scope) granted.add(mcp);
      for (const mcp of vocabulary.grants?.[scope] ?? []) granted.add(mcp);
    }
    return MCP_SCOPES.filter((scope) => granted.has(scope));
  };

  return {
    metadata(resource) {
      if (options.metadata === false) return undefined;
      const document = {
        resource,
        authorization_servers: [...options.authorizationServers()],
        scopes_supported: MCP_SCOPES.map((scope) => vocabulary.names[scope]),
        bearer_methods_supported: ['header'],
        resource_name: options.resourceName,
        ...dpopMetadata(options.dpop),
      };
      return options.metadata ? options.metadata(document) : document;
    },
    serveMetadata(req, res, path, resourcePath, resource) {
      if (path !== `/.well-known/oauth-protected-resource${resourcePath}` && path !== '/.well-known/oauth-protected-resource') return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'method_not_allowed' });
        return true;
      }
      const document = this.metadata(resource);
      if (!document) {
        sendJson(res, 404, { error: 'not_found' });
        return true;
      }
      res.setHeader('Access-Control-Allow-Origin', '*');
      sendJson(res, 200, document);
      return true;
    },
    unauthorized(res, failure, resourceMetadataUrl) {
      res.setHeader('WWW-Authenticate', challengesFor(options.dpop, failure, resourceMetadataUrl, options.challengeScope));
      sendJson(res, 401, { error: failure.error ?? 'unauthorized', error_description: failure.description ?? 'authorization required' });
    },
    stepUp(res, token, rpc, resourceMetadataUrl) {
      const held = mcpScopes(token);
      for (const message of rpc.messages) {
        if (message?.method !== 'tools/call' || typeof message.params?.name !== 'string') continue;
        const needed = TOOL_SCOPES[message.params.name];
        if (!needed || held.includes(needed)) continue;
        const description = `${message.params.name} requires ${vocabulary.names[needed]}`;
        res.setHeader(
          'WWW-Authenticate',
          formatChallenge({
            scheme: token.jkt ? 'DPoP' : 'Bearer',
            resourceMetadata: resourceMetadataUrl,
            scope: vocabulary.names[needed],
            error: 'insufficient_scope',
            description,
          }),
        );
        sendJson(res, 403, { error: 'insufficient_scope', error_description: description });
        return true;
      }
      return false;
    },
    mcpScopes,
    callerScopes: (token) => (options.scopes ? mcpScopes(token) : token.scopes),
  };
}

/** Reads the JSON-RPC methods and the called tool out of a parsed POST body (anything else yields nothing). */
export function summarizeRpc(body: unknown): RpcSummary {
  const messages = (Array.isArray(body) ? body : [body]).filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null) as RpcSummary['messages'];
  const methods = messages.map((m) => (typeof m.method === 'string' ? m.method : '')).filter(Boolean);
  const call = messages.find((m) => m.method === 'tools/call' && typeof m.params?.name === 'string');
  return { methods, toolName: call ? String(call.params?.name) : undefined, messages };
}

/**
 * The SDK's `AuthInfo` for a verified token, with the caller for the tools under `extra.caller` (`scopes` from
 * {@link ResourceGate.callerScopes}, so the tools' own checks read the same names on every server).
 */
export function authInfoFor(raw: string, token: VerifiedToken, resource: string, scopes: readonly string[]) {
  return {
    token: raw,
    clientId: token.clientId,
    scopes: [...token.scopes],
    expiresAt: token.expiresAt,
    resource: new URL(resource),
    extra: {
      caller: { sub: token.subject, clientId: token.clientId, scopes: [...scopes], expiresAt: token.expiresAt, claims: token.claims },
    },
  };
}

/** Sends a JSON body with `Cache-Control: no-store`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}
