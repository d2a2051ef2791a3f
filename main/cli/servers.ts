/** `keyport servers list | add | remove` and `keyport import`: the server list, same core as the app. */
import { createEraCache } from '../config/era-cache.ts';
import { importConfigFile } from '../config/import.ts';
import { addServerFromInput, findServer, removeServer, secretRefsOf } from '../config/servers.ts';
import { serverDisplayUrl, toServerViewBase } from '../config/schema.ts';
import type { ServerInput } from '../../preload/contract.ts';
import { isKeychainError } from '../secrets/errors.ts';
import type { SecretRecords } from '../secrets/records.ts';
import type { ParsedArgs } from './args.ts';
import type { CliContext } from './context.ts';
import { describeRemoval, revokeBeforeRemoval } from './removal.ts';
import { UsageError } from './errors.ts';
import { table } from './format.ts';
import { authFromFlags } from './servers-edit.ts';

/** `servers list`: every configured server (JSON: `{ servers: [...] }` with the contract's view fields). */
export async function serversList(ctx: CliContext): Promise<void> {
  const servers = await ctx.config.load();
  if (ctx.json) {
    // The protocol era each HTTP server spoke last time (from the era cache), once Keyport has connected to it.
    const eras = await createEraCache(ctx.dataDir).all();
    const withEra = (s: (typeof servers)[number]) => {
      const era = s.url !== undefined ? eras[s.url]?.era : undefined;
      return { ...toServerViewBase(s), ...(era !== undefined && { protocolEra: era }) };
    };
    ctx.io.stdout(JSON.stringify({ servers: servers.map(withEra) }));
    return;
  }
  if (servers.length === 0) {
    ctx.io.stdout('No servers configured. Add one with `keyport servers add <url>` or `keyport import <file>`.');
    return;
  }
  ctx.io.stdout(table([['NAME', 'TRANSPORT', 'AUTH', 'URL'], ...servers.map((s) => [s.name, s.transport, s.auth.mode, serverDisplayUrl(s)])]));
}

/**
 * `servers add <url> …`: a client secret comes from stdin and a private key from a file; both go to the keychain
 * (checked first: a key Keyport cannot sign with is refused with the reason), never to the list.
 */
export async function serversAdd(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const o = parsed.options;
  if (Array.isArray(o.unset)) throw new UsageError('--unset is for "servers edit"');
  const { auth, hasSecret } = await authFromFlags(ctx, o);
  const input: ServerInput = {
    url: parsed.args.url ?? '',
    ...(typeof o.name === 'string' && { name: o.name }),
    auth,
  };
  const server = await addServerFromInput(ctx.config, hasSecret ? ctx.secrets().records : undefined, input);
  if (ctx.json) ctx.io.stdout(JSON.stringify({ server: toServerViewBase(server) }));
  else ctx.io.stdout(`Added "${server.name}" (${server.id}): ${serverDisplayUrl(server)}`);
}

/** Opens the keychain only when the server to remove references secrets. */
async function recordsIfNeeded(ctx: CliContext, ref: string): Promise<SecretRecords | undefined> {
  const server = findServer(await ctx.config.load(), ref);
  return server !== undefined && secretRefsOf(server).length > 0 ? ctx.secrets().records : undefined;
}

/** `servers remove <server>`: revokes its tokens at the AS (issue 14), then removes it and the secrets it referenced. */
export async function serversRemove(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const ref = parsed.args.server ?? '';
  const found = findServer(await ctx.config.load(), ref);
  const revocation = found === undefined ? undefined : await revokeBeforeRemoval(ctx, found);
  const removed = await removeServer(ctx.config, await recordsIfNeeded(ctx, ref), ref, (err) => {
    const message = err instanceof Error ? err.message : String(err);
    ctx.io.stderr(`warning: the server was removed but its secrets could not be deleted from the keychain: ${message}`);
  });
  if (removed.url !== undefined) await ctx.flows.forget(removed.url).catch(() => undefined);
  if (ctx.json) {
    const acted = revocation !== undefined && (revocation.tokens.length > 0 || revocation.registrations.length > 0);
    ctx.io.stdout(JSON.stringify({ removed: { id: removed.id, name: removed.name }, ...(acted && { revocation }) }));
    return;
  }
  const { summary, warnings } = describeRemoval(revocation);
  for (const warning of warnings) ctx.io.stderr(`warning: ${warning}`);
  ctx.io.stdout(`Removed "${removed.name}" (${summary}).`);
}

/** `import <file>`: servers from another app's config; secrets move to the keychain or the server is skipped. */
export async function importCommand(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  let records: SecretRecords | undefined;
  try {
    records = ctx.secrets().records;
    await records.store.list();
  } catch (err) {
    if (!isKeychainError(err)) throw err;
    records = undefined;
    ctx.io.stderr(`warning: ${err.message} Servers that carry secrets will be skipped.`);
  }
  const report = await importConfigFile(parsed.args.file ?? '', { config: ctx.config, ...(records !== undefined && { secrets: records }) });
  if (ctx.json) {
    ctx.io.stdout(JSON.stringify(report));
    return;
  }
  const lines = [`Imported ${report.imported.length}, skipped ${report.skipped.length} from ${report.file} (${report.format}).`];
  for (const s of report.imported) {
    const moved = s.movedToKeychain.length === 0 ? '' : `; moved to the keychain: ${s.movedToKeychain.join(', ')}`;
    lines.push(`  + ${s.name} (${s.transport})${moved}`);
    for (const note of s.notes) lines.push(`      note: ${note}`);
  }
  for (const s of report.skipped) lines.push(`  - ${s.name}: skipped, ${s.reason}`);
  ctx.io.stdout(lines.join('\n'));
}
