import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { detectFormat, importConfigFile, looksSecret, parseJsonc } from '../../main/config/import.ts';
import type { ImportReport } from '../../main/config/import.ts';
import { ConfigStore } from '../../main/config/store.ts';
import { MemorySecretStore } from '../../main/secrets/memory-store.ts';
import { SecretRecords } from '../../main/secrets/records.ts';

const fixtures = fileURLToPath(new URL('../fixtures/import/', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Imports a fixture into a fresh data directory; returns the report, the list file's text and the keychain. */
async function importFixture(path: string, withKeychain = true) {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-import-'));
  dirs.push(dir);
  const config = new ConfigStore(dir);
  const secrets = new SecretRecords(new MemorySecretStore());
  const report = await importConfigFile(join(fixtures, path), { config, ...(withKeychain && { secrets }) });
  const text = readFileSync(config.file, 'utf8');
  return { report, text, secrets, servers: await config.load(), config };
}

function names(report: ImportReport): { imported: string[]; skipped: string[] } {
  return { imported: report.imported.map((s) => s.name), skipped: report.skipped.map((s) => s.name) };
}

const fixtureSecrets = [
  'ghp_fixture-not-a-real-token',
  'fixture-secret-key-123456',
  'fixture-notes-token-abcdef',
  'fixture-db-password',
  'fixture-xapi-key-999',
  'fixture_stripe_key',
  'fixture-ctx7-key',
];

function expectNoSecret(text: string): void {
  for (const secret of fixtureSecrets) expect(text).not.toContain(secret);
}

describe('import', () => {
  it('imports Claude Desktop servers, moving secret env values to the keychain', async () => {
    const { report, text, secrets, servers } = await importFixture('claude-desktop/claude_desktop_config.json');
    expect(report.format).toBe('claude-desktop');
    expect(names(report)).toEqual({ imported: ['filesystem', 'github'], skipped: ['search', 'broken'] });
    expect(report.skipped[0]?.reason).toMatch(/--api-key.*secret/);
    expect(report.skipped[1]?.reason).toMatch(/neither a command nor a URL/);
    expect(report.imported[1]?.movedToKeychain).toEqual(['env GITHUB_PERSONAL_ACCESS_TOKEN']);
    const github = servers.find((s) => s.name === 'github');
    expect(github?.stdio?.env).toEqual({ GITHUB_HOST: 'github.com' });
    const ref = github?.stdio?.secretEnv.GITHUB_PERSONAL_ACCESS_TOKEN ?? '';
    expect(await secrets.getUserSecret(ref)).toMatchObject({ kind: 'env', value: 'ghp_fixture-not-a-real-token' });
    expectNoSecret(text);
  });

  it('imports Claude Code .mcp.json: http with a secret header, sse, stdio; drops placeholders with a note', async () => {
    const { report, text, servers } = await importFixture('claude-code/.mcp.json');
    expect(report.format).toBe('claude-code');
    expect(names(report).imported).toEqual(['notes', 'events', 'api', 'local']);
    const notes = servers.find((s) => s.name === 'notes');
    expect(notes).toMatchObject({ transport: 'streamable-http', headers: { 'X-Client': 'keyport-fixture' } });
    expect(Object.keys(notes?.secretHeaders ?? {})).toEqual(['Authorization']);
    expect(servers.find((s) => s.name === 'events')?.transport).toBe('sse');
    expect(report.imported[2]?.notes.join()).toMatch(/header Authorization was left out/);
    expectNoSecret(text);
  });

  it('imports ~/.claude.json with per-project servers, disambiguating names', async () => {
    const { report, text } = await importFixture('claude-code-user/.claude.json');
    expect(report.format).toBe('claude-code-user');
    expect(names(report)).toEqual({ imported: ['linear', 'db', 'linear (app)', 'db (site)'], skipped: [] });
    expect(report.imported[1]?.movedToKeychain).toEqual(['env DATABASE_PASSWORD']);
    expect(report.imported[1]?.notes.join()).toMatch(/\/home\/me\/work\/app/);
    expectNoSecret(text);
  });

  it('imports VS Code mcp.json (JSONC) and skips unsupported transports', async () => {
    const { report, servers } = await importFixture('vscode/mcp.json');
    expect(report.format).toBe('vscode');
    expect(names(report)).toEqual({ imported: ['github', 'perplexity', 'memory'], skipped: ['weird'] });
    expect(report.skipped[0]?.reason).toMatch(/unsupported transport "websocket"/);
    const perplexity = servers.find((s) => s.name === 'perplexity');
    expect(perplexity?.stdio?.env).toEqual({ MODE: 'fast' });
    expect(report.imported[1]?.notes.join()).toMatch(/PERPLEXITY_API_KEY was left out.*envFile/);
  });

  it('imports VS Code settings.json mcp.servers', async () => {
    const { report, text, servers } = await importFixture('vscode-settings/settings.json');
    expect(report.format).toBe('vscode-settings');
    expect(names(report).imported).toEqual(['fetch', 'remote']);
    expect(Object.keys(servers.find((s) => s.name === 'remote')?.secretHeaders ?? {})).toEqual(['X-Api-Key']);
    expectNoSecret(text);
  });

  it('imports Cursor mcp.json, refusing a secret in a URL', async () => {
    const { report, text, servers } = await importFixture('cursor/.cursor/mcp.json');
    expect(report.format).toBe('cursor');
    expect(names(report)).toEqual({ imported: ['context7', 'legacy', 'browser'], skipped: ['stripe'] });
    expect(report.skipped[0]?.reason).toMatch(/api_key/);
    expect(servers.find((s) => s.name === 'legacy')?.transport).toBe('sse');
    expectNoSecret(text);
  });

  it('skips servers that carry secrets when no keychain is available, and re-import skips duplicates', async () => {
    const { report, text } = await importFixture('claude-desktop/claude_desktop_config.json', false);
    expect(names(report).imported).toEqual(['filesystem']);
    expect(report.skipped.find((s) => s.name === 'github')?.reason).toMatch(/keychain is not available/);
    expectNoSecret(text);
  });

  it('reports duplicates on a second import', async () => {
    const { config } = await importFixture('cursor/.cursor/mcp.json');
    const again = await importConfigFile(join(fixtures, 'cursor/.cursor/mcp.json'), { config });
    expect(again.imported).toEqual([]);
    expect(again.skipped.map((s) => s.reason).join('\n')).toMatch(/already configured|already exists/);
  });

  it('refuses an unknown file with a typed error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyport-import-'));
    dirs.push(dir);
    await expect(
      importConfigFile(join(fixtures, '../../../package.json'), { config: new ConfigStore(dir) }),
    ).rejects.toMatchObject({ code: 'import_unrecognized' });
  });

  it('parses JSONC and recognises secrets', () => {
    expect(parseJsonc('{ // c\n "a": "x,}", /* b */ "b": [1,2,], }')).toEqual({ a: 'x,}', b: [1, 2] });
    expect(detectFormat('/x/settings.json', { 'mcp.servers': {} })).toBe('vscode-settings');
    expect(looksSecret('sk-proj-abc')).toBe(true);
    expect(looksSecret('Xy7pQ2mN9vR4tL8kW3zB6cF1')).toBe(true);
    expect(looksSecret('/usr/local/bin/some-long-path-1234')).toBe(false);
    expect(looksSecret('@modelcontextprotocol/server-github')).toBe(false);
  });
});
