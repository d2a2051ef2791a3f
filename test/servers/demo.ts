/**
 * `npm run demo`: the test bed on fixed loopback ports so the app (and a human) has something to sign in to.
 *
 * - The authorization server listens on 127.0.0.1:9000 and the MCP server (DPoP supported, 2025-11-25 wire) on
 *   127.0.0.1:9001, unless KEYPORT_DEMO_AS_PORT / KEYPORT_DEMO_MCP_PORT say otherwise.
 * - Next to it, behind the same authorization server: a Bearer-only MCP server (9002, KEYPORT_DEMO_BEARER_PORT), a
 *   2026-07-28-only one (9003, KEYPORT_DEMO_MODERN_PORT) and a dual-era one (9004, KEYPORT_DEMO_DUAL_PORT). A variant
 *   whose port is taken is skipped with a note (the main pair must start).
 * - `--providers` (or `--providers=entra,github`) also starts the provider zoo on 127.0.0.1:9100… and prints what to
 *   enter in Keyport for each.
 *
 * KEYPORT_DEMO_ACCESS_TOKEN_TTL (seconds) shortens access tokens to watch refreshes. Stops cleanly on Ctrl-C / SIGTERM.
 */
import { ACCOUNTS } from './accounts.ts';
import { isEntryPoint } from './entry.ts';
import type { McpTestServer } from './mcp-server.ts';
import { PROVIDER_IDS, describeProvider, startProviders } from './providers/index.ts';
import type { ProviderId, ProviderZoo } from './providers/index.ts';
import { VARIANT_MCP_SERVERS, startTestBed, startTestBedMcpServer } from './testbed.ts';
import type { TestBed } from './testbed.ts';

/** Options of {@link startDemo}; defaults come from the environment, then 9000 / 9001 / 9002–9004. */
export interface DemoOptions {
  readonly asPort?: number;
  readonly mcpPort?: number;
  readonly accessTokenTtl?: number;
  /** Ports of the variant MCP servers (default 9002, 9003, 9004); `false` starts none. */
  readonly variants?: false | { readonly bearerOnly?: number; readonly modern?: number; readonly dual?: number };
  /** Also start the provider zoo: `true` for all, or a list (default none). */
  readonly providers?: boolean | readonly ProviderId[];
  /** First port of the provider zoo (default 9100), or `ephemeral` (tests). */
  readonly providersBasePort?: number | 'ephemeral';
  /** Where the banner goes (default console.log); pass `() => {}` to stay quiet. */
  readonly print?: (line: string) => void;
}

/** What {@link startDemo} runs: the test bed (its `extraMcpServers` are the variants that started) and the zoo, if asked. */
export interface DemoBed extends TestBed {
  readonly providers: ProviderZoo | undefined;
}

/** How the demo lists each variant. */
const VARIANTS = [
  { name: 'bearer-only', label: 'Bearer-only MCP', env: 'KEYPORT_DEMO_BEARER_PORT', port: 9002, note: 'says nothing about DPoP; refuses the DPoP scheme (SDK 1.x style)' },
  { name: 'modern', label: '2026-07-28-only MCP', env: 'KEYPORT_DEMO_MODERN_PORT', port: 9003, note: 'no initialize (answers -32022); server/discover' },
  { name: 'dual', label: 'Dual-era MCP', env: 'KEYPORT_DEMO_DUAL_PORT', port: 9004, note: 'both the 2025-11-25 and the 2026-07-28 wire' },
] as const;

/** Starts the demo test bed and prints its URLs, accounts and (with providers) what to enter. `npm start` runs it. */
export async function startDemo(options: DemoOptions = {}): Promise<DemoBed> {
  const asPort = options.asPort ?? portFromEnv('KEYPORT_DEMO_AS_PORT', 9000);
  const mcpPort = options.mcpPort ?? portFromEnv('KEYPORT_DEMO_MCP_PORT', 9001);
  const ttl = options.accessTokenTtl ?? (Number(process.env.KEYPORT_DEMO_ACCESS_TOKEN_TTL) || undefined);
  const print = options.print ?? ((line: string) => console.log(line));
  const bed = await startTestBed({
    authServer: { port: asPort, ...(ttl ? { accessTokenTtl: ttl } : {}) },
    mcpServer: { port: mcpPort },
  });

  const variants: Record<string, McpTestServer> = {};
  const skipped: string[] = [];
  if (options.variants !== false) {
    const ports = options.variants ?? {};
    const chosen = { 'bearer-only': ports.bearerOnly, modern: ports.modern, dual: ports.dual };
    for (const variant of VARIANTS) {
      const port = chosen[variant.name] ?? portFromEnv(variant.env, variant.port);
      try {
        variants[variant.name] = await startTestBedMcpServer(bed.authServer, { ...VARIANT_MCP_SERVERS[variant.name], port });
      } catch (error) {
        if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
        skipped.push(`${variant.label} skipped: port ${port} is taken (set ${variant.env})`);
      }
    }
  }

  let providers: ProviderZoo | undefined;
  try {
    if (options.providers) {
      const only = options.providers === true ? PROVIDER_IDS : options.providers;
      const base = options.providersBasePort ?? 9100;
      providers = await startProviders({ only, ports: base === 'ephemeral' ? 'ephemeral' : { base } });
    }
  } catch (error) {
    await Promise.allSettled([bed.close(), ...Object.values(variants).map((server) => server.close())]);
    throw error;
  }

  print('Keyport test bed');
  print(`  Authorization server  ${bed.issuer}   (metadata: ${bed.issuer}/.well-known/oauth-authorization-server; advertises DPoP)`);
  print(`  MCP server            ${bed.mcpUrl}   (DPoP supported, 2025-11-25 wire; metadata: ${bed.mcpServer.resourceMetadataUrl})`);
  for (const variant of VARIANTS) {
    const server = variants[variant.name];
    if (server) print(`  ${variant.label.padEnd(21)} ${server.url}   (${variant.note})`);
  }
  for (const line of skipped) print(`  ${line}`);
  print('  To use one: add its URL in Keyport; nothing else to enter (dynamic registration). Sign in as:');
  for (const account of Object.values(ACCOUNTS)) {
    const more = account.grantableScopes.filter((scope) => !account.defaultScopes.includes(scope));
    const extra = more.length ? `   (+ ${more.join(' ')} on consent)` : '';
    print(`    ${account.username.padEnd(6)} / ${account.password.padEnd(12)} ${account.defaultScopes.join(' ')}${extra}`);
  }
  print(`  Access tokens live    ${ttl ?? 3600} s`);
  if (providers) {
    print('');
    print('Provider zoo (emulations; the same accounts sign in everywhere). What to enter in Keyport:');
    for (const provider of Object.values(providers.providers)) {
      print('');
      for (const line of describeProvider(provider)) print(`  ${line}`);
    }
  }

  const zoo = providers;
  return {
    ...bed,
    extraMcpServers: variants,
    providers: zoo,
    close: async () => {
      await Promise.allSettled([bed.close(), ...Object.values(variants).map((server) => server.close()), zoo?.close()]);
    },
  };
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return port;
}

/** `--providers` → all; `--providers=a,b` → those (unknown names are an error); absent → none. */
export function parseProvidersFlag(argv: readonly string[]): boolean | ProviderId[] {
  const flag = argv.find((arg) => arg === '--providers' || arg.startsWith('--providers='));
  if (!flag) return false;
  if (flag === '--providers') return true;
  const names = flag.slice('--providers='.length).split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(PROVIDER_IDS as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`unknown provider(s): ${unknown.join(', ')} (known: ${PROVIDER_IDS.join(', ')})`);
  return names as ProviderId[];
}

if (isEntryPoint(import.meta.url)) {
  let bed: DemoBed;
  try {
    bed = await startDemo({ providers: parseProvidersFlag(process.argv.slice(2)) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const hint = code === 'EADDRINUSE' ? ' (a port is taken: set KEYPORT_DEMO_AS_PORT / KEYPORT_DEMO_MCP_PORT; the provider zoo uses 9100-9125)' : '';
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
