/**
 * Wiring shared by the engine-backed MCP tests and benchmarks: a test bed (with a pre-registered public native
 * client available too), an OAuth engine whose "browser" signs in as a test account through the real login and consent pages,
 * and a connection whose auth seam is that engine (authorized fetch + status events through a router).
 */
import { createOAuthEngine, InMemoryCredentialStore } from '../../../main/oauth/index.ts';
import type { CredentialStore, OAuthEngine, OAuthEngineDeps, ServerTarget } from '../../../main/oauth/index.ts';
import { createConnection } from '../../../main/mcp/connection.ts';
import type { McpConnection } from '../../../main/mcp/connection.ts';
import { createAuthEventRouter } from '../../../main/mcp/auth.ts';
import type { AuthEventRouter } from '../../../main/mcp/auth.ts';
import type { ConnectionOptions } from '../../../main/mcp/config.ts';
import { startTestBed } from '../../servers/testbed.ts';
import type { TestBed, TestBedOptions } from '../../servers/testbed.ts';
import { completeLogin } from '../../servers/user-agent.ts';
import { ACCOUNTS } from '../../servers/accounts.ts';

/** The pre-registered client's id (public, native, loopback redirect). */
export const CLIENT_ID = 'keyport-mcp-tests';

/**
 * The metadata of a client registered ahead of time, as a desktop app's is (RFC 8252): public, native, loopback
 * redirect, code + refresh grants. For the test bed's `authServer.clients`.
 */
export function nativeClient(clientId: string): Record<string, unknown> {
  return {
    client_id: clientId,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
}

/** Starts the test bed with {@link CLIENT_ID} pre-registered. */
export function startBedWithClient(options: TestBedOptions = {}): Promise<TestBed> {
  return startTestBed({
    ...options,
    authServer: {
      ...options.authServer,
      clients: [nativeClient(CLIENT_ID), ...(options.authServer?.clients ?? [])],
    },
  });
}

/** An engine, its status router and the target it signs in to. */
export interface SignedIn {
  readonly engine: OAuthEngine;
  readonly router: AuthEventRouter;
  readonly target: ServerTarget;
  readonly store: CredentialStore;
}

/** Creates an engine for the bed (sharing `store` when given, like a keychain would across app starts). */
export function engineFor(
  bed: TestBed,
  who: 'alice' | 'bob' | 'admin',
  extra: Partial<Pick<OAuthEngineDeps, 'refreshMarginMs' | 'fetch'>> & {
    readonly store?: CredentialStore;
    readonly dpop?: 'auto' | 'off';
    /** Dynamic registration (RFC 7591, the default, as the app does it) or the pre-registered {@link CLIENT_ID}. */
    readonly registration?: 'dynamic' | 'preregistered';
    /** Another MCP server of the bed (one of its `extraMcpServers`); default: the bed's main server. */
    readonly serverUrl?: string;
  } = {},
): SignedIn {
  const router = createAuthEventRouter();
  const account = ACCOUNTS[who];
  const store = extra.store ?? new InMemoryCredentialStore();
  const engine = createOAuthEngine({
    store,
    openBrowser: async (url) => {
      await completeLogin(url, { username: account.username, password: account.password });
    },
    onStatus: router.onStatus,
    ...(extra.refreshMarginMs !== undefined ? { refreshMarginMs: extra.refreshMarginMs } : {}),
    ...(extra.fetch !== undefined ? { fetch: extra.fetch } : {}),
  });
  const target: ServerTarget = {
    serverUrl: extra.serverUrl ?? bed.mcpUrl,
    settings: {
      ...(extra.registration === 'preregistered' ? { mode: 'preregistered' as const, clientId: CLIENT_ID } : { mode: 'automatic' as const }),
      ...(extra.dpop !== undefined ? { dpop: extra.dpop } : {}),
    },
  };
  return { engine, router, target, store };
}

/** Signs `who` in through the real pages and returns the engine. */
export async function signIn(bed: TestBed, who: 'alice' | 'bob' | 'admin', extra: Parameters<typeof engineFor>[2] = {}): Promise<SignedIn> {
  const s = engineFor(bed, who, extra);
  await s.engine.login(s.target);
  return s;
}

/** A connection to the bed's MCP server whose auth seam is the signed-in engine (never interactive). */
export function connectionFor(bed: TestBed, s: SignedIn, options: ConnectionOptions = {}): McpConnection {
  return createConnection(
    { id: 'testbed', transport: 'streamable-http', url: s.target.serverUrl },
    {
      authorize: ({ url }) => ({
        fetch: s.engine.authorizedFetch({ ...s.target, serverUrl: url }, { interactive: false }),
        subscribe: (listener) => s.router.subscribe(url, listener),
      }),
      connectTimeoutMs: 10_000,
      ...options,
    },
  );
}
