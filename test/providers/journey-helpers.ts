/**
 * What the provider journeys share: turning a provider emulation's "what a user enters" into `keyport servers add`
 * flags (the secret on stdin, as a user pipes it), and the browser command that plays the user.
 */
import { fileURLToPath } from 'node:url';
import type { KeyportEntry } from '../servers/providers/index.ts';

const agent = fileURLToPath(new URL('../servers/browser-agent.ts', import.meta.url));

/** `--browser-command` for the automated user agent (alice by default; KEYPORT_TEST_USER picks another). */
export const browserCommand = `"${process.execPath}" "${agent}"`;

/** The `servers add` arguments (after the URL) and stdin for an entry, exactly as the provider notes say. */
export function addFlags(entry: KeyportEntry, name: string): { readonly args: readonly string[]; readonly stdin?: string } {
  const s = entry.settings;
  const args: string[] = ['--name', name];
  if (entry.clientId !== undefined) args.push('--client-id', entry.clientId);
  if (entry.clientSecret !== undefined) args.push('--client-secret-stdin');
  if (s.resourceParameter === 'off') args.push('--no-resource-param');
  else if (typeof s.resourceParameter === 'object') args.push('--resource', s.resourceParameter.value);
  if (s.audience !== undefined) args.push('--audience', s.audience);
  for (const [k, v] of Object.entries(s.extraAuthorizationParams ?? {})) args.push('--auth-param', `${k}=${v}`);
  if (s.scope !== undefined) args.push('--scope', s.scope);
  if (s.callbackHost !== undefined) args.push('--callback-host', s.callbackHost);
  if (s.callbackPort !== undefined) args.push('--callback-port', String(s.callbackPort));
  if (s.callbackPath !== undefined) args.push('--callback-path', s.callbackPath);
  if (s.tokenEndpointAuthMethod !== undefined) args.push('--token-auth-method', s.tokenEndpointAuthMethod);
  if (s.acceptedIssuer !== undefined) args.push('--accept-issuer', s.acceptedIssuer);
  if (s.authorizationEndpoint !== undefined) args.push('--authorization-endpoint', s.authorizationEndpoint);
  if (s.tokenEndpoint !== undefined) args.push('--token-endpoint', s.tokenEndpoint);
  if (s.acceptS256WithoutAdvertisement === true) args.push('--assume-pkce-s256');
  return { args, ...(entry.clientSecret !== undefined ? { stdin: `${entry.clientSecret}\n` } : {}) };
}

/**
 * A free port on 127.0.0.1 for a provider's registered callback (Slack, Salesforce): each test gets its own, so two
 * test files running at once never contend for the same fixed port.
 */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
