/** Runs the CLI in-process (recording its output) or as the real `bin/keyport.js` process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../main/cli.ts';
import type { CliDeps, CliIo } from '../../main/cli.ts';

/** What one CLI run produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a run: stdin text, extra environment, a Ctrl-C trigger. */
export interface RunOptions {
  readonly stdin?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly deps?: CliDeps;
  /** Receives a function that simulates Ctrl-C. */
  readonly interrupt?: (fire: () => void) => void;
}

/** Runs `main(argv)` in this process. */
export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const handlers = new Set<() => void>();
  const io: CliIo = {
    stdout: (text) => (stdout += `${text}\n`),
    stderr: (text) => (stderr += `${text}\n`),
    readStdin: async () => options.stdin ?? '',
    env: { ...process.env, KEYPORT_DATA_DIR: '', BROWSER: '', ...options.env },
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  options.interrupt?.(() => handlers.forEach((h) => h()));
  const code = await main(argv, io, options.deps ?? {});
  return { code, stdout, stderr };
}

/** The path of the real command. */
export const binPath = fileURLToPath(new URL('../../bin/keyport.js', import.meta.url));

/** Runs `bin/keyport.js` as a child process. */
export function runBin(argv: readonly string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...argv], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
