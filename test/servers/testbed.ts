/**
 * The whole test bed in one call: the authorization server and the protected MCP server, wired so the AS issues
 * JWT access tokens whose audience is the MCP resource URL. Ports are ephemeral unless given. More MCP servers can
 * share the same AS (`extraMcpServers`): a Bearer-only one, a 2026-07-28-only one, a dual-era one
 * ({@link VARIANT_MCP_SERVERS}), each its own resource.
 */
import { startAuthServer } from './auth-server.ts';
import type { AuthServer, AuthServerOptions } from './auth-server.ts';
import { startMcpServer } from './mcp-server.ts';
import type { McpEra, McpServerOptions, McpTestServer } from './mcp-server.ts';
import { startMcpServerV2 } from './mcp-server-v2.ts';

/**
 * One MCP server of the test bed: `era` `legacy` (default) is the SDK 1.x server (2025-11-25 wire, sessions, optional
 * legacy SSE); `modern` and `dual` are SDK v2 servers (mcp-server-v2.ts; `transport`, `resumable` and
 * `ssePostStatus` do not apply to them).
 */
export type TestBedMcpServerOptions = Omit<McpServerOptions, 'authServer' | 'issuer' | 'jwksUri'> & { readonly era?: McpEra };

/** Options of {@link startTestBed}: the servers' options minus the wiring done here. */
export interface TestBedOptions {
  readonly authServer?: Omit<AuthServerOptions, 'resources'> & { readonly resources?: readonly string[] };
  readonly mcpServer?: TestBedMcpServerOptions;
  /** More MCP servers behind the same authorization server, by name (see {@link VARIANT_MCP_SERVERS}). */
  readonly extraMcpServers?: Readonly<Record<string, TestBedMcpServerOptions>>;
}

/**
 * The MCP server variants a client must cope with, behind the same DPoP-advertising authorization server:
 * `bearer-only` (says nothing about DPoP and refuses the DPoP scheme, like SDK 1.x `requireBearerAuth`), `modern`
 * (2026-07-28 wire only) and `dual` (both eras). `startTestBed({ extraMcpServers: VARIANT_MCP_SERVERS })`.
 */
export const VARIANT_MCP_SERVERS = {
  'bearer-only': { dpop: 'bearer-only', resourceName: 'Keyport test bed (Bearer only)' },
  modern: { era: 'modern' },
  dual: { era: 'dual' },
} as const satisfies Readonly<Record<string, TestBedMcpServerOptions>>;

/** A running test bed. */
export interface TestBed {
  readonly authServer: AuthServer;
  readonly mcpServer: McpTestServer;
  /** The MCP endpoint = the resource identifier, e.g. `http://127.0.0.1:41234/mcp`. */
  readonly mcpUrl: string;
  /** The authorization server's issuer. */
  readonly issuer: string;
  /**
   * The `extraMcpServers`, by the names given. Always set by {@link startTestBed} (empty without the option); optional
   * only so that wrappers built before it (latency-proxy.ts) still type-check.
   */
  readonly extraMcpServers?: Readonly<Record<string, McpTestServer>>;
  /** Stops both servers. */
  close(): Promise<void>;
}

/** Starts the authorization server, then the MCP server (which registers its resource URL with the AS). */
export async function startTestBed(options: TestBedOptions = {}): Promise<TestBed> {
  const authServer = await startAuthServer(options.authServer ?? {});
  const started: McpTestServer[] = [];
  const extraMcpServers: Record<string, McpTestServer> = {};
  let mcpServer: McpTestServer;
  try {
    mcpServer = await startTestBedMcpServer(authServer, options.mcpServer ?? {});
    started.push(mcpServer);
    for (const [name, extra] of Object.entries(options.extraMcpServers ?? {})) {
      const server = await startTestBedMcpServer(authServer, extra);
      started.push(server);
      extraMcpServers[name] = server;
    }
  } catch (error) {
    await Promise.allSettled([...started.map((server) => server.close()), authServer.close()]);
    throw error;
  }
  return {
    authServer,
    mcpServer,
    mcpUrl: mcpServer.url,
    issuer: authServer.issuer,
    extraMcpServers,
    close: async () => {
      await Promise.allSettled([...started.map((server) => server.close()), authServer.close()]);
    },
  };
}

/** Starts one MCP server of the given era behind `authServer` (which learns its resource URL). */
export function startTestBedMcpServer(authServer: AuthServer, options: TestBedMcpServerOptions): Promise<McpTestServer> {
  const { era = 'legacy', ...rest } = options;
  if (era === 'legacy') return startMcpServer({ ...rest, authServer });
  if (rest.transport !== undefined && rest.transport !== 'streamable-http') throw new TypeError(`the ${era} MCP server serves only Streamable HTTP`);
  if (rest.customize) throw new TypeError(`customize applies to the SDK 1.x (legacy era) server only`);
  const { transport: _transport, resumable: _resumable, ssePostStatus: _ssePostStatus, customize: _customize, ...v2 } = rest;
  return startMcpServerV2({ ...v2, era, authServer });
}
