#!/usr/bin/env node
// `npm test`: runs every test suite (unit, integration, Chromium, packaging, security scan, conformance) with vitest
// and ends with one line "N passed, N failed, N skipped" computed from vitest's JSON results. A suite that fails to
// load counts as a failure. Extra arguments go to vitest (e.g. `npm test -- test/oauth`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`Keyport needs Node 22.12 or newer to test (this is ${process.version}). See README.md, "Requirements".`);
  process.exit(1);
}

const results = join(root, 'results');
mkdirSync(results, { recursive: true });
const report = join(results, 'vitest.json');
rmSync(report, { force: true });

const run = spawnSync(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests;
  skipped = json.numPendingTests + json.numTodoTests;
  // A file that failed to load has no test results but must still count.
  for (const file of json.testResults) {
    if (file.status === 'failed' && file.assertionResults.every((a) => a.status !== 'failed')) failed += 1;
  }
} catch {
  failed = Math.max(failed, 1);
  console.error('No test results were written: vitest did not run to completion.');
}
if (run.status !== 0 && failed === 0) failed = 1;

const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
writeFileSync(join(results, 'summary.txt'), `${line}\n`);
console.log(line);
process.exit(failed > 0 ? 1 : 0);
