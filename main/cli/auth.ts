/** `keyport logout | status | token`: the OAuth engine driven from the terminal (`login` is in login.ts). */
import { serverDisplayUrl } from '../config/schema.ts';
import type { ServerConfig } from '../config/schema.ts';
import { warningSpansFrom, type AuthStatus } from '../oauth/index.ts';
import type { ParsedArgs } from './args.ts';
import { accountFor, accountOption } from './accounts.ts';
import type { CliContext } from './context.ts';
import { describeLifetimes, lifetimeNotes, type LifetimeNote } from './lifetimes.ts';
import { CliError } from './errors.ts';
import { formatTokenSet, relativeTime, table } from './format.ts';

/** `logout <server>`: revoke at the AS where it can, then forget the tokens. */
export async function logout(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const server = await ctx.server(parsed.args.server ?? '', false);
  const target = await ctx.target(server);
  const engine = ctx.core().engine();
  const account = accountFor(ctx, server, parsed);
  const had = await engine.status(target, { account });
  const { revoked } = await engine.logout(target, { account });
  if (had.state !== 'signed-out') await ctx.core().accounts.forgetAccount(server.id, account);
  if (ctx.json) {
    ctx.io.stdout(JSON.stringify({ server: { id: server.id, name: server.name }, signedOut: had.state !== 'signed-out', revoked }));
  } else if (had.state === 'signed-out') {
    ctx.io.stdout(`Not signed in to ${server.name}; nothing to do.`);
  } else {
    ctx.io.stdout(
      revoked
        ? `Signed out of ${server.name}: tokens revoked at the authorization server and forgotten.`
        : `Signed out of ${server.name}: tokens forgotten (the authorization server offers no revocation).`,
    );
  }
}

/** One server's line in `status`. */
interface StatusEntry {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly status: AuthStatus | { readonly state: 'not-applicable' } | { readonly state: 'error'; readonly code: string; readonly message: string };
  /** The other lifetimes known for the tokens (issue 14), each with where it stands. */
  readonly lifetimes?: readonly LifetimeNote[];
}

function describeStatus(entry: StatusEntry, now: number): string {
  return `${describeState(entry, now)}${describeLifetimes(entry.lifetimes ?? [], now)}`;
}

function describeState(entry: StatusEntry, now: number): string {
  const s = entry.status;
  switch (s.state) {
    case 'signed-out':
      return 'signed-out';
    case 'signed-in':
      return s.expiresAt === undefined ? 'signed-in' : `signed-in (expires ${relativeTime(s.expiresAt, now)})`;
    case 'expired':
      return s.refreshable ? 'expired (will refresh on next use)' : 'expired';
    case 'not-applicable':
      return 'no sign-in (stdio)';
    case 'error':
      return `error: ${s.message}`;
  }
}

/** `status [<server>]`: signed-out | signed-in (expires in …) | expired | error …, for one server or all. */
export async function status(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const ref = parsed.args.server;
  accountOption(parsed.options.account);
  const servers: readonly ServerConfig[] = ref === undefined ? await ctx.config.load() : [await ctx.server(ref, false)];
  const engine = servers.some((s) => s.transport !== 'stdio') ? ctx.core().engine() : undefined;
  const entries: StatusEntry[] = [];
  for (const server of servers) {
    const base = { id: server.id, name: server.name, url: serverDisplayUrl(server) };
    if (server.transport === 'stdio' || engine === undefined) {
      entries.push({ ...base, status: { state: 'not-applicable' } });
      continue;
    }
    try {
      const target = await ctx.target(server);
      const account = accountFor(ctx, server, parsed);
      const state = await engine.status(target, { account });
      const lifetimes = state.state === 'signed-out' ? undefined : (await engine.tokenSetView(target, { account }))?.lifetimes;
      const notes = lifetimeNotes(lifetimes, (ctx.deps.now ?? Date.now)(), warningSpansFrom(ctx.io.env));
      entries.push({ ...base, status: state, ...(notes.length > 0 && { lifetimes: notes }) });
    } catch (err) {
      // One broken server must not hide the others; a keychain failure is the same for all, so it is thrown.
      if (typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('keychain_')) throw err;
      const e = err as { code?: string; message?: string };
      entries.push({ ...base, status: { state: 'error', code: e.code ?? 'unexpected', message: e.message ?? String(err) } });
    }
  }
  const now = (ctx.deps.now ?? Date.now)();
  if (ctx.json) {
    ctx.io.stdout(JSON.stringify({ servers: entries }));
  } else if (entries.length === 0) {
    ctx.io.stdout('No servers configured.');
  } else {
    ctx.io.stdout(table(entries.map((e) => [e.name, describeStatus(e, now)])));
  }
}

/** `token <server> [--reveal]`: the decoded view; the raw access token only when asked for by name. */
export async function token(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const server = await ctx.server(parsed.args.server ?? '', false);
  const target = await ctx.target(server);
  const engine = ctx.core().engine();
  const account = accountFor(ctx, server, parsed);
  const view = await engine.tokenSetView(target, { account });
  if (view === undefined) {
    throw new CliError('not_signed_in', `Not signed in to ${server.name}; run \`keyport login ${server.name}\`.`);
  }
  let raw: string | undefined;
  if (parsed.options.reveal === true) {
    const all = await ctx.secrets().credentials.listTokenSets();
    const record = all
      .filter((r) => r.serverUrl === target.serverUrl && r.issuer === view.issuer && r.resource === view.resource && r.account === account)
      .sort((a, b) => b.obtainedAt - a.obtainedAt)[0];
    raw = record?.accessToken;
  }
  const now = (ctx.deps.now ?? Date.now)();
  if (ctx.json) {
    ctx.io.stdout(JSON.stringify({ server: { id: server.id, name: server.name }, tokenSet: view, ...(raw !== undefined && { accessToken: raw }) }));
    return;
  }
  ctx.io.stdout(`Server:        ${server.name} (${serverDisplayUrl(server)})\n${formatTokenSet(view, now)}`);
  if (raw !== undefined) ctx.io.stdout(`Access token value (keep it secret):\n${raw}`);
}

