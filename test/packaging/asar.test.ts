/**
 * What ships: electron-builder packages the app for Linux (`--linux dir`) with a stand-in Electron distribution (the
 * real binary cannot be downloaded here), and the resulting app.asar must hold the built bundles and production
 * dependencies only — no sources, tests or development tools.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listPackage } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
let work: string;
let entries: string[];
let unpacked: string[];

async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listTree(join(dir, entry.name), path)));
    else out.push(path);
  }
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'keyport-pack-'));
  const dist = join(work, 'electron-dist');
  await mkdir(dist);
  await writeFile(join(dist, 'electron'), '#!/bin/sh\nexit 0\n');
  await chmod(join(dist, 'electron'), 0o755);
  const electronVersion = (await import('electron/package.json', { with: { type: 'json' } })).default.version;
  await writeFile(join(dist, 'version'), electronVersion);
  await run(
    process.execPath,
    [
      join(root, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'dir',
      `-c.electronDist=${dist}`,
      `-c.electronVersion=${electronVersion}`,
      `-c.directories.output=${join(work, 'release')}`,
    ],
    { cwd: root, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, maxBuffer: 16 * 1024 * 1024 },
  );
  const resources = join(work, 'release/linux-unpacked/resources');
  entries = listPackage(join(resources, 'app.asar'), { isPack: false }).map((e) => e.replaceAll('\\', '/'));
  unpacked = await listTree(join(resources, 'app.asar.unpacked'));
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('app.asar', () => {
  it('holds the built main, preload and renderer and the package manifest', () => {
    for (const file of ['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html']) {
      expect(entries).toContain(file);
    }
    expect(entries.some((e) => /^\/out\/renderer\/assets\/index-.*\.js$/.test(e))).toBe(true);
  });

  it('holds the production dependencies main needs at run time', () => {
    for (const dep of ['oauth4webapi', '@modelcontextprotocol/sdk', 'zod', '@github/keytar']) {
      expect(entries, dep).toContain(`/node_modules/${dep}/package.json`);
    }
  });

  it('keeps the keychain’s native module unpacked so it can be loaded', () => {
    expect(unpacked.some((f) => f.startsWith('/node_modules/@github/keytar/') && f.endsWith('.node'))).toBe(true);
  });

  it('holds no sources, tests, benchmarks or TypeScript configs', () => {
    const forbidden = entries.filter((e) =>
      /^\/(main|preload|renderer|test|bench|scripts|docs|\.ci)\//.test(e) || /^\/tsconfig.*\.json$/.test(e) || /\.tsx?$/.test(e) && !e.startsWith('/node_modules/'),
    );
    expect(forbidden).toEqual([]);
  });

  it('holds no development-only packages', () => {
    const devOnly = [
      'electron', 'electron-builder', 'electron-vite', 'vite', 'vitest', 'typescript', 'eslint', 'oidc-provider',
      'playwright-core', 'react', 'react-dom', 'zustand', 'conformance-0.1.16', 'conformance-0.2.0-alpha.12',
    ];
    for (const dep of devOnly) expect(entries, dep).not.toContain(`/node_modules/${dep}/package.json`);
  });
});
