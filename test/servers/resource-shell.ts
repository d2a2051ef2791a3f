/**
 * What every test MCP server does around its MCP transport, shared by the SDK 1.x server (mcp-server.ts) and the SDK
 * v2 servers (mcp-server-v2.ts): resolving the options (issuer, keys, resource path, DPoP stance, scopes), the
 * OAuth gate, the request log, binding to 127.0.0.1 (the resource URL follows the port, or the advertised one) and
 * the {@link McpTestServer} view tests hold.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, createRemoteJWKSet } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import { createTokenVerifier } from './mcp-auth.ts';
import type { DpopMode, TokenVerifier } from './mcp-auth.ts';
import { createTestBedState } from './mcp-catalog.ts';
import type { TestBedState } from './mcp-catalog.ts';
import type { McpEra, McpLogFilter, McpRequestRecord, McpServerOptions, McpTestServer, McpTransportMode } from './mcp-server.ts';
import { closeServer, listen } from './net.ts';
import { createResourceGate, sendJson } from './resource-gate.ts';
import type { ResourceGate } from './resource-gate.ts';

/** A log record while its request is served (status, methods and subject are filled in as they are known). */
export type MutableMcpRecord = { -readonly [K in keyof McpRequestRecord]: McpRequestRecord[K] };

/** The resolved options, gate, log and live endpoints of one test MCP server. */
export interface ResourceShell {
  readonly issuer: string;
  readonly resourcePath: string;
  readonly state: TestBedState;
  readonly dpop: DpopMode;
  readonly resourceName: string;
  readonly gate: ResourceGate;
  readonly log: MutableMcpRecord[];
  /** The port, origin, resource URL and metadata URL; live (set when bound). */
  readonly endpoints: Readonly<ShellEndpoints>;
  /** Checks a request's token (available once bound: the verifier needs the resource URL). */
  verify: TokenVerifier;
  /** Starts the log record of one request (its status is set when the response closes). */
  record(req: IncomingMessage, res: ServerResponse, requestUrl: URL): MutableMcpRecord;
  /** A node:http server for `handle` (a failure answers 500, or drops a response already under way). */
  serve(label: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server;
  /** Listens on 127.0.0.1 (the same port on a restart), then learns the URLs and tells the AS about the resource. */
  bind(server: Server): Promise<void>;
  /** Stops listening and drops connections, leaving a moment for clients to notice. */
  unbind(server: Server): Promise<void>;
  /** The view tests hold. */
  view(parts: ShellViewParts): McpTestServer;
}

/** Where a server is reachable. */
export interface ShellEndpoints {
  port: number;
  origin: string;
  url: string;
  resourceMetadataUrl: string;
}

/** What differs per server kind in {@link ResourceShell.view}. */
export interface ShellViewParts {
  readonly server: Server;
  readonly transport: McpTransportMode;
  readonly era: McpEra;
  sseUrl(): string | undefined;
  sessionCount(): number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Resolves a server's options into its shell. */
export async function createResourceShell(options: McpServerOptions, defaultName: string): Promise<ResourceShell> {
  const issuer = options.authServer?.issuer ?? options.issuer;
  if (!issuer) throw new TypeError('a test MCP server needs authServer or issuer');
  const resourcePath = options.resourcePath ?? '/mcp';
  const dpop = options.dpop ?? 'supported';
  const resourceName = options.resourceName ?? defaultName;
  const keys: JWTVerifyGetKey | undefined = options.verifier
    ? undefined
    : options.authServer
      ? createLocalJWKSet({ keys: [...options.authServer.jwks.keys] })
      : createRemoteJWKSet(new URL(options.jwksUri ?? (await discoverJwksUri(issuer))));
  const gate = createResourceGate({
    dpop,
    challengeScope: options.challengeScope ?? 'mcp:read mcp:write',
    authorizationServers: () => options.authorizationServers ?? [issuer],
    resourceName,
    ...(options.scopes ? { scopes: options.scopes } : {}),
    ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
  });
  const log: MutableMcpRecord[] = [];
  let verifier: TokenVerifier | undefined;
  const endpoints: ShellEndpoints = { port: options.port ?? 0, origin: '', url: '', resourceMetadataUrl: '' };
  const state = options.state ?? createTestBedState();

  return {
    issuer,
    resourcePath,
    state,
    dpop,
    resourceName,
    gate,
    log,
    endpoints,
    verify: (req, requestUrl) => {
      if (!verifier) throw new Error('the server is not bound yet');
      return verifier(req, requestUrl);
    },
    record: (req, res, requestUrl) => {
      const record: MutableMcpRecord = {
        method: req.method ?? 'GET',
        path: requestUrl.pathname,
        status: 0,
        rpcMethods: [],
        toolName: undefined,
        sessionId: headerValue(req, 'mcp-session-id'),
        protocolVersion: headerValue(req, 'mcp-protocol-version'),
        subject: undefined,
        time: Date.now(),
      };
      log.push(record);
      res.once('close', () => {
        record.status = res.statusCode;
      });
      return record;
    },
    serve: (label, handle) =>
      createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          console.error(`[${label}] request failed:`, error);
          if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
          else res.destroy();
        });
      }),
    bind: async (server) => {
      await listen(server, endpoints.port);
      endpoints.port = (server.address() as AddressInfo).port;
      endpoints.origin = `http://127.0.0.1:${options.advertisedPort ?? endpoints.port}`;
      endpoints.url = `${endpoints.origin}${resourcePath}`;
      endpoints.resourceMetadataUrl = `${endpoints.origin}/.well-known/oauth-protected-resource${resourcePath}`;
      verifier ??= options.verifier ? options.verifier(endpoints.url) : createTokenVerifier({ issuer, audience: endpoints.url, keys: keys!, dpop });
      options.authServer?.addResource(endpoints.url);
    },
    unbind: async (server) => {
      await closeServer(server);
      // Let in-process clients see the dropped keep-alive sockets before anyone reconnects, so a fetch right after
      // restart() gets a fresh connection instead of a stale pooled one ("other side closed").
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
    view: (parts) => ({
        get port() {
          return endpoints.port;
        },
        get origin() {
          return endpoints.origin;
        },
        get url() {
          return endpoints.url;
        },
        get resourceMetadataUrl() {
          return endpoints.resourceMetadataUrl;
        },
        issuer,
        transport: parts.transport,
        era: parts.era,
        dpop,
        get sseUrl() {
          return parts.sseUrl();
        },
        log,
        get sessionCount() {
          return parts.sessionCount();
        },
        get running() {
          return parts.server.listening;
        },
        state,
        count: (filter = {}) => log.filter((record) => matchesMcpRecord(record, filter)).length,
        clearLog: () => {
          log.length = 0;
        },
        stop: parts.stop,
        start: parts.start,
        restart: async () => {
          await parts.stop();
          await parts.start();
        },
        close: parts.stop,
      }),
  };
}

/** Whether a logged request matches a {@link McpLogFilter}. */
export function matchesMcpRecord(record: McpRequestRecord, filter: McpLogFilter): boolean {
  if (filter.method !== undefined && record.method !== filter.method) return false;
  if (filter.path !== undefined && record.path !== filter.path) return false;
  if (filter.status !== undefined && record.status !== filter.status) return false;
  if (filter.rpcMethod !== undefined && !record.rpcMethods.includes(filter.rpcMethod)) return false;
  if (filter.toolName !== undefined && record.toolName !== filter.toolName) return false;
  if (filter.subject !== undefined && record.subject !== filter.subject) return false;
  if (filter.protocolVersion !== undefined && record.protocolVersion !== filter.protocolVersion) return false;
  return true;
}

/** The `jwks_uri` of an issuer's RFC 8414 metadata (for a server started with only an issuer). */
export async function discoverJwksUri(issuer: string): Promise<string> {
  const response = await fetch(new URL('/.well-known/oauth-authorization-server', issuer));
  if (!response.ok) throw new Error(`cannot read authorization server metadata of ${issuer}: HTTP ${response.status}`);
  const metadata = (await response.json()) as { jwks_uri?: unknown };
  if (typeof metadata.jwks_uri !== 'string') throw new Error(`authorization server ${issuer} has no jwks_uri`);
  return metadata.jwks_uri;
}

/** The first value of a request header. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
