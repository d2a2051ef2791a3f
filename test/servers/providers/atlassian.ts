/**
 * Atlassian's remote MCP server (Jira/Confluence) and its authorization server. Built on oidc-provider (the test
 * bed's AS). Reproduced facts:
 *
 * - Spec-following discovery and open dynamic registration.
 * - Rotating refresh tokens: every refresh returns a new one; reusing a rotated one fails with `invalid_grant` and
 *   revokes the whole grant (so a client that refreshes twice with the same token signs the user out).
 * - One server URL serves many sites: the tools take a `cloudId`, `getAccessibleAtlassianResources` lists the sites
 *   of the signed-in user (alice: two, bob: one, admin: three), and a site the user cannot see is refused. Several
 *   accounts (users) can sign in to the same URL.
 */
import { createLocalJWKSet } from 'jose';
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { startAuthServer } from '../auth-server.ts';
import { createTokenVerifier } from '../mcp-auth.ts';
import { startEmulation, startProviderMcp } from './common.ts';
import type { ProviderEmulation, ProviderOptions } from './common.ts';

/** An Atlassian site (a Jira/Confluence cloud instance). */
export interface AtlassianSite {
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

const SITES: readonly AtlassianSite[] = [
  { id: '11111111-aaaa-4bbb-8ccc-000000000001', name: 'acme', url: 'https://acme.atlassian.net' },
  { id: '11111111-aaaa-4bbb-8ccc-000000000002', name: 'globex', url: 'https://globex.atlassian.net' },
  { id: '11111111-aaaa-4bbb-8ccc-000000000003', name: 'initech', url: 'https://initech.atlassian.net' },
];

/** Which sites each demo user can see. */
export const ATLASSIAN_SITES: Readonly<Record<string, readonly AtlassianSite[]>> = {
  alice: [SITES[0]!, SITES[1]!],
  bob: [SITES[0]!],
  admin: [...SITES],
};

/** The facts this emulation reproduces. */
export const ATLASSIAN_FACTS = [
  'rotating refresh tokens; reusing one revokes the grant',
  'one server URL for many sites: tools take a cloudId; several accounts per server',
] as const;

/** Adds the multi-site tools to an MCP server instance. */
function addSiteTools(server: McpServer): void {
  const sitesOf = (extra: { authInfo?: { extra?: Record<string, unknown> } }) => ATLASSIAN_SITES[String((extra.authInfo?.extra?.caller as { sub?: string } | undefined)?.sub)] ?? [];
  server.registerTool(
    'getAccessibleAtlassianResources',
    { title: 'Accessible sites', description: 'The Atlassian sites (cloud ids) the signed-in user can use.', annotations: { readOnlyHint: true } },
    async (extra) => {
      const sites = sitesOf(extra).map((site) => ({ id: site.id, name: site.name, url: site.url, scopes: ['read:jira-work', 'write:jira-work'] }));
      return { content: [{ type: 'text', text: JSON.stringify(sites) }], structuredContent: { sites } };
    },
  );
  server.registerTool(
    'getJiraIssue',
    {
      title: 'Jira issue',
      description: 'Reads an issue of one site (needs the site among your accessible resources).',
      inputSchema: { cloudId: z.string(), issueIdOrKey: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ cloudId, issueIdOrKey }, extra) => {
      const site = sitesOf(extra).find((candidate) => candidate.id === cloudId || candidate.name === cloudId);
      if (!site) return { isError: true, content: [{ type: 'text', text: `You don't have access to the site ${cloudId}.` }] };
      return { content: [{ type: 'text', text: `${site.name}/${issueIdOrKey}: Example issue on ${site.url}` }] };
    },
  );
}

/** Starts the Atlassian emulation. */
export async function startAtlassian(options: ProviderOptions = {}): Promise<ProviderEmulation> {
  return startEmulation(
    () => startAuthServer({ ...(options.asPort !== undefined ? { port: options.asPort } : {}), accessTokenTtl: options.accessTokenTtl ?? 3600 }),
    async (server) => {
      const keys = createLocalJWKSet({ keys: [...server.jwks.keys] });
      const mcpServer = await startProviderMcp({
        port: options.mcpPort,
        issuer: server.issuer,
        verifier: (resource) => {
          server.addResource(resource);
          return createTokenVerifier({ issuer: server.issuer, audience: resource, keys, dpop: 'bearer-only' });
        },
        scopes: { names: { 'mcp:read': 'mcp:read', 'mcp:write': 'mcp:write', 'mcp:admin': 'mcp:admin' } },
        resourceName: 'Atlassian Rovo MCP',
        customize: addSiteTools,
      });
      return {
        id: 'atlassian',
        name: 'Atlassian',
        facts: ATLASSIAN_FACTS,
        mcpServer,
        authServer: server,
        entry: {
          url: mcpServer.url,
          settings: {},
          instructions: ['Nothing but the URL (dynamic registration). A second account (e.g. bob / secret456) may sign in to the same URL.'],
        },
      };
    },
  );
}
