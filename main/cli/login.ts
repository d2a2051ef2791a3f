/**
 * `keyport login <server>`: signing in from a terminal, wherever the terminal is (issue 13).
 * - With a browser on this machine: the URL is opened (`--browser-command`, `$BROWSER`, the system's) and printed.
 * - `--no-browser`, or when the browser command fails: the URL is printed and, besides the loopback, the address the
 *   browser ended on can be pasted on stdin; it is checked exactly like a callback, whichever arrives first wins, and
 *   a refused paste is answered with a fixed reason (never the pasted text).
 * - `--device`, or a server set to `device` (or `automatic` with no browser here): the user code and the verification
 *   address are printed with a countdown; the user signs in on any device.
 * `--account NAME` signs in a named account (several identities per server); Ctrl-C cancels and stores nothing.
 */
import type { ServerConfig } from '../config/schema.ts';
import { localBrowserAvailable, type LoginState, type PastedRedirectResult } from '../oauth/index.ts';
import type { ParsedArgs } from './args.ts';
import { createBrowserOpener } from './browser.ts';
import { accountOption, landedAccount } from './accounts.ts';
import { requestedScopeLines } from './consent.ts';
import type { CliContext } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { relativeTime, singleLine } from './format.ts';

/** How the terminal takes part in the sign-in. */
interface Terminal {
  /** Starts reading pasted addresses (once). */
  startPaste(): void;
  /** Stops reading and the countdown. */
  stop(): void;
}

/** "9:41" for a countdown. */
function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Prints the device sign-in (RFC 8628) and keeps a countdown line current on a terminal. */
function showDeviceCode(ctx: CliContext, serverName: string, state: Extract<LoginState, { state: 'awaiting-device' }>, now: () => number): () => void {
  const lines = [
    `To sign in to ${serverName}, open this address on any device:`,
    `  ${singleLine(state.verificationUri)}`,
    'and enter the code:',
    '',
    `    ${singleLine(state.userCode)}`,
    '',
  ];
  if (state.verificationUriComplete !== undefined) lines.push(`Or open this address, which carries the code:`, `  ${singleLine(state.verificationUriComplete)}`, '');
  ctx.io.stderr(lines.join('\n'));
  const status = ctx.io.status;
  if (status === undefined) {
    ctx.io.stderr(`Waiting for the code to be entered… it expires ${relativeTime(state.expiresAt, now())} (Ctrl-C to cancel)`);
    return () => undefined;
  }
  const tick = (): void => status(`Waiting for the code to be entered… expires in ${clock(state.expiresAt - now())} (Ctrl-C to cancel)`);
  tick();
  const timer = setInterval(tick, 1000);
  return () => {
    clearInterval(timer);
    status('');
  };
}

/** Reads pasted addresses and hands each to `submit` (the engine's receiver) until one is accepted. */
function pasteReader(ctx: CliContext, submit: (address: string) => PastedRedirectResult): Terminal {
  let stopReading: (() => void) | undefined;
  let done = false;
  const onLine = (line: string): void => {
    if (done || line.trim() === '') return;
    const result = submit(line);
    if (result.accepted) {
      ctx.io.stderr('Address accepted; finishing the sign-in…');
      done = true;
      stopReading?.();
    } else {
      // Fixed text from the receiver: the reason, never what was pasted.
      ctx.io.stderr(result.message ?? 'Keyport refused the pasted address. Paste the whole address your browser ended on.');
    }
  };
  return {
    startPaste() {
      if (stopReading !== undefined || done) return;
      ctx.io.stderr('Or paste the address your browser ended on here and press Enter (it starts with the redirect address above).');
      if (ctx.io.readLines !== undefined) {
        stopReading = ctx.io.readLines(onLine);
        return;
      }
      stopReading = () => undefined;
      void ctx.io.readStdin().then((text) => text.split(/\r?\n/).forEach(onLine));
    },
    stop() {
      done = true;
      stopReading?.();
    },
  };
}

function timeoutOption(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not "${value}"`);
  return Math.round(seconds * 1000);
}

/** `login <server> [--account NAME] [--no-browser | --device] …`. */
export async function login(ctx: CliContext, parsed: ParsedArgs): Promise<void> {
  const o = parsed.options;
  const timeoutMs = timeoutOption(o.timeout);
  if (o['no-browser'] === true && typeof o['browser-command'] === 'string') throw new UsageError('--no-browser and --browser-command exclude each other');
  const requestedAccount = accountOption(o.account);
  const noBrowser = o['no-browser'] === true;
  const command = typeof o['browser-command'] === 'string' ? o['browser-command'] : ctx.io.env.BROWSER;
  const hasCommand = command !== undefined && command.trim() !== '';
  const now = ctx.deps.now ?? Date.now;
  const controller = new AbortController();
  let serverName = '';
  // The receiver exists once the login runs; a line pasted before that is answered, not lost silently.
  const receiver: { submit?: (address: string) => PastedRedirectResult } = {};
  const terminal = pasteReader(ctx, (address) => receiver.submit?.(address) ?? { accepted: false, message: 'Keyport is not waiting for an address yet; paste it once the sign-in page has been opened.' });
  let stopCountdown: (() => void) | undefined;
  const opener = createBrowserOpener({
    ...(hasCommand && { command }),
    onProblem: (message) => {
      ctx.io.stderr(message);
      terminal.startPaste();
    },
  });
  const core = ctx.core({
    openBrowser: noBrowser ? async () => undefined : opener,
    browserAvailable: () => !noBrowser && (hasCommand || localBrowserAvailable(ctx.io.env)),
    onLoginState: (_url, state) => {
      if (state.state === 'awaiting-user') {
        // Consent you can read (issue 14): what is asked for, before the browser opens.
        ctx.io.stderr(requestedScopeLines(state.authorizationUrl).join('\n'));
        ctx.io.stderr(`Open this URL to sign in to ${serverName}:\n  ${state.authorizationUrl}`);
        if (noBrowser) {
          ctx.io.stderr(`Keyport is also listening on ${state.redirectUri} in case the browser runs on this machine.`);
          terminal.startPaste();
        }
        ctx.io.stderr('Waiting for sign-in in your browser… (Ctrl-C to cancel)');
      } else if (state.state === 'awaiting-device') {
        stopCountdown?.();
        stopCountdown = showDeviceCode(ctx, serverName, state, now);
      }
    },
    ...(timeoutMs !== undefined && { loginTimeoutMs: timeoutMs }),
  });
  const server: ServerConfig = await ctx.server(parsed.args.server ?? '', true);
  serverName = singleLine(server.name);
  const target = await ctx.target(server);
  const engine = core.engine();
  const active = core.accounts.active(server.id);
  const account = requestedAccount ?? active;
  // A named account that holds nothing yet, on a server that has others: ask the user to pick the identity, or the
  // browser's session would sign the same user in again.
  const before = await engine.accounts(target);
  const selectAccount = requestedAccount !== undefined && before.length > 0 && !before.some((a) => a.account === requestedAccount);
  receiver.submit = (address) => engine.submitRedirect(target, address, { account });
  const stop = ctx.io.onInterrupt(() => controller.abort());
  try {
    const view = await engine.login(target, {
      signal: controller.signal,
      account,
      ...(selectAccount && { selectAccount: true }),
      ...(o.device === true && { method: 'device' as const }),
      // --scope names exactly what to ask for (nothing is added, not even offline_access).
      ...(typeof o.scope === 'string' && { scope: o.scope, exactScope: true }),
      ...(timeoutMs !== undefined && { timeoutMs }),
    });
    stopCountdown?.();
    terminal.stop();
    const landed = await landedAccount(ctx, server, target, view, account, requestedAccount !== undefined);
    if (ctx.json) {
      ctx.io.stdout(JSON.stringify({ server: { id: server.id, name: server.name }, account: landed.account, tokenSet: view }));
      return;
    }
    const access = view.tokens.find((t) => t.kind === 'access');
    const expiry = access?.expiresAt === undefined ? '' : `, expires ${relativeTime(access.expiresAt, now())}`;
    const named = landed.account !== 'default' || landed.moved;
    const who = named ? ` as ${singleLine(landed.label)}` : '';
    const which = named ? `account "${singleLine(landed.account)}"; ` : '';
    ctx.io.stdout(`Signed in to ${serverName}${who} (${which}issuer ${singleLine(view.issuer)}; scopes ${singleLine(view.scopes.join(' ')) || 'none'}${expiry}).`);
    if (landed.moved) {
      ctx.io.stderr(
        before.some((a) => a.account === landed.account)
          ? `${singleLine(landed.label)} was already signed in as account "${singleLine(landed.account)}"; its tokens were replaced there, and account "${singleLine(account)}" was left as it was.`
          : `Account "${singleLine(account)}" holds another identity, so ${singleLine(landed.label)} was stored as a new account "${singleLine(landed.account)}".`,
      );
    }
  } catch (err) {
    if (controller.signal.aborted) throw new CliError('cancelled', 'Sign-in cancelled; nothing was stored.', 130);
    throw err;
  } finally {
    stopCountdown?.();
    terminal.stop();
    stop();
  }
}
