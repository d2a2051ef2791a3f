/**
 * The child process behind bench/far-side.ts: the test bed's authorization server and N MCP servers, each behind its
 * own latency proxy, answering the parent's requests over the IPC channel. It runs in its own process so the
 * servers' CPU work never sits on the event loop of the client being measured (as on a real network, where it runs
 * on someone else's machine), and so its memory is not the client's. Not meant to be run by hand.
 */
import type { AuthServer } from '../test/servers/auth-server.ts';
import { startAuthServer } from '../test/servers/auth-server.ts';
import { startLatencyProxy } from '../test/servers/latency-proxy.ts';
import type { LatencyProxy } from '../test/servers/latency-proxy.ts';
import { startMcpServer } from '../test/servers/mcp-server.ts';
import type { McpTestServer } from '../test/servers/mcp-server.ts';
import type { FarSideCounts, FarSideRequest, FarSideSettings } from './far-side.ts';

const settings = JSON.parse(process.argv[2] ?? '{}') as FarSideSettings;
const proxies: LatencyProxy[] = [];
let authServer: AuthServer | undefined;
const mcpServers: McpTestServer[] = [];

async function closeAll(): Promise<void> {
  await Promise.allSettled(proxies.map((p) => p.close()));
  await Promise.allSettled([...mcpServers.map((s) => s.close()), authServer?.close()]);
}

function counts(): FarSideCounts {
  let wellKnown = 0;
  let mcp = 0;
  for (const server of mcpServers) {
    wellKnown += server.log.filter((r) => r.path.startsWith('/.well-known/')).length;
    mcp += server.log.length;
  }
  const as = authServer;
  return {
    authServer: as?.count() ?? 0,
    registrations: as?.count({ endpoint: 'registration' }) ?? 0,
    tokenRequests: as?.count({ endpoint: 'token' }) ?? 0,
    wellKnown,
    mcp,
    connectionsAccepted: proxies.reduce((sum, p) => sum + p.accepted, 0),
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  };
}

async function handle(request: FarSideRequest): Promise<unknown> {
  switch (request.op) {
    case 'counts':
      return counts();
    case 'clearLogs':
      authServer?.clearLog();
      for (const server of mcpServers) server.clearLog();
      return undefined;
    case 'setDelay':
      for (const proxy of proxies) proxy.setDelay(request.oneWayDelayMs);
      return undefined;
    case 'dropConnections':
      await Promise.all(proxies.map((p) => p.dropConnections()));
      return undefined;
    case 'close':
      await closeAll();
      return undefined;
  }
}

process.on('message', (message: FarSideRequest & { readonly id: number }) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result }),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: String((error as Error)?.message ?? error) }),
  );
});
// The parent went away (finished or killed): stop everything and leave.
process.on('disconnect', () => {
  void closeAll().finally(() => process.exit(0));
});

try {
  const proxyOptions = { oneWayDelayMs: settings.oneWayDelayMs, handshakeRoundTrips: settings.handshakeRoundTrips };
  const asProxy = await startLatencyProxy(proxyOptions);
  proxies.push(asProxy);
  authServer = await startAuthServer({
    advertisedPort: asProxy.port,
    ...(settings.accessTokenTtl !== undefined && { accessTokenTtl: settings.accessTokenTtl }),
  });
  asProxy.setTarget(authServer.port);
  for (let i = 0; i < settings.servers; i++) {
    const proxy = await startLatencyProxy(proxyOptions);
    proxies.push(proxy);
    // Each server its own origin and resource, as N unrelated MCP servers behind one authorization server.
    const server = await startMcpServer({ authServer, advertisedPort: proxy.port });
    mcpServers.push(server);
    proxy.setTarget(server.port);
  }
  process.send?.({ ready: { issuer: authServer.issuer, mcpUrls: mcpServers.map((s) => s.url) } });
} catch (error) {
  process.send?.({ failed: String((error as Error)?.message ?? error) });
  await closeAll();
  process.exit(1);
}
