/**
 * Vitest global setup: builds the app (main, preload, renderer) once per run so renderer and packaging tests use the
 * real bundles. Skipped when KEYPORT_SKIP_BUILD=1 (the CI script builds first and says so).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs `electron-vite build` in the repo root. */
export function setup(): void {
  if (process.env['KEYPORT_SKIP_BUILD'] === '1') return;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
