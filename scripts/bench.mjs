#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>/index.ts under Node (type stripping), passing further arguments on.
// `npm run bench -- all` (or a comma-separated list, e.g. `login,memory`) runs each in turn, showing its output, and
// ends with one table: bench / metric / value / target / pass, a row per target (the JSON line's `checks` when it has
// them, its metric first; else the line itself). `--tiny` runs each with the small parameters the tests use (a smoke run; its figures mean nothing).
// Each benchmark prints its figures and ends with one JSON line: {"bench", "metric", "value", "target", "pass"}.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Small parameters per benchmark: end to end in seconds, for tests and smoke runs. */
const TINY = {
  login: ['--iterations', '1', '--warmups', '0'],
  'warm-start': ['--sizes', '1,2', '--servers', '2', '--rounds', '1', '--warmups', '0'],
  memory: ['--servers', '2', '--calls', '100'],
  toolcall: ['--calls', '100', '--batch', '20', '--warmup', '10'],
  'refresh-storm': ['--calls', '10'],
  renderer: ['--runs', '1'],
};

const args = process.argv.slice(2);
const tiny = args.includes('--tiny');
const [selection, ...rest] = args.filter((a) => a !== '--tiny');
const available = existsSync(join(root, 'bench'))
  ? readdirSync(join(root, 'bench'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, 'bench', d.name, 'index.ts')))
      .map((d) => d.name)
      .sort()
  : [];
const names = selection === 'all' ? available : (selection ?? '').split(',').filter(Boolean);
if (names.length === 0 || names.some((n) => !available.includes(n))) {
  console.error(`Usage: npm run bench -- <name>[,<name>…] | all  [--tiny]   (one of: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}

/** Runs one benchmark, its output shown as it comes; resolves with its exit code and its last JSON line. */
function run(name) {
  return new Promise((resolve) => {
    const argv = [join(root, 'bench', name, 'index.ts'), ...(tiny ? (TINY[name] ?? []) : []), ...rest];
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-64 * 1024);
    });
    child.on('close', (code, signal) => {
      const last = tail.trimEnd().split('\n').pop() ?? '';
      let result;
      try {
        const parsed = JSON.parse(last);
        if (parsed && parsed.bench === name) result = parsed;
      } catch {
        // no JSON line: the row says so
      }
      resolve({ name, code: code ?? (signal ? 1 : 0), result });
    });
  });
}

if (names.length === 1) {
  const { code, result } = await run(names[0]);
  process.exit(code !== 0 ? code : result ? 0 : 1);
}

const rows = [];
let failed = false;
for (const name of names) {
  console.log(`\n=== ${name}`);
  const { code, result } = await run(name);
  if (!result) {
    failed = true;
    rows.push([name, code === 0 ? 'no JSON line' : `exited with ${code}`, '', '', 'no']);
    continue;
  }
  if (code !== 0) failed = true;
  const fmt = (v) => (typeof v === 'number' ? String(v) : JSON.stringify(v));
  // A bench with several targets lists them as `checks` (its metric first); otherwise its one line is the row.
  const checks = Array.isArray(result.checks) && result.checks.length > 0 ? result.checks : [result];
  checks.forEach((c, i) => {
    const target = c.relation ? `${c.relation} ${fmt(c.target)}` : fmt(c.target);
    rows.push([i === 0 ? name : '', c.metric, fmt(c.value), target, c.pass ? 'yes' : 'no']);
  });
}
const header = ['bench', 'metric', 'value', 'target', 'pass'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
console.log(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
for (const r of rows) console.log(line(r));
process.exit(failed ? 1 : 0);
