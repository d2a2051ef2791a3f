/**
 * The pinned conformance suites and how to run one client scenario of each (one at a time: the machine is small and
 * `--suite` mode runs scenarios in parallel and ignores the client's exit code).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = join(here, '..', '..');

/** A pinned suite run: its version, npm alias, the extra flags of its client runs, and how its line is labelled. */
export interface Suite {
  readonly version: string;
  readonly alias: string;
  readonly flags: readonly string[];
  /** The label of its result line (`conformance <label>: X/Y scenarios passed`); the version when absent. */
  readonly label?: string;
}

/**
 * The pinned suite runs (package.json devDependencies `conformance-<version>`): 0.1.16; 0.2.0-alpha.12 at its
 * defaults (scenarios introduced in 2026-07-28 on the stateless wire, the others on 2025-11-25); and 0.2.0-alpha.12
 * with every scenario forced onto 2025-11-25. The same client (Keyport's connection layer, negotiating the era)
 * serves all three.
 */
export const SUITES: readonly Suite[] = [
  { version: '0.1.16', alias: 'conformance-0.1.16', flags: [] },
  { version: '0.2.0-alpha.12', alias: 'conformance-0.2.0-alpha.12', flags: [] },
  { version: '0.2.0-alpha.12', alias: 'conformance-0.2.0-alpha.12', flags: ['--spec-version', '2025-11-25', '--force'], label: '0.2.0-alpha.12 (forced 2025-11-25)' },
];

/** The label a suite run's results are printed and allowed failures are listed under. */
export function suiteLabel(suite: Suite): string {
  return suite.label ?? suite.version;
}

function cli(suite: Suite): string {
  return join(ROOT, 'node_modules', suite.alias, 'dist', 'index.js');
}

/** The client scenarios a suite lists. */
export function listClientScenarios(suite: Suite): string[] {
  const out = spawnSync(process.execPath, [cli(suite), 'list'], { encoding: 'utf8' });
  const text = `${out.stdout}\n${out.stderr}`;
  const section = text.split(/Client scenarios[^\n]*\n/)[1]?.split(/\n\s*\n|\n[A-Z][^\n]*scenarios/)[0] ?? '';
  return [...section.matchAll(/^\s*-\s+(\S+)/gm)].map((m) => m[1]!);
}

/** The outcome of one scenario run. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly passed: boolean;
  readonly durationMs: number;
  readonly summary: string;
  readonly output: string;
}

/** Runs one client scenario against `test/conformance/client`. */
export function runScenario(suite: Suite, scenario: string, timeoutMs = 30_000): Promise<ScenarioResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli(suite), 'client', '--command', `exec ${join(here, 'client')}`, '--scenario', scenario, '--timeout', String(timeoutMs), ...suite.flags], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 30_000);
    child.on('close', () => {
      clearTimeout(killer);
      // eslint-disable-next-line no-control-regex
      const clean = output.replace(/\x1b\[[0-9;]*m/g, '');
      const passed = /OVERALL: PASSED/.test(clean);
      const summary = /Passed: [^\n]*/.exec(clean)?.[0] ?? (passed ? 'passed' : 'no result');
      resolve({ scenario, passed, durationMs: Date.now() - started, summary, output: clean });
    });
  });
}

/** Scenarios allowed to fail, with the reason, per suite version. */
export function expectedFailures(): Record<string, Record<string, string>> {
  return JSON.parse(readFileSync(join(here, 'expected-failures.json'), 'utf8')) as Record<string, Record<string, string>>;
}
