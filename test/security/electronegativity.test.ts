/**
 * Electronegativity (Doyensec's Electron security scanner) over the shell's sources: main/, preload/ and the
 * renderer's index.html (for the CSP). Any HIGH or MEDIUM finding fails unless docs/security.md lists it with the
 * reason it is a false positive. The scanner lives in its own install folder (its TypeScript 4 clashes with ours);
 * `.ci/run` installs it. It phones home for translations and release lists, so it runs with DNS refused.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scanner =
  process.env['KEYPORT_ELECTRONEGATIVITY'] ??
  join(homedir(), '.cache/keyport/electronegativity/node_modules/@doyensec/electronegativity/dist/index.js');
const available = existsSync(scanner);
const required = process.env['CI'] === 'true';

interface Finding {
  readonly check: string;
  readonly severity: string;
  readonly file: string;
  readonly location: string;
  readonly sample: string;
}

/** Parses the scanner's CSV (quoted fields may hold commas). */
function parseCsv(text: string): Finding[] {
  const rows = text.trim().split('\n').slice(1);
  return rows.map((row) => {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (const ch of row) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        cells.push(cell.trim());
        cell = '';
      } else cell += ch;
    }
    cells.push(cell.trim());
    return { check: cells[0] ?? '', severity: cells[1] ?? '', file: cells[3] ?? '', location: cells[4] ?? '', sample: cells[5] ?? '' };
  });
}

/** The reviewed findings: rows of the table under "Electronegativity findings" in docs/security.md. */
async function reviewedFindings(): Promise<Array<{ check: string; file: string; reason: string }>> {
  const doc = await readFile(join(root, 'docs/security.md'), 'utf8');
  const section = doc.split(/^## Electronegativity findings/m)[1] ?? '';
  return section
    .split('\n')
    .filter((line) => /^\|\s*`?[A-Z_]+`?\s*\|/.test(line))
    .map((line) => line.split('|').map((c) => c.trim().replaceAll('`', '')))
    .map((cells) => ({ check: cells[1] ?? '', file: cells[2] ?? '', reason: cells[3] ?? '' }));
}

describe.skipIf(!available && !required)('electronegativity', () => {
  it('is installed (the CI installs it into its own folder)', () => {
    expect(available, `electronegativity not found at ${scanner}`).toBe(true);
  });

  it('finds nothing HIGH or MEDIUM that docs/security.md does not explain', async () => {
    const stage = await mkdtemp(join(tmpdir(), 'keyport-eneg-'));
    try {
      await cp(join(root, 'main'), join(stage, 'main'), { recursive: true });
      await cp(join(root, 'preload'), join(stage, 'preload'), { recursive: true });
      await mkdir(join(stage, 'renderer'));
      await cp(join(root, 'renderer/index.html'), join(stage, 'renderer/index.html'));
      const electronVersion = (await import('electron/package.json', { with: { type: 'json' } })).default.version;
      const csv = join(stage, 'findings.csv');
      await promisify(execFile)(
        process.execPath,
        ['--require', join(root, 'scripts/offline.cjs'), scanner, '-i', stage, '-e', electronVersion, '-x',
          'AvailableSecurityFixesGlobalCheck', '-r', '-v', 'false', '-o', csv],
        { cwd: stage, timeout: 120_000 },
      );
      const findings = parseCsv(await readFile(csv, 'utf8')).filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM');
      const reviewed = await reviewedFindings();
      const unexplained = findings.filter(
        (f) => !reviewed.some((r) => r.check === f.check && f.file.endsWith(r.file) && r.reason.length > 20),
      );
      expect(unexplained, 'add a fix, or a row with the reason to docs/security.md').toEqual([]);
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  });
});
