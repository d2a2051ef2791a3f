/**
 * `npm run demo`: the test bed on fixed loopback ports so the app (and a human) has something to sign in to.
 * The authorization server listens on 127.0.0.1:9000 and the MCP server on 127.0.0.1:9001 unless
 * KEYPORT_DEMO_AS_PORT / KEYPORT_DEMO_MCP_PORT say otherwise; KEYPORT_DEMO_ACCESS_TOKEN_TTL (seconds) shortens
 * access tokens to watch refreshes. Stops cleanly on Ctrl-C / SIGTERM.
 */
import { ACCOUNTS } from './accounts.ts';
import { isEntryPoint } from './entry.ts';
import { startTestBed } from './testbed.ts';
import type { TestBed } from './testbed.ts';

/** Options of {@link startDemo}; defaults come from the environment, then 9000 / 9001. */
export interface DemoOptions {
  readonly asPort?: number;
  readonly mcpPort?: number;
  readonly accessTokenTtl?: number;
  /** Where the banner goes (default console.log); pass `() => {}` to stay quiet. */
  readonly print?: (line: string) => void;
}

/** Starts the demo test bed and prints its URLs and accounts. `npm start` can call this in development. */
export async function startDemo(options: DemoOptions = {}): Promise<TestBed> {
  const asPort = options.asPort ?? portFromEnv('KEYPORT_DEMO_AS_PORT', 9000);
  const mcpPort = options.mcpPort ?? portFromEnv('KEYPORT_DEMO_MCP_PORT', 9001);
  const ttl = options.accessTokenTtl ?? (Number(process.env.KEYPORT_DEMO_ACCESS_TOKEN_TTL) || undefined);
  const print = options.print ?? ((line: string) => console.log(line));
  const bed = await startTestBed({
    authServer: { port: asPort, ...(ttl ? { accessTokenTtl: ttl } : {}) },
    mcpServer: { port: mcpPort },
  });
  print('Keyport test bed');
  print(`  Authorization server  ${bed.issuer}   (metadata: ${bed.issuer}/.well-known/oauth-authorization-server)`);
  print(`  MCP server            ${bed.mcpUrl}   (metadata: ${bed.mcpServer.resourceMetadataUrl})`);
  print(`  Access tokens live    ${ttl ?? 3600} s`);
  print('  Demo accounts (test only):');
  for (const account of Object.values(ACCOUNTS)) {
    const more = account.grantableScopes.filter((scope) => !account.defaultScopes.includes(scope));
    const extra = more.length ? `   (+ ${more.join(' ')} on consent)` : '';
    print(`    ${account.username.padEnd(6)} / ${account.password.padEnd(12)} ${account.defaultScopes.join(' ')}${extra}`);
  }
  return bed;
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return port;
}

if (isEntryPoint(import.meta.url)) {
  let bed: TestBed;
  try {
    bed = await startDemo();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const hint = code === 'EADDRINUSE' ? ' (a port is taken: set KEYPORT_DEMO_AS_PORT / KEYPORT_DEMO_MCP_PORT)' : '';
    console.error(`demo: cannot start: ${(error as Error).message}${hint}`);
    process.exit(1);
  }
  console.log('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the test bed`);
    bed.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
