/**
 * The layout a newcomer can follow (issue 10, item 7): no file under main/ grows into a room to get lost in, and no two
 * folders of main/ import each other (shared plumbing has a home both can import, e.g. main/fs/).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const mainDir = join(root, 'main');
/** "At most ~400 lines": a little slack for a doc comment, none for a second module hiding in one file. */
const MAX_LINES = 420;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The top folder of main/ a file belongs to ('' for files directly in main/). */
function topFolder(file: string): string {
  const parts = relative(mainDir, file).split(sep);
  return parts.length > 1 ? parts[0]! : '';
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!));
}

describe('main/ layout', () => {
  const files = sourceFiles(mainDir);

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: relative(root, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('has no two folders that import each other', () => {
    const edges = new Set<string>();
    for (const file of files) {
      const from = topFolder(file);
      if (!from) continue;
      for (const target of relativeImports(file)) {
        if (!target.startsWith(mainDir + sep)) continue;
        const to = topFolder(target);
        if (to && to !== from) edges.add(`${from}->${to}`);
      }
    }
    const cycles = [...edges].filter((e) => {
      const [a, b] = e.split('->');
      return a! < b! && edges.has(`${b}->${a}`);
    });
    expect(cycles).toEqual([]);
  });
});
