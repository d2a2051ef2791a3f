/**
 * `keyport servers edit <server> …` and `keyport servers forget-registration <server>` (issue 12), and the reading of
 * the client flags that `servers add` shares with `servers edit`: a client secret from stdin and a private key from a
 * file go to the keychain, every other setting to the server list, checked with the same rules as the dialog's.
 */
import { readFile } from 'node:fs/promises';
import type { ServerInput } from '../../preload/contract.ts';
import { findServer, updateServerFromInput } from '../config/servers.ts';
import { serverDisplayUrl, toServerViewBase } from '../config/schema.ts';
import type { ServerConfig } from '../config/schema.ts';
import type { ParsedArgs } from './args.ts';
import { compatAuthFromFlags, type FlagValues } from './compat-flags.ts';
import type { CliContext } from './context.ts';
import { CliError, UsageError } from './errors.ts';

/** The auth settings the flags of `servers add` / `servers edit` give, and whether they carry a secret. */
export interface FlagAuth {
  readonly auth: NonNullable<ServerInput['auth']>;
  readonly hasSecret: boolean;
}

/**
 * Reads the client and compatibility flags. `existingClientId` is the client id a server being edited already has
 * (so `--client-secret-stdin` alone replaces its secret).
 */
export async function authFromFlags(ctx: CliContext, o: FlagValues, existingClientId?: string): Promise<FlagAuth> {
  let callbackPort: number | undefined;
  if (typeof o['callback-port'] === 'string') {
    callbackPort = Number(o['callback-port']);
    if (!Number.isInteger(callbackPort) || callbackPort < 1024 || callbackPort > 65535) {
      throw new UsageError(`--callback-port must be a port number between 1024 and 65535, not "${o['callback-port']}"`);
    }
  }
  const clientId = typeof o['client-id'] === 'string' ? o['client-id'] : undefined;
  const hasClient = clientId !== undefined || existingClientId !== undefined;
  let clientSecret: string | undefined;
  if (o['client-secret-stdin'] === true) {
    if (!hasClient) throw new UsageError('--client-secret-stdin needs --client-id');
    clientSecret = (await ctx.io.readStdin()).replace(/\r?\n$/, '');
    if (clientSecret === '') throw new UsageError('--client-secret-stdin: stdin was empty');
  }
  let privateKey: string | undefined;
  if (typeof o['private-key-file'] === 'string') {
    const file = o['private-key-file'];
    if (!hasClient) throw new UsageError('--private-key-file needs --client-id');
    privateKey = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new UsageError(`--private-key-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    });
  }
  if (o['client-credentials'] === true && !hasClient) throw new UsageError('--client-credentials needs --client-id');
  const mode = o['client-credentials'] === true ? ('client-credentials' as const) : ('preregistered' as const);
  const auth: NonNullable<ServerInput['auth']> = {
    ...(clientId !== undefined && { clientId, mode }),
    ...(clientId === undefined && o['client-credentials'] === true && { mode }),
    ...(clientSecret !== undefined && { clientSecret }),
    ...(privateKey !== undefined && { privateKey }),
    ...(typeof o.scope === 'string' && { scope: o.scope }),
    ...(callbackPort !== undefined && { callbackPort }),
    ...(o['no-resource-param'] === true && { sendResourceParameter: false }),
    ...compatAuthFromFlags(o),
  };
  return { auth, hasSecret: clientSecret !== undefined || privateKey !== undefined };
}

/** `servers edit <server> …`: changes only what the flags name; `--unset SETTING` removes one. */
export async function serversEdit(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const o = parsed.options;
  const ref = parsed.args.server ?? '';
  const server = findServer(await ctx.config.load(), ref);
  if (server === undefined) throw new CliError('server_not_found', `No server "${ref}" is configured; \`keyport servers list\` shows them.`);
  if (server.url === undefined) throw new CliError('not_applicable', `"${server.name}" is a stdio server: it has no sign-in settings to edit.`);
  const { auth, hasSecret } = await authFromFlags(ctx, o, server.auth.clientId);
  const input: ServerInput = {
    url: typeof o.url === 'string' ? o.url : server.url,
    ...(typeof o.name === 'string' && { name: o.name }),
    auth,
  };
  if (Object.keys(auth).length === 0 && typeof o.url !== 'string' && typeof o.name !== 'string') {
    throw new UsageError('"servers edit" needs at least one setting to change (see keyport --help)');
  }
  const updated = await updateServerFromInput(ctx.config, hasSecret ? ctx.secrets().records : undefined, server.id, input);
  if (ctx.json) ctx.io.stdout(JSON.stringify({ server: toServerViewBase(updated) }));
  else ctx.io.stdout(`Updated "${updated.name}" (${updated.id}): ${serverDisplayUrl(updated)}${describeChanges(server, updated)}`);
}

/** "; changed: audience, callback path" — the settings an edit changed, by name. */
function describeChanges(before: ServerConfig, after: ServerConfig): string {
  const changed = new Set<string>();
  for (const key of new Set([...Object.keys(before.auth), ...Object.keys(after.auth)])) {
    const a = (before.auth as Record<string, unknown>)[key];
    const b = (after.auth as Record<string, unknown>)[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) changed.add(key);
  }
  if (before.name !== after.name) changed.add('name');
  if (before.url !== after.url) changed.add('url');
  return changed.size === 0 ? '; nothing changed' : `; changed: ${[...changed].join(', ')}`;
}

/**
 * `servers forget-registration <server>`: forgets the client Keyport registered dynamically at the server's
 * authorization server (nothing is sent to it); the next sign-in registers again. For an authorization server that
 * has forgotten the registration itself.
 */
export async function serversForgetRegistration(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const server = await ctx.server(parsed.args.server ?? '', false);
  const target = await ctx.target(server);
  await ctx.core().engine().forgetRegistration(target);
  if (ctx.json) ctx.io.stdout(JSON.stringify({ server: { id: server.id, name: server.name }, forgotten: true }));
  else ctx.io.stdout(`Forgot Keyport's registration at the authorization server of ${server.name}; the next \`keyport login ${server.name}\` registers again.`);
}
