/**
 * The CLI's side effects, injected: output streams, stdin, environment, Ctrl-C. `processIo()` is the real one; tests
 * pass a recording one and run the CLI in-process.
 */

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
}

/** The real process: stdout/stderr, stdin, `process.env`, SIGINT. */
export function processIo(): CliIo {
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
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}
