import { defineConfig } from 'vitest/config';

/** Vitest runs every suite under test/ in Node; Chromium and servers are started by the suites themselves. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/setup/build.ts', 'test/setup/keyring.ts'],
  },
});
