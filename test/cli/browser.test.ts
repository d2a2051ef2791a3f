import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrowserOpener } from '../../main/cli/browser.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 25));
  return readFileSync(path, 'utf8');
}

const writer = (file: string) => `"${process.execPath}" -e "require('fs').writeFileSync(process.argv[1], process.argv.slice(2).join('|'))" "${file}"`;

describe.runIf(process.platform !== 'win32')('createBrowserOpener', () => {
  it('runs the command with the URL as one argument that no shell interprets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyport-browser-'));
    dirs.push(dir);
    const file = join(dir, 'url');
    const url = "http://127.0.0.1:1/auth?a=1&b='x'$(touch pwned);`id`";
    await createBrowserOpener({ command: writer(file) })(url);
    expect(await waitForFile(file)).toBe(url);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
  });

  it('puts the URL in place of %s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyport-browser-'));
    dirs.push(dir);
    const file = join(dir, 'url');
    await createBrowserOpener({ command: `${writer(file)} %s --new-window` })('http://127.0.0.1:1/x');
    expect(await waitForFile(file)).toBe('http://127.0.0.1:1/x|--new-window');
  });

  it('reports a command that cannot start or fails, without failing the login', async () => {
    const problems: string[] = [];
    await createBrowserOpener({ command: 'exit 3', onProblem: (m) => problems.push(m) })('http://127.0.0.1:1/x');
    for (let i = 0; i < 100 && problems.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(problems).toEqual(['The browser command exited with status 3.']);
  });
});
