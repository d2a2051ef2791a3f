#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>/index.ts under Node (type stripping), passing further arguments on.
// Each benchmark prints its figures and ends with one JSON line: {"bench", "metric", "value", "target", "pass"}.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [name, ...rest] = process.argv.slice(2);
const available = existsSync(join(root, 'bench'))
  ? readdirSync(join(root, 'bench'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
  : [];
if (!name || !available.includes(name)) {
  console.error(`Usage: npm run bench -- <name>   (one of: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
const run = spawnSync(process.execPath, [join(root, 'bench', name, 'index.ts'), ...rest], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
