/**
 * The whole test bed in one call: the authorization server and the protected MCP server, wired so the AS issues
 * JWT access tokens whose audience is the MCP resource URL. Ports are ephemeral unless given.
 */
import { startAuthServer } from './auth-server.ts';
import type { AuthServer, AuthServerOptions } from './auth-server.ts';
import { startMcpServer } from './mcp-server.ts';
import type { McpServerOptions, McpTestServer } from './mcp-server.ts';

/** Options of {@link startTestBed}: the two servers' options minus the wiring done here. */
export interface TestBedOptions {
  readonly authServer?: Omit<AuthServerOptions, 'resources'> & { readonly resources?: readonly string[] };
  readonly mcpServer?: Omit<McpServerOptions, 'authServer' | 'issuer' | 'jwksUri'>;
}

/** A running test bed. */
export interface TestBed {
  readonly authServer: AuthServer;
  readonly mcpServer: McpTestServer;
  /** The MCP endpoint = the resource identifier, e.g. `http://127.0.0.1:41234/mcp`. */
  readonly mcpUrl: string;
  /** The authorization server's issuer. */
  readonly issuer: string;
  /** Stops both servers. */
  close(): Promise<void>;
}

/** Starts the authorization server, then the MCP server (which registers its resource URL with the AS). */
export async function startTestBed(options: TestBedOptions = {}): Promise<TestBed> {
  const authServer = await startAuthServer(options.authServer ?? {});
  let mcpServer: McpTestServer;
  try {
    mcpServer = await startMcpServer({ ...options.mcpServer, authServer });
  } catch (error) {
    await authServer.close();
    throw error;
  }
  return {
    authServer,
    mcpServer,
    mcpUrl: mcpServer.url,
    issuer: authServer.issuer,
    close: async () => {
      await Promise.allSettled([mcpServer.close(), authServer.close()]);
    },
  };
}
