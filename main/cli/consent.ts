/**
 * Consent you can read, in the terminal (issue 14): `keyport login` lists the scopes it is about to ask for, each with
 * its meaning, before the browser opens (`--scope` names exactly the ones to ask for); and a tool call refused for
 * missing scopes (403 `insufficient_scope`) shows what is held, what the tool asks for in addition and which tool
 * asked, then signs in again with the union once the user agrees (`--yes` agrees in advance).
 */
import type { ServerConfig } from '../config/schema.ts';
import { describeScope } from '../oauth/index.ts';
import type { ParsedArgs } from './args.ts';
import { createBrowserOpener } from './browser.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';
import { singleLine } from './format.ts';

const NO_DESCRIPTIONS: ReadonlyMap<string, string> = new Map();

/** The lines naming the scopes an authorization URL asks for, with what each allows where Keyport knows. */
export function requestedScopeLines(authorizationUrl: string): readonly string[] {
  let scope: string | null;
  try {
    scope = new URL(authorizationUrl).searchParams.get('scope');
  } catch {
    return [];
  }
  const scopes = (scope ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) return ['Keyport asks for no particular permission; the authorization server decides what to grant.'];
  const width = Math.min(24, Math.max(...scopes.map((s) => s.length)));
  return [
    'Keyport asks for these permissions (choose others with --scope):',
    ...scopes.map((s) => {
      const meaning = describeScope(s, NO_DESCRIPTIONS)?.description;
      return `  ${singleLine(s).padEnd(width)}${meaning ? `  ${meaning}` : ''}`;
    }),
  ];
}

/** The core for `call`, set up so a step-up can open the browser (the MCP requests themselves never do). */
export function prepareStepUp(ctx: CliContext, parsed: ParsedArgs): void {
  const command = typeof parsed.options['browser-command'] === 'string' ? parsed.options['browser-command'] : ctx.io.env.BROWSER;
  ctx.core({
    openBrowser: createBrowserOpener({ ...(command !== undefined && command.trim() !== '' && { command }), onProblem: (m) => ctx.io.stderr(m) }),
    onLoginState: (_url, state) => {
      if (state.state !== 'awaiting-user') return;
      ctx.io.stderr(`Open this URL to grant them:\n  ${state.authorizationUrl}`);
      ctx.io.stderr('Waiting for you in your browser… (Ctrl-C to cancel)');
    },
  });
}

/** Reads the user's yes/no from stdin (a line); no answer counts as no. */
async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.io.stderr(question);
  const line = await new Promise<string | undefined>((resolve) => {
    if (ctx.io.readLines === undefined) {
      void ctx.io.readStdin().then((text) => resolve(text.split(/\r?\n/)[0]), () => resolve(undefined));
      return;
    }
    let stop: (() => void) | undefined = undefined;
    let done = false;
    const finish = (answer: string | undefined): void => {
      if (done) return;
      done = true;
      resolve(answer);
      stop?.();
    };
    stop = ctx.io.readLines((l) => finish(l), () => finish(undefined));
    if (done) stop();
  });
  return /^\s*y(es)?\s*$/i.test(line ?? '');
}

/**
 * Runs `attempt`; when the server refuses it for missing scopes, shows the difference, asks (unless `--yes`), signs in
 * again with the held and the asked-for scopes, and runs it once more.
 */
export async function withStepUp<T>(ctx: CliContext, parsed: ParsedArgs, server: ServerConfig, account: string | undefined, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    const e = err as { code?: unknown; scopes?: readonly string[]; tool?: string };
    if (e.code !== 'insufficient_scope' || server.url === undefined) throw err;
    const core = ctx.core();
    const target = await core.target(server);
    const held = (await core.engine().tokenSetView(target, { ...(account !== undefined && { account }) }))?.scopes ?? [];
    const asked = e.scopes ?? [];
    const added = asked.filter((s) => !held.includes(s));
    const tool = singleLine(e.tool ?? parsed.args.tool ?? 'This call');
    const name = singleLine(server.name);
    const wanted = singleLine(added.join(' ') || asked.join(' '));
    if (parsed.options.yes !== true && ctx.io.interactive !== true) {
      // Nobody to ask: one line that says what is missing and how to grant it.
      throw new CliError('insufficient_scope', `${tool} needs ${wanted} on ${name} (you hold ${singleLine(held.join(' ')) || 'no scope'}). Run the command again with --yes to sign in with them.`);
    }
    ctx.io.stderr(
      [
        `${tool} needs more permissions on ${name} than your sign-in grants:`,
        `  you hold:      ${singleLine(held.join(' ')) || '(none)'}`,
        `  it asks for:   ${added.length > 0 ? added.map((s) => `+ ${singleLine(s)}`).join(' ') : singleLine(asked.join(' '))}`,
      ].join('\n'),
    );
    const agreed = parsed.options.yes === true || (await confirm(ctx, 'Sign in again to grant them? [y/N]'));
    if (!agreed) {
      throw new CliError('insufficient_scope', `${tool} needs ${wanted} on ${name}. Run the command again with --yes to sign in with them.`);
    }
    await core.engine().login(target, { scope: [...new Set([...held, ...asked])].join(' '), ...(account !== undefined && { account }) });
    return attempt();
  }
}
