#!/usr/bin/env node
// The `keyport` command. Node 22 runs Keyport's TypeScript directly (type stripping), so there is no build step.
// Node 22.12–22.17 need --experimental-strip-types: re-run this script with it (once).
import { spawn } from 'node:child_process';

if (!process.features.typescript) {
  if (process.env.KEYPORT_STRIP_TYPES_REEXEC === '1') {
    process.stderr.write('keyport: this Node cannot run TypeScript (type stripping); use Node 22.12 or newer.\n');
    process.exit(1);
  }
  const execArgv = process.execArgv.filter((arg) => arg !== '--no-experimental-strip-types');
  const child = spawn(
    process.execPath,
    [...execArgv, '--experimental-strip-types', '--disable-warning=ExperimentalWarning', process.argv[1], ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, KEYPORT_STRIP_TYPES_REEXEC: '1' } },
  );
  // Ctrl-C reaches the child through the terminal's process group; do not die before it has cleaned up.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
  });
} else {
  const { main } = await import('../main/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
  // Idle keep-alive sockets or native handles must not keep a finished command alive; exit once output is flushed.
  await new Promise((resolve) => process.stdout.write('', resolve));
  await new Promise((resolve) => process.stderr.write('', resolve));
  process.exit();
}
