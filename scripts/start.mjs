#!/usr/bin/env node
// `npm start`: builds the app and launches it in Electron. Says clearly what to do when Electron's binary is missing
// (it is downloaded on first use; machines without access to GitHub cannot run the window, only the CLI and tests).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

let electronPath;
try {
  electronPath = createRequire(import.meta.url)('electron');
} catch (error) {
  console.error(
    `Electron's binary is not available (${error instanceof Error ? error.message.split('\n')[0] : error}).\n` +
      'Run `npx install-electron` (or reinstall without ELECTRON_SKIP_BINARY_DOWNLOAD) on a machine that can reach ' +
      'GitHub. The command line (`npx keyport --help`) works without it.',
  );
  process.exit(1);
}
const child = spawn(electronPath, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
