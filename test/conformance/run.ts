/**
 * `npm run conformance`: runs every client scenario of each pinned suite run, one at a time, prints
 * `conformance <label>: X/Y scenarios passed` (three lines: 0.1.16, 0.2.0-alpha.12 at its defaults, 0.2.0-alpha.12
 * forced to 2025-11-25), and exits non-zero on any failure not listed (with its reason) in expected-failures.json.
 *
 * Options: `--version <v>` (only the runs of that suite version), `--scenario <name>` (only that scenario),
 * `--verbose` (print output of failing scenarios).
 */
import { SUITES, expectedFailures, listClientScenarios, runScenario, suiteLabel } from './suites.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const onlyVersion = flag('--version');
const onlyScenario = flag('--scenario');
const verbose = args.includes('--verbose');
const expected = expectedFailures();
let unexpected = 0;

for (const suite of SUITES) {
  if (onlyVersion && suite.version !== onlyVersion) continue;
  const scenarios = listClientScenarios(suite).filter((s) => !onlyScenario || s === onlyScenario);
  const label = suiteLabel(suite);
  const allowed = expected[label] ?? {};
  let passed = 0;
  const started = Date.now();
  for (const scenario of scenarios) {
    const r = await runScenario(suite, scenario);
    if (r.passed) passed++;
    const mark = r.passed ? 'pass' : allowed[scenario] ? 'FAIL (expected)' : 'FAIL';
    console.log(`  ${label} ${scenario.padEnd(44)} ${mark.padEnd(16)} ${(r.durationMs / 1000).toFixed(1)}s  ${r.summary}`);
    if (!r.passed && allowed[scenario]) console.log(`      reason: ${allowed[scenario]}`);
    if (!r.passed && !allowed[scenario]) {
      unexpected++;
      if (verbose) console.log(r.output.split('\n').map((l) => `      | ${l}`).join('\n'));
    }
  }
  console.log(`conformance ${label}: ${passed}/${scenarios.length} scenarios passed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
process.exit(unexpected === 0 ? 0 : 1);
