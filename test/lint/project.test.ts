/** The whole project type-checks (every tsconfig project) and lints clean: part of `npm test`, so CI enforces both. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

async function outcome(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: root, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: e.stdout + e.stderr };
  }
}

describe('the project', () => {
  it('type-checks: npm run typecheck', async () => {
    const { code, output } = await outcome([join(root, 'node_modules/typescript/bin/tsc'), '-b']);
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 180_000);

  it('lints clean: npm run lint', async () => {
    const { code, output } = await outcome([join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 180_000);
});
