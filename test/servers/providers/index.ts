/**
 * The provider zoo: one emulation per provider of issue 12 (authorization server + protected MCP server behaving like
 * the provider's), started one at a time or all together, each reporting its MCP URL and what a user enters in
 * Keyport (client id/secret and compatibility settings, as plain data). Everything listens on 127.0.0.1; ports are
 * ephemeral unless `ports: 'demo'` asks for the fixed ones `npm run demo -- --providers` prints.
 */
import type { ProviderEmulation, ProviderId, ProviderOptions } from './common.ts';
import { PROVIDER_IDS, closeAll } from './common.ts';
import { startAtlassian } from './atlassian.ts';
import { startAuth0 } from './auth0.ts';
import { startCloudflare } from './cloudflare.ts';
import { startEntra } from './entra.ts';
import { startFigma } from './figma.ts';
import { startGitHub } from './github.ts';
import { startGoogle } from './google.ts';
import { startKeycloak } from './keycloak.ts';
import { startLinear } from './linear.ts';
import { startNotion } from './notion.ts';
import { startOkta } from './okta.ts';
import { startSalesforce, startSlack } from './redirect-restricted.ts';

export { PROVIDER_IDS } from './common.ts';
export type { CompatibilitySettings, KeyportEntry, ProviderAuthServer, ProviderEmulation, ProviderId, ProviderLoginOptions, ProviderOptions } from './common.ts';

/** Options of one provider when started through the registry (the union of every emulation's own options). */
export interface AnyProviderOptions extends ProviderOptions {
  /** Slack/Salesforce: the registered callback port. */
  readonly callbackPort?: number;
  /** Keycloak: addresses allowed to register anonymously. */
  readonly trustedHosts?: readonly string[];
  /** Entra: whether the tenant requires admin consent (prompt=consent refused; default true). */
  readonly adminConsentRequired?: boolean;
}

const STARTERS: Readonly<Record<ProviderId, (options: AnyProviderOptions) => Promise<ProviderEmulation>>> = {
  entra: startEntra,
  google: startGoogle,
  github: startGitHub,
  linear: startLinear,
  atlassian: startAtlassian,
  auth0: startAuth0,
  okta: startOkta,
  keycloak: startKeycloak,
  figma: startFigma,
  cloudflare: startCloudflare,
  notion: startNotion,
  slack: startSlack,
  salesforce: startSalesforce,
};

/** First port of the demo's fixed ports: provider i gets AS `DEMO_BASE_PORT + 2i` and MCP `DEMO_BASE_PORT + 2i + 1`. */
export const DEMO_BASE_PORT = 9100;

/** The fixed demo ports of a provider (stable across runs, so what a user entered keeps working). */
export function demoPorts(id: ProviderId, base = DEMO_BASE_PORT): { readonly asPort: number; readonly mcpPort: number } {
  const index = PROVIDER_IDS.indexOf(id);
  return { asPort: base + 2 * index, mcpPort: base + 2 * index + 1 };
}

/** Starts one emulation. */
export function startProvider(id: ProviderId, options: AnyProviderOptions = {}): Promise<ProviderEmulation> {
  return STARTERS[id](options);
}

/** Options of {@link startProviders}. */
export interface ProviderZooOptions {
  /** Which providers (default all). */
  readonly only?: readonly ProviderId[];
  /** `ephemeral` (default) or the fixed `demo` ports from `base` (default {@link DEMO_BASE_PORT}). */
  readonly ports?: 'ephemeral' | { readonly base: number } | 'demo';
  /** Per-provider options (merged over the ports). */
  readonly options?: Partial<Readonly<Record<ProviderId, AnyProviderOptions>>>;
}

/** Several running emulations. */
export interface ProviderZoo {
  readonly providers: Readonly<Partial<Record<ProviderId, ProviderEmulation>>>;
  /** The emulation of `id`; throws when it was not started. */
  get(id: ProviderId): ProviderEmulation;
  close(): Promise<void>;
}

/** Starts the chosen emulations one after the other (closing the started ones if one fails). */
export async function startProviders(options: ProviderZooOptions = {}): Promise<ProviderZoo> {
  const started: Partial<Record<ProviderId, ProviderEmulation>> = {};
  const base = options.ports === 'demo' ? DEMO_BASE_PORT : typeof options.ports === 'object' ? options.ports.base : undefined;
  try {
    for (const id of options.only ?? PROVIDER_IDS) {
      const ports = base === undefined ? {} : demoPorts(id, base);
      started[id] = await startProvider(id, { ...ports, ...options.options?.[id] });
    }
  } catch (error) {
    await closeAll(...Object.values(started));
    throw error;
  }
  return {
    providers: started,
    get: (id) => {
      const found = started[id];
      if (!found) throw new Error(`provider ${id} was not started`);
      return found;
    },
    close: () => closeAll(...Object.values(started)),
  };
}

/** The lines `npm run demo -- --providers` prints for one emulation: what it is and what to enter. */
export function describeProvider(provider: ProviderEmulation): string[] {
  const lines = [`${provider.name} (${provider.id})`, `  MCP server      ${provider.mcpUrl}`, `  Authorization   ${provider.authServer.issuer}`];
  for (const line of provider.entry.instructions) lines.push(`  - ${line}`);
  if (provider.entry.withDefaults) lines.push(`  With no settings: ${provider.entry.withDefaults}`);
  lines.push(`  Reproduces: ${provider.facts.join('; ')}`);
  return lines;
}
