/**
 * The renderer's source never uses an HTML sink or a code-from-string API, and never builds links the browser would
 * follow: server-provided text can only ever become text. (The Chromium hostile-server test checks the behaviour;
 * this guards the code against a future shortcut.)
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const rendererRoot = fileURLToPath(new URL('../../renderer', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(/\.(tsx?|html|css)$/.test(e.name) ? [join(dir, e.name)] : []))),
  );
  return nested.flat();
}

const forbidden: readonly (readonly [string, RegExp])[] = [
  ['dangerouslySetInnerHTML', /dangerouslySetInnerHTML/],
  ['innerHTML / outerHTML', /\b(inner|outer)HTML\b/],
  ['insertAdjacentHTML', /insertAdjacentHTML/],
  ['document.write', /document\.write/],
  ['eval', /\beval\s*\(/],
  ['new Function', /new\s+Function\s*\(/],
  ['an <a href> (links open through main)', /<a\s[^>]*href=/],
  ['<iframe>/<object>/<embed>', /<(iframe|object|embed)\b/],
  ['window.open', /window\.open\s*\(/],
  ['a remote URL in CSS', /url\(\s*['"]?https?:/],
];

describe('renderer source', () => {
  it('has no HTML sinks, no code from strings and no followable links', async () => {
    const files = await sourceFiles(rendererRoot);
    expect(files.length).toBeGreaterThan(30);
    const hits: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const [name, pattern] of forbidden) if (pattern.test(text)) hits.push(`${file.slice(rendererRoot.length)}: ${name}`);
    }
    expect(hits).toEqual([]);
  });

  it('keeps components small (no 1,000-line components)', async () => {
    const files = (await sourceFiles(rendererRoot)).filter((f) => f.endsWith('.tsx'));
    const sizes = await Promise.all(files.map(async (f) => [f.slice(rendererRoot.length), (await readFile(f, 'utf8')).split('\n').length] as const));
    expect(sizes.filter(([, lines]) => lines > 300)).toEqual([]);
  });
});
