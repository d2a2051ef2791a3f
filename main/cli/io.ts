/**
 * The CLI's side effects, injected: output streams, stdin, environment, Ctrl-C. `processIo()` is the real one; tests
 * pass a recording one and run the CLI in-process. `terminalSafeIo()` is the output boundary every command writes
 * through: no character a server controls can drive the terminal, whatever the command (issue 11 §3).
 */
import { createInterface } from 'node:readline';
import { format } from 'node:util';
import { jsonSafe, terminalSafe } from './terminal-text.ts';

/** What the CLI needs from its process. */
export interface CliIo {
  /** Writes one line (or block) to stdout. */
  readonly stdout: (text: string) => void;
  /** Writes one line (or block) to stderr. */
  readonly stderr: (text: string) => void;
  /** Reads all of stdin (for `--client-secret-stdin`). */
  readonly readStdin: () => Promise<string>;
  readonly env: NodeJS.ProcessEnv;
  /** Calls `handler` on Ctrl-C until the returned function is called. */
  readonly onInterrupt: (handler: () => void) => () => void;
  /** Someone is at the terminal to answer a question (stdin and stderr are terminals); absent means no. */
  readonly interactive?: boolean;
  /**
   * Reads stdin line by line (a redirected address pasted back, issue 13) until the returned function is called or
   * stdin ends (`onEnd`). Absent: the caller reads all of stdin with {@link readStdin} instead.
   */
  readonly readLines?: (onLine: (line: string) => void, onEnd?: () => void) => () => void;
  /**
   * Rewrites one transient status line on stderr (a countdown); present only when stderr is a terminal. `''` clears
   * the line, which the caller does before printing anything else.
   */
  readonly status?: (text: string) => void;
}

/**
 * Wraps an io so that everything written is safe for a terminal: stderr (always human) and human stdout show control
 * and format characters as inert escapes (`\x1b`, `\u009b`); while `json()` is true (`--json`), stdout is JSON whose
 * strings escape the same characters the JSON way (`\u001b`, `\u009b`), so it still parses to the original text.
 * Newlines stay: a field that must stay on one line is escaped where it is formatted (`singleLine`, used by `table()`).
 */
export function terminalSafeIo(io: CliIo, json: () => boolean): CliIo {
  return {
    ...io,
    stdout: (text) => io.stdout(json() ? jsonSafe(text) : terminalSafe(text)),
    stderr: (text) => io.stderr(terminalSafe(text)),
    ...(io.status !== undefined && { status: (text: string) => io.status?.(terminalSafe(text).replace(/\n/g, ' ')) }),
  };
}

/**
 * Library chatter (`console.*` from a dependency) would bypass the boundary and, on stdout, break `--json`: in the
 * real process it goes to stderr, made terminal-safe.
 */
function routeConsoleToSafeStderr(): void {
  const write = (...args: unknown[]): void => {
    process.stderr.write(`${terminalSafe(format(...args))}\n`);
  };
  for (const method of ['log', 'info', 'debug', 'warn', 'error', 'trace'] as const) console[method] = write;
}

/** The real process: stdout/stderr, stdin, `process.env`, SIGINT. */
export function processIo(): CliIo {
  routeConsoleToSafeStderr();
  return {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    readStdin: async () => {
      if (process.stdin.isTTY) process.stderr.write('Type or paste the secret, then press Enter and Ctrl-D:\n');
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    readLines: (onLine, onEnd) => {
      const lines = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
      let open = true;
      lines.on('line', (line) => onLine(line));
      lines.once('close', () => {
        if (open) onEnd?.();
        open = false;
      });
      return () => {
        if (!open) return;
        open = false;
        lines.close();
        // Nothing reads stdin after this: let the process end instead of waiting for more input.
        process.stdin.destroy();
      };
    },
    ...(process.stderr.isTTY && { status: (text: string) => void process.stderr.write(`\r\x1b[2K${text}`) }),
  };
}
