/**
 * Runs every client scenario of both pinned conformance suites against `test/conformance/client`, one at a time.
 * A scenario listed in expected-failures.json may fail (its reason is printed); any other failure fails the test.
 */
import { describe, expect, it } from 'vitest';
import { SUITES, expectedFailures, listClientScenarios, runScenario } from './suites.ts';

const expected = expectedFailures();

for (const suite of SUITES) {
  describe(`conformance ${suite.version}`, () => {
    const scenarios = listClientScenarios(suite);
    it('lists its client scenarios', () => {
      expect(scenarios.length).toBeGreaterThan(20);
    });
    for (const scenario of scenarios) {
      const reason = expected[suite.version]?.[scenario];
      it(`${scenario}${reason ? ' (expected failure)' : ''}`, { timeout: 90_000 }, async () => {
        const result = await runScenario(suite, scenario);
        if (reason) {
          if (result.passed) console.warn(`${suite.version} ${scenario} now passes; remove it from expected-failures.json`);
          return;
        }
        expect(result.passed, `${scenario}: ${result.summary}\n${result.output.slice(-4000)}`).toBe(true);
      });
    }
  });
}
