/**
 * The `keyport` command (DESIGN.md "The CLI contract"): the same core as the app (server list, keychain, OAuth
 * engine, MCP connections) with no Electron. `main()` returns the exit code; it prints results on stdout (JSON with
 * `--json`) and exactly one line per failure on stderr.
 */
import { helpText, parseCommandLine } from './cli/args.ts';
import type { ParsedArgs } from './cli/args.ts';
import { accounts } from './cli/accounts.ts';
import { logout, status, token } from './cli/auth.ts';
import { login } from './cli/login.ts';
import { report } from './cli/report.ts';
import { CliContext } from './cli/context.ts';
import type { CliDeps } from './cli/context.ts';
import { ExitCode, toCliFailure } from './cli/errors.ts';
import { processIo, terminalSafeIo } from './cli/io.ts';
import type { CliIo } from './cli/io.ts';
import { call, tools } from './cli/mcp.ts';
import { importCommand, serversAdd, serversList, serversRemove } from './cli/servers.ts';
import { serversEdit, serversForgetRegistration } from './cli/servers-edit.ts';

export type { CliIo } from './cli/io.ts';
export type { CliDeps } from './cli/context.ts';
export { ExitCode } from './cli/errors.ts';

/** The version `keyport --version` prints. */
export const CLI_VERSION = '0.1.0';

async function dispatch(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  switch (parsed.command) {
    case 'servers list':
      return serversList(ctx);
    case 'servers add':
      return serversAdd(ctx, parsed);
    case 'servers remove':
      return serversRemove(ctx, parsed);
    case 'servers edit':
      return serversEdit(ctx, parsed);
    case 'servers forget-registration':
      return serversForgetRegistration(ctx, parsed);
    case 'import':
      return importCommand(ctx, parsed);
    case 'login':
      return login(ctx, parsed);
    case 'logout':
      return logout(ctx, parsed);
    case 'status':
      return status(ctx, parsed);
    case 'token':
      return token(ctx, parsed);
    case 'tools':
      return tools(ctx, parsed);
    case 'call':
      return call(ctx, parsed);
    case 'accounts':
      return accounts(ctx, parsed);
    case 'report':
      return report(ctx, parsed, CLI_VERSION);
    case 'help':
      ctx.io.stdout(helpText());
      return;
    case 'version':
      ctx.io.stdout(ctx.json ? JSON.stringify({ version: CLI_VERSION }) : `keyport ${CLI_VERSION}`);
      return;
  }
}

/**
 * Runs one command line (argv without `node` and the script) and returns the exit code. Output goes through
 * {@link terminalSafeIo}: human text shows control characters as inert escapes, `--json` stays parseable JSON.
 */
export async function main(argv: readonly string[], rawIo: CliIo = processIo(), deps: CliDeps = {}): Promise<number> {
  let json = argv.includes('--json');
  // The output boundary: every command writes through it, so no server-controlled character reaches the terminal raw.
  const io = terminalSafeIo(rawIo, () => json);
  let ctx: CliContext | undefined;
  try {
    const parsed = parseCommandLine(argv);
    json = parsed.json;
    ctx = new CliContext(io, { json: parsed.json, ...(parsed.dataDir !== undefined && { dataDir: parsed.dataDir }) }, deps);
    await dispatch(ctx, parsed);
    await ctx.settle();
    return ExitCode.ok;
  } catch (err) {
    await ctx?.settle();
    const failure = toCliFailure(err);
    const hint = failure.exitCode === ExitCode.usage ? ' (see keyport --help)' : '';
    io.stderr(`keyport: ${failure.message}${hint}`);
    if (json) io.stdout(JSON.stringify({ error: { code: failure.code, message: failure.message } }));
    return failure.exitCode;
  }
}
