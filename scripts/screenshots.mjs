#!/usr/bin/env node
// `npm run screenshots`: PNGs of the window's main screens in both themes into screenshots/ (git-ignored). The work
// is done by test/renderer/screenshots.ts (Chromium harness + test bed), run under Node's type stripping.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = spawnSync(process.execPath, [join(root, 'test', 'renderer', 'screenshots.ts'), join(root, 'screenshots'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
