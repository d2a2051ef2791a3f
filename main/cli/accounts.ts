/**
 * Several accounts per server from the terminal (issue 13): `--account NAME` on the commands that touch tokens, and
 * `keyport accounts <server> [--use NAME]`, which lists the identities Keyport holds for a server (what the tokens
 * say: username, email, subject) and which one is active, and can make another one active. Which account is active is
 * non-secret config shared with the app (`<dataDir>/accounts.json`).
 */
import type { TokenSetView } from '../../preload/contract.ts';
import { ACCOUNT_KEY_PATTERN } from '../config/accounts.ts';
import type { ServerConfig } from '../config/schema.ts';
import type { AccountInfo, ServerTarget } from '../oauth/index.ts';
import type { ParsedArgs } from './args.ts';
import type { CliContext } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { relativeTime, singleLine, table } from './format.ts';

/** The `--account NAME` option, checked: letters, digits and `._@+-`, at most 64 characters. */
export function accountOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ACCOUNT_KEY_PATTERN.test(value)) {
    throw new UsageError('--account takes a name of letters, digits, ".", "_", "@", "+" and "-" (at most 64 characters)');
  }
  return value;
}

/** The account a command works on: `--account NAME`, else the server's active account. */
export function accountFor(ctx: CliContext, server: ServerConfig, parsed: ParsedArgs): string {
  return accountOption(parsed.options.account) ?? ctx.core().accounts.active(server.id);
}

/** Where a login stored its tokens, and whether that is another account than the one asked for. */
export interface LandedAccount {
  readonly account: string;
  readonly label: string;
  /** True when the identity was already stored under another account, which was replaced instead. */
  readonly moved: boolean;
}

/**
 * After a login: finds the account the engine stored the tokens under (the newest token set of the server) and makes
 * it active when the user named none (a plain `keyport login` is for the account the server's commands use), or when
 * the active account holds nothing.
 */
export async function landedAccount(ctx: CliContext, server: ServerConfig, target: ServerTarget, view: TokenSetView, requested: string, named: boolean): Promise<LandedAccount> {
  const core = ctx.core();
  const accounts = await core.engine().accounts(target);
  const newest = accounts.filter((a) => a.obtainedAt === view.obtainedAt && a.issuer === view.issuer).at(-1) ?? accounts.find((a) => a.account === requested);
  const account = newest?.account ?? requested;
  const active = core.accounts.active(server.id);
  if (account !== active && (!named || !accounts.some((a) => a.account === active))) await core.accounts.setActive(server.id, account);
  return { account, label: newest?.label ?? account, moved: account !== requested };
}

function describe(a: AccountInfo, name: string | undefined, active: boolean, now: number): readonly string[] {
  const expires = a.expiresAt === undefined ? '' : a.expiresAt <= now ? 'expired' : `expires ${relativeTime(a.expiresAt, now)}`;
  return [active ? '*' : '', a.account, name ?? a.label, a.email ?? a.subject ?? '', expires];
}

/** `accounts <server> [--use NAME]`: the identities held for a server; `--use` makes one the active account. */
export async function accounts(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const server = await ctx.server(parsed.args.server ?? '', false);
  const target = await ctx.target(server);
  const core = ctx.core();
  const list = await core.engine().accounts(target);
  const use = accountOption(parsed.options.use);
  if (use !== undefined) {
    if (!list.some((a) => a.account === use)) {
      throw new CliError('account_not_found', `${server.name} has no account "${use}"; \`keyport accounts ${server.name}\` lists them, \`keyport login ${server.name} --account ${use}\` adds it.`);
    }
    await core.accounts.setActive(server.id, use);
  }
  const active = core.accounts.active(server.id);
  const names = core.accounts.get(server.id).names;
  if (ctx.json) {
    ctx.io.stdout(JSON.stringify({ server: { id: server.id, name: server.name }, active, accounts: list.map((a) => ({ ...a, ...(names[a.account] !== undefined && { name: names[a.account] }), active: a.account === active })) }));
    return;
  }
  if (list.length === 0) {
    ctx.io.stdout(`No accounts for ${singleLine(server.name)}; sign in with \`keyport login ${singleLine(server.name)}\`.`);
    return;
  }
  const now = (ctx.deps.now ?? Date.now)();
  ctx.io.stdout(table([['', 'ACCOUNT', 'NAME', 'IDENTITY', 'EXPIRES'], ...list.map((a) => describe(a, names[a.account], a.account === active, now))]));
  if (!list.some((a) => a.account === active)) ctx.io.stdout(`The active account "${singleLine(active)}" is signed out; choose another with --use NAME.`);
}
