/**
 * The process boundary is enforced by the tools, not by good intentions: these tests run the real type checker and
 * the real linter on fixture files that break the rules, and expect both to refuse them.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'test/fixtures/renderer-violations');
const run = promisify(execFile);

async function typeCheckAsRenderer(fixture: string): Promise<string> {
  // Inside the repo (so `rootDir` holds the fixture), in a folder a fresh clone may not have yet.
  await mkdir(join(root, 'node_modules/.cache'), { recursive: true });
  const dir = await mkdtemp(join(root, 'node_modules/.cache/keyport-tsc-'));
  try {
    const config = join(dir, 'tsconfig.json');
    await writeFile(
      config,
      JSON.stringify({
        extends: join(root, 'tsconfig.web.json'),
        compilerOptions: { composite: true, noEmit: false, rootDir: root, outDir: join(dir, 'out'), tsBuildInfoFile: join(dir, 'tsbuildinfo') },
        include: [join(fixtures, fixture), join(root, 'renderer/src/global.d.ts')],
      }),
    );
    try {
      await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: root });
      return '';
    } catch (error) {
      return (error as { stdout: string }).stdout;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function lintAsRenderer(fixture: string) {
  const eslint = new ESLint({ cwd: root });
  const code = await readFile(join(fixtures, fixture), 'utf8');
  const [result] = await eslint.lintText(code, { filePath: join(root, 'renderer/src', fixture) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('a renderer file that imports Node', () => {
  it('fails the type check', async () => {
    expect(await typeCheckAsRenderer('imports-node.tsx')).toMatch(/TS2307: Cannot find module 'node:fs'/);
  });
  it('fails the lint', async () => {
    expect(await lintAsRenderer('imports-node.tsx')).toContainEqual(expect.stringMatching(/no-restricted-imports.*Node/));
  });
});

describe('a renderer file that imports main/', () => {
  it('fails the type check', async () => {
    expect(await typeCheckAsRenderer('imports-main.ts')).toMatch(/TS6307/);
  });
  it('fails the lint', async () => {
    expect(await lintAsRenderer('imports-main.ts')).toContainEqual(expect.stringMatching(/no-restricted-imports.*main/));
  });
});

describe('a renderer file that imports electron', () => {
  it('fails the lint', async () => {
    expect(await lintAsRenderer('imports-electron.ts')).toContainEqual(expect.stringMatching(/no-restricted-imports.*window\.keyport/));
  });
});

describe('the shell rules', () => {
  it('electron outside the shell fails the lint, import type is fine', async () => {
    const eslint = new ESLint({ cwd: root });
    const [bad] = await eslint.lintText("import { app } from 'electron';\nexport const a = app;\n", {
      filePath: join(root, 'main/oauth/sneaky.ts'),
    });
    expect(bad?.messages.map((m) => m.ruleId)).toContain('@typescript-eslint/no-restricted-imports');
    const [ok] = await eslint.lintText("import type { App } from 'electron';\nexport type A = App;\n", {
      filePath: join(root, 'main/oauth/sneaky.ts'),
    });
    expect(ok?.messages).toEqual([]);
  });

  it('raw ipcMain outside main/ipc fails the lint; inside main/ipc it passes', async () => {
    const eslint = new ESLint({ cwd: root });
    const code = "import { ipcMain } from 'electron';\nexport const h = ipcMain;\n";
    const [outside] = await eslint.lintText(code, { filePath: join(root, 'main/window.ts') });
    expect(outside?.messages.map((m) => m.message).join()).toMatch(/Raw ipcMain/);
    const [inside] = await eslint.lintText(code, { filePath: join(root, 'main/ipc/register.ts') });
    expect(inside?.messages).toEqual([]);
  });

  it('a default export fails the lint', async () => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText('export default function f() {}\n', { filePath: join(root, 'main/x.ts') });
    expect(result?.messages.map((m) => m.message)).toContain('Use named exports.');
  });
});
