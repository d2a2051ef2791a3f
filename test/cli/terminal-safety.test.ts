/**
 * A terminal no server can write to (issue 11 §3): the real `keyport` process against servers on 127.0.0.1 whose
 * tool names, descriptions, results, errors and OAuth error responses carry OSC 52, OSC 8, CSI, C1 controls, bidi
 * overrides and fake lines, and a config file whose server names do the same. What reaches the terminal (the bytes
 * of stdout and stderr) holds none of those characters raw and shows them as visible escapes; `--json` parses and
 * gives back the original characters.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { binPath, runCli } from './helpers.ts';
import { allSequences, hostileTools, seq, startTerminalHostileServers, type TerminalHostileServers } from './fixtures/terminal-hostile.ts';

const browser = fileURLToPath(new URL('./fixtures/follow-browser.ts', import.meta.url));
const browserCommand = `"${process.execPath}" "${browser}"`;

/** What the terminal received: the raw bytes and their text. */
interface TerminalRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly bytes: Buffer;
}

/** Runs `bin/keyport.js` and keeps the exact bytes it wrote. */
function keyport(argv: readonly string[]): Promise<TerminalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, '--data-dir', dataDir, ...argv], { env: { ...process.env, BROWSER: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      const stderr = Buffer.concat(err);
      resolve({ code: code ?? -1, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), bytes: Buffer.concat([stdout, stderr]) });
    });
  });
}

/** Characters a terminal obeys or hides: C0 except newline and tab, DEL, C1, bidi controls and isolates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Asserts the terminal received nothing it would act on: no ESC/BEL/C0 byte, no UTF-8 C1, no bidi control. */
function expectInert(run: TerminalRun): void {
  expect(run.stdout).not.toMatch(RAW_CONTROL);
  expect(run.stderr).not.toMatch(RAW_CONTROL);
  for (const byte of [0x1b, 0x07, 0x08, 0x0d, 0x7f]) expect(run.bytes.includes(byte), `byte 0x${byte.toString(16)}`).toBe(false);
  // UTF-8 of U+0080–U+009F is C2 80–C2 9F; a raw 8-bit C1 byte would not be valid UTF-8 at all.
  for (let i = 0; i < run.bytes.length - 1; i++) {
    if (run.bytes[i] === 0xc2) expect(run.bytes[i + 1]! >= 0x80 && run.bytes[i + 1]! <= 0x9f, `C1 at byte ${i}`).toBe(false);
  }
  expect(run.stdout).not.toContain('\ufffd');
}

let servers: TerminalHostileServers;
let dataDir: string;

beforeAll(async () => {
  servers = await startTerminalHostileServers();
  dataDir = mkdtempSync(join(tmpdir(), 'keyport-terminal-'));
});

afterAll(async () => {
  const secrets = openKeychainSecrets(dataDir);
  for (const item of await secrets.store.list().catch(() => [])) await secrets.store.delete(item.account);
  rmSync(dataDir, { recursive: true, force: true });
  await servers?.close();
});

describe('a terminal no server can write to', () => {
  it('ESC[2J in a tool description does not clear the screen, and an OSC 8 tool name does not become a link', async () => {
    const run = await keyport(['tools', servers.mcpUrl]);
    expect(run.code, run.stderr).toBe(0);
    expectInert(run);
    expect(run.stdout).toContain('open\\x1b]8;;https://evil.example/\\x07https://docs.example.com\\x1b]8;;\\x07');
    expect(run.stdout).toContain('Opens docs \\x1b]52;c;');
    expect(run.stdout).toContain('Clears\\x1b[2J\\x1b[H the screen \\u202eexe.txt\\u202c \\u2066hidden\\u2069\\x07\\x08');
    expect(run.stdout).toContain('Fails \\u009b2J');
    // One line per tool: the description's newline did not fake a line of Keyport's output.
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(run.stdout).not.toMatch(/^keyport: Signed in/m);
  });

  it('--json tools parses and gives back the original characters, escaped by JSON', async () => {
    const run = await keyport(['--json', 'tools', servers.mcpUrl]);
    expect(run.code, run.stderr).toBe(0);
    expectInert(run);
    expect(run.stdout).toContain('\\u001b]8;;');
    expect(run.stdout).toContain('\\u009b2J');
    expect(run.stdout).toContain('\\u202e');
    const { tools } = JSON.parse(run.stdout) as { tools: { name: string; description?: string; title?: string }[] };
    expect(tools.map((t) => t.name)).toEqual(Object.values(hostileTools));
    expect(tools[0]?.description).toBe(`Opens docs ${seq.clipboard}`);
    expect(tools[1]?.description).toBe(`Clears${seq.clear} the screen ${seq.bidi}${seq.bell}`);
    expect(tools[2]?.description).toBe(`Fails ${seq.c1Clear}${seq.fakeLine}`);
  });

  it('ESC[2J and OSC 52 in a tool result are shown, not obeyed (text and structured content)', async () => {
    const run = await keyport(['call', servers.mcpUrl, hostileTools.linked]);
    expect(run.code, run.stderr).toBe(0);
    expectInert(run);
    expect(run.stdout).toContain('Result \\x1b[2J\\x1b[H\\x1b]52;c;');
    expect(run.stdout).toContain('\\u009d0;pwned-title\\u009c');
    const json = await keyport(['--json', 'call', servers.mcpUrl, hostileTools.linked]);
    expectInert(json);
    const { result } = JSON.parse(json.stdout) as { result: { content: { text: string }[]; structuredContent: { note: string } } };
    expect(result.content[0]?.text).toBe(`Result ${seq.clear}${seq.clipboard}${seq.link}${seq.c1Osc}${seq.bidi}`);
    expect(result.structuredContent.note).toBe(allSequences);
  });

  it('a tool error and a thrown tool failure reach stderr as one inert line', async () => {
    const failed = await keyport(['call', servers.mcpUrl, hostileTools.failing]);
    expect(failed.code).toBe(1);
    expectInert(failed);
    expect(failed.stdout).toContain('It failed \\x1b]52;c;');
    expect(failed.stderr).toBe('keyport: The tool "fails" reported an error.\n');

    const thrown = await keyport(['call', servers.mcpUrl, hostileTools.throwing]);
    expect(thrown.code).toBe(1);
    expectInert(thrown);
    expect(thrown.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(thrown.stderr).toMatch(/^keyport: /);
  });

  it('an OSC 52 sequence in an authorization error response cannot write the clipboard', async () => {
    const run = await keyport(['login', servers.authorizeErrorUrl, '--browser-command', browserCommand, '--timeout', '20']);
    expect(run.code).toBe(1);
    expectInert(run);
    const failure = run.stderr.trimEnd().split('\n').filter((l) => l.startsWith('keyport: '));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toContain('server_error\\x1b]52;c;');
    expect(failure[0]).toContain('\\u009b2J');

    const json = await keyport(['--json', 'login', servers.authorizeErrorUrl, '--browser-command', browserCommand, '--timeout', '20']);
    expect(json.code).toBe(1);
    expectInert(json);
    const { error } = JSON.parse(json.stdout) as { error: { code: string; message: string } };
    expect(error.message).toContain(`server_error${seq.clipboard}${seq.c1Clear}`);
  });

  it('an OSC 52 sequence in a token error response cannot write the clipboard', async () => {
    const run = await keyport(['login', servers.tokenErrorUrl, '--browser-command', browserCommand, '--timeout', '20']);
    expect(run.code).toBe(1);
    expectInert(run);
    expect(run.stderr).toContain('server_error\\x1b]52;c;');
    expect(run.stderr.split('\n').filter((l) => l.startsWith('keyport: '))).toHaveLength(1);
  });

  it('a C1 CSI or a newline in a server name is shown, not obeyed, and fakes no line', async () => {
    const file = join(dataDir, 'claude_desktop_config.json');
    const names = [`bank${seq.c1Clear}`, `fake${seq.fakeLine}`, `rtl${seq.bidi}`];
    writeFileSync(file, JSON.stringify({ mcpServers: Object.fromEntries(names.map((n, i) => [n, { url: `http://127.0.0.1:9/${i}/mcp` }])) }));
    const imported = await keyport(['import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    expectInert(imported);

    // Imported names are made printable when they are stored (each unprintable run becomes a space).
    const json = await keyport(['--json', 'servers', 'list']);
    expectInert(json);
    const parsed = JSON.parse(json.stdout) as { servers: { name: string }[] };
    for (const name of ['bank 2J', 'fake keyport: Signed in to your-bank (issuer https://bank.example)', 'rtl exe.txt hidden']) expect(parsed.servers.map((s) => s.name)).toContain(name);
    const configured = parsed.servers.length;

    const list = await keyport(['servers', 'list']);
    expectInert(list);
    // A header and one line per server: the name's newline did not start a line.
    expect(list.stdout.trimEnd().split('\n')).toHaveLength(1 + configured);
    expect(list.stdout).not.toMatch(/^keyport: Signed in/m);
    const status = await keyport(['status']);
    expectInert(status);
    expect(status.stdout.trimEnd().split('\n')).toHaveLength(configured);
  });
});

describe('the output boundary covers every command', () => {
  it('a command writing through ctx.io cannot print raw control characters, in-process too', async () => {
    // `servers add --name` is a command like any other: what it echoes goes through the same boundary.
    const dir = mkdtempSync(join(tmpdir(), 'keyport-terminal-'));
    try {
      // A name typed with control characters is refused (and the refusal itself prints nothing raw).
      const run = await runCli(['--data-dir', dir, 'servers', 'add', 'http://127.0.0.1:9/mcp', '--name', `x${seq.clipboard}${seq.c1Clear}`]);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(RAW_CONTROL);
      expect(run.stderr).toMatch(/may not contain control characters/);
      const bad = await runCli(['--data-dir', dir, 'status', `nope${seq.clear}`]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).not.toMatch(RAW_CONTROL);
      expect(bad.stderr).toContain('nope\\x1b[2J');
      const json = await runCli(['--data-dir', dir, '--json', 'status', `nope${seq.c1Clear}`]);
      expect(json.stdout).not.toMatch(RAW_CONTROL);
      expect((JSON.parse(json.stdout) as { error: { message: string } }).error.message).toContain(`nope${seq.c1Clear}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
