/**
 * Runs every client scenario of the three pinned conformance suite runs (0.1.16; 0.2.0-alpha.12 at its defaults;
 * 0.2.0-alpha.12 forced to 2025-11-25) against `test/conformance/client`, i.e. Keyport's own connection layer, one at
 * a time. A scenario listed in expected-failures.json may fail (its reason is printed); any other failure fails.
 */
import { describe, expect, it } from 'vitest';
import { SUITES, expectedFailures, listClientScenarios, runScenario, suiteLabel } from './suites.ts';

const expected = expectedFailures();

for (const suite of SUITES) {
  const label = suiteLabel(suite);
  describe(`conformance ${label}`, () => {
    const scenarios = listClientScenarios(suite);
    it('lists its client scenarios', () => {
      expect(scenarios.length).toBeGreaterThan(20);
    });
    for (const scenario of scenarios) {
      const reason = expected[label]?.[scenario];
      it(`${scenario}${reason ? ' (expected failure)' : ''}`, { timeout: 90_000 }, async () => {
        const result = await runScenario(suite, scenario);
        if (reason) {
          if (result.passed) console.warn(`${label} ${scenario} now passes; remove it from expected-failures.json`);
          return;
        }
        expect(result.passed, `${scenario}: ${result.summary}\n${result.output.slice(-4000)}`).toBe(true);
      });
    }
  });
}
