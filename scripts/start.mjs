#!/usr/bin/env node
// `npm start`: builds the app, starts the local demo servers (development only; KEYPORT_NO_DEMO=1 skips them), and
// launches the app in Electron. Says clearly what to do when Electron's binary is missing (it is downloaded on first
// use; machines without access to GitHub cannot run the window, only the CLI and the tests).
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
      'Run `node node_modules/electron/install.js` (or reinstall without ELECTRON_SKIP_BINARY_DOWNLOAD) on a machine ' +
      'that can reach GitHub. The command line (`npx keyport --help`) and `npm run demo` work without it.',
  );
  process.exit(1);
}

const children = [];
const env = { ...process.env };
if (process.env.KEYPORT_NO_DEMO !== '1') {
  const mcpPort = process.env.KEYPORT_DEMO_MCP_PORT ?? '9001';
  children.push(spawn(process.execPath, [join(root, 'test/servers/demo.ts')], { cwd: root, stdio: 'inherit' }));
  env.KEYPORT_DEMO_MCP_URL = `http://127.0.0.1:${mcpPort}/mcp`;
}
const app = spawn(electronPath, [root, ...process.argv.slice(2)], { stdio: 'inherit', env });
children.push(app);
const stop = (code) => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exit(code);
};
app.on('exit', (code) => stop(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(0));
