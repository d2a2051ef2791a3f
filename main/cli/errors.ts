/**
 * How the CLI fails: exit codes and the one-line reason it prints on stderr. Every typed error of the core (config,
 * keychain, OAuth, MCP) maps to its own message, which already says what to do; nothing else is ever printed.
 */

/** The CLI's exit codes (stable: scripts branch on them). */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed (unknown server, keychain unavailable, sign-in failed, tool error …). */
  failure: 1,
  /** The command line was wrong (unknown command or option, missing argument, bad --args JSON). */
  usage: 2,
  /** The user cancelled (Ctrl-C). */
  cancelled: 130,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake on the command line: exit 2 with the message and a pointer to `--help`. */
export class UsageError extends Error {
  readonly code = 'usage';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the CLI itself detects (not a core error), with a stable code. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;

  constructor(code: string, message: string, exitCode: ExitCodeValue = ExitCode.failure) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** What the CLI prints and returns for an error. */
export interface CliFailure {
  readonly code: string;
  readonly message: string;
  readonly exitCode: ExitCodeValue;
}

/**
 * Collapses a message to one line (stderr carries exactly one line per failure): every line break a terminal honours
 * (LF, CR, VT, FF, NEL, U+2028/U+2029) becomes a space, so text a server put in a message cannot start a fake line.
 * Other control characters are left to the output boundary (`terminalSafeIo`), which shows them as inert escapes;
 * `--json` carries the message with its original characters, escaped by JSON.
 */
function oneLine(text: string): string {
  return text.replace(/\s*[\n\r\v\f\u0085\u2028\u2029][\s\u0085]*/g, ' ').trim();
}

/** Maps any thrown value to the code, one-line message and exit code the CLI reports. */
export function toCliFailure(err: unknown): CliFailure {
  if (err instanceof UsageError) return { code: 'usage', message: oneLine(err.message), exitCode: ExitCode.usage };
  if (err instanceof CliError) return { code: err.code, message: oneLine(err.message), exitCode: err.exitCode };
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    const code = (err as { code: string }).code;
    const message = err instanceof Error ? err.message : String(err);
    const cancelled = code === 'cancelled';
    return { code, message: oneLine(message), exitCode: cancelled ? ExitCode.cancelled : ExitCode.failure };
  }
  // Every layer throws typed errors with advice; reaching this line is a Keyport bug. The message says what to do and
  // shows only the error's kind, never its text (which may hold server-controlled content).
  const kind = err instanceof Error ? err.name : typeof err;
  return {
    code: 'internal_error',
    message: `Keyport failed in a way it does not expect (${oneLine(kind).slice(0, 40)}). Nothing was saved. Try again; if it happens again, run \`keyport report <server>\` and send the file to the Keyport maintainers.`,
    exitCode: ExitCode.failure,
  };
}
