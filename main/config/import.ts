/**
 * Import of other apps' MCP server lists: Claude Desktop (`claude_desktop_config.json`), Claude Code (`.mcp.json`,
 * `~/.claude.json` with its per-project servers), VS Code (`mcp.json` with `servers`, `settings.json` with
 * `mcp.servers`) and Cursor (`~/.cursor/mcp.json`). Every server is either imported or skipped with a reason, and no
 * secret is ever copied into the server list: secret header values and secret-looking env values move to the
 * keychain (referenced by id), anything that cannot be moved (a secret in a URL or an argument, an unresolvable
 * placeholder) is left out and reported.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TransportKind } from '../../preload/contract.ts';
import { isKeychainError } from '../secrets/errors.ts';
import type { SecretRecords, UserSecretRecord } from '../secrets/records.ts';
import { ConfigError, isConfigError } from './errors.ts';
import { buildServer, findServer, normalizeUrl } from './servers.ts';
import type { NewServer } from './servers.ts';
import type { ConfigStore } from './store.ts';
import { printableName, type ServerConfig } from './schema.ts';

/** The config formats Keyport understands. */
export type ImportFormat = 'claude-desktop' | 'claude-code' | 'claude-code-user' | 'vscode' | 'vscode-settings' | 'cursor';

/** A server that was imported: what it became, and which of its values went to the keychain. */
export interface ImportedServer {
  readonly name: string;
  readonly id: string;
  readonly transport: TransportKind;
  /** Names of headers and environment variables whose values were moved to the keychain. */
  readonly movedToKeychain: readonly string[];
  /** Things the user should know: dropped placeholders, the project it came from. */
  readonly notes: readonly string[];
}

/** A server that was not imported, and why. */
export interface SkippedServer {
  readonly name: string;
  readonly reason: string;
}

/** What an import did. */
export interface ImportReport {
  readonly file: string;
  readonly format: ImportFormat;
  readonly imported: readonly ImportedServer[];
  readonly skipped: readonly SkippedServer[];
}

/** A server entry found in a file, before conversion. */
interface Candidate {
  readonly name: string;
  readonly entry: unknown;
  /** The Claude Code project folder it belongs to, for per-project servers. */
  readonly project?: string;
}

/**
 * Parses JSON with comments and trailing commas (VS Code's settings.json and mcp.json are JSONC).
 * Throws `SyntaxError` like `JSON.parse`.
 */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const ch = text[i] as string;
    const next = text[i + 1];
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += next ?? '';
        i += 2;
        continue;
      }
      if (ch === '"') inString = false;
      i++;
    } else if (ch === '"') {
      inString = true;
      out += ch;
      i++;
    } else if (ch === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (ch === ',' && /^\s*[}\]]/.test(text.slice(i + 1, i + 200).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, ''))) {
      i++; // a trailing comma (possibly followed by comments) before } or ]
    } else {
      out += ch;
      i++;
    }
  }
  return JSON.parse(out.replace(/^\uFEFF/, ''));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Recognises the format of a parsed config file from its name and shape. */
export function detectFormat(file: string, json: unknown): ImportFormat | undefined {
  if (!isRecord(json)) return undefined;
  const name = basename(file).toLowerCase();
  const parent = basename(dirname(file)).toLowerCase();
  const mcp = json.mcp;
  if (isRecord(mcp) && isRecord(mcp.servers)) return 'vscode-settings';
  if (isRecord(json['mcp.servers'])) return 'vscode-settings';
  if (name === 'claude_desktop_config.json') return 'claude-desktop';
  if (name === '.claude.json' || isRecord(json.projects)) return 'claude-code-user';
  if (parent === '.cursor' && isRecord(json.mcpServers)) return 'cursor';
  if (isRecord(json.servers)) return 'vscode';
  if (name === '.mcp.json') return 'claude-code';
  if (isRecord(json.mcpServers)) return 'claude-desktop';
  return undefined;
}

/** The server entries of a parsed file, per format. */
function candidatesOf(format: ImportFormat, json: Record<string, unknown>): Candidate[] {
  const entries = (servers: unknown, project?: string): Candidate[] =>
    isRecord(servers)
      ? Object.entries(servers).map(([name, entry]) => ({ name: printableName(name) || 'imported server', entry, ...(project !== undefined && { project }) }))
      : [];
  switch (format) {
    case 'vscode':
      return entries(json.servers);
    case 'vscode-settings': {
      const mcp = json.mcp;
      return entries(isRecord(mcp) && isRecord(mcp.servers) ? mcp.servers : json['mcp.servers']);
    }
    case 'claude-code-user': {
      const out = entries(json.mcpServers);
      if (isRecord(json.projects)) {
        for (const [project, settings] of Object.entries(json.projects)) {
          if (isRecord(settings)) out.push(...entries(settings.mcpServers, project));
        }
      }
      return out;
    }
    case 'claude-desktop':
    case 'claude-code':
    case 'cursor':
      return entries(json.mcpServers);
  }
}

const SECRET_NAME = /(token|secret|passw(or)?d|passphrase|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth|cookie|session|(^|[-_])key$|(^|[-_])pat$|signature)/i;
const SECRET_PREFIX = /^(bearer\s|basic\s|sk-|sk_|rk_|pk_live_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abprse]-|akia|asia|aiza|ya29\.|eyj|npm_|hf_|shpat_|sg\.|dop_v1_|lin_api_|ntn_|secret_)/i;
const PLACEHOLDER = /\$\{[^}]*\}/;

/** Shannon entropy of a string in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

/** True when a value looks like a credential: a known token prefix, or a long random-looking string. */
export function looksSecret(value: string): boolean {
  const v = value.trim();
  if (v === '' || PLACEHOLDER.test(v)) return false;
  if (SECRET_PREFIX.test(v)) return true;
  if (v.length < 20 || /\s/.test(v) || /^(https?:|file:|\/|\.{1,2}\/|~\/|[A-Za-z]:\\)/.test(v)) return false;
  return /[A-Za-z]/.test(v) && /[0-9]/.test(v) && entropy(v) > 3.5;
}

/** True when a header or variable (name and value together) must be treated as secret. */
export function isSecretSetting(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || looksSecret(value);
}

const SECRET_QUERY = /^(access_token|token|api[-_]?key|apikey|key|secret|password|auth|sig|signature|code)$/i;

/** Why a URL cannot be imported as-is (a secret inside it), or undefined. */
function secretInUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '') return 'its URL contains a user name or password';
  for (const [param, v] of url.searchParams) {
    if (SECRET_QUERY.test(param) || looksSecret(v)) return `its URL carries a secret in the "${param}" query parameter`;
  }
  return undefined;
}

/** Why a command line cannot be imported (a secret among the arguments), or undefined. */
function secretInArgs(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.match(/^--?([A-Za-z0-9_-]+)=(.*)$/);
    if (eq !== null && eq[2] !== undefined && eq[1] !== undefined && isSecretSetting(eq[1], eq[2]) && eq[2] !== '' && !PLACEHOLDER.test(eq[2])) {
      return `argument ${i + 1} (--${eq[1]}=…) carries a secret`;
    }
    const flag = arg.match(/^--?([A-Za-z0-9_-]+)$/);
    const value = args[i + 1];
    if (flag?.[1] !== undefined && SECRET_NAME.test(flag[1]) && value !== undefined && !value.startsWith('-') && !PLACEHOLDER.test(value)) {
      return `the value of ${arg} (argument ${i + 2}) is a secret`;
    }
    if (looksSecret(arg)) return `argument ${i + 1} looks like a secret`;
  }
  return undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The plan for one entry: a server to add and the secrets to store for it, or a reason to skip it. */
type Plan =
  | {
      readonly ok: true;
      readonly server: NewServer;
      readonly secrets: ReadonlyArray<{ readonly where: 'header' | 'env'; readonly name: string; readonly record: UserSecretRecord }>;
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

/** Converts one entry of another app's config into a plan, without touching the keychain or the list. */
function planEntry(candidate: Candidate, source: string): Plan {
  const entry = candidate.entry;
  if (!isRecord(entry)) return { ok: false, reason: 'the entry is not an object' };
  const notes: string[] = [];
  if (candidate.project !== undefined) notes.push(`from the Claude Code project ${candidate.project}`);
  if (entry.disabled === true) notes.push('it was disabled in the source app');
  const rawType = typeof entry.type === 'string' ? entry.type : typeof entry.transport === 'string' ? entry.transport : undefined;
  const url = typeof entry.url === 'string' ? entry.url : typeof entry.serverUrl === 'string' ? entry.serverUrl : undefined;
  const command = typeof entry.command === 'string' ? entry.command : undefined;
  const secrets: Array<{ where: 'header' | 'env'; name: string; record: UserSecretRecord }> = [];
  const label = `${candidate.name}`;

  if (command !== undefined && (rawType === undefined || rawType === 'stdio')) {
    const args = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === 'string') : [];
    const argSecret = secretInArgs(args);
    if (argSecret !== undefined) {
      return { ok: false, reason: `${argSecret}; Keyport cannot move command-line arguments to the keychain, add this server by hand` };
    }
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(stringRecord(entry.env))) {
      if (PLACEHOLDER.test(value)) {
        notes.push(`environment variable ${name} was left out: its value ${value} is a placeholder Keyport does not expand`);
      } else if (isSecretSetting(name, value)) {
        secrets.push({ where: 'env', name, record: { kind: 'env', value, label: `${label}: ${name}` } });
      } else {
        env[name] = value;
      }
    }
    if (typeof entry.envFile === 'string') notes.push(`its envFile ${entry.envFile} was not read; set those variables in Keyport`);
    return {
      ok: true,
      server: {
        name: candidate.name,
        transport: 'stdio',
        stdio: { command, args, env, ...(typeof entry.cwd === 'string' && { cwd: entry.cwd }) },
        importedFrom: source,
      },
      secrets,
      notes,
    };
  }
  if (url === undefined) {
    return { ok: false, reason: command !== undefined ? `unsupported transport "${rawType ?? ''}"` : 'it has neither a command nor a URL' };
  }
  let transport: TransportKind;
  if (rawType === 'sse') transport = 'sse';
  else if (rawType === undefined) transport = /\/sse\/?$/.test(url) ? 'sse' : 'streamable-http';
  else if (['http', 'streamable-http', 'streamableHttp', 'streamable_http'].includes(rawType)) transport = 'streamable-http';
  else return { ok: false, reason: `unsupported transport "${rawType}"` };
  if (PLACEHOLDER.test(url)) return { ok: false, reason: 'its URL contains a placeholder Keyport does not expand' };
  const urlSecret = secretInUrl(url);
  if (urlSecret !== undefined) return { ok: false, reason: `${urlSecret}; add this server by hand without it` };
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, reason: `its URL is not http(s): ${parsed.protocol}` };
  } catch {
    return { ok: false, reason: 'its URL is not valid' };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(stringRecord(entry.headers))) {
    if (PLACEHOLDER.test(value)) {
      notes.push(`header ${name} was left out: its value contains a placeholder Keyport does not expand`);
    } else if (isSecretSetting(name, value)) {
      secrets.push({ where: 'header', name, record: { kind: 'header', value, label: `${label}: ${name}` } });
    } else {
      headers[name] = value;
    }
  }
  return { ok: true, server: { name: candidate.name, transport, url, headers, importedFrom: source }, secrets, notes };
}

/** Options of {@link importConfigFile}. */
export interface ImportOptions {
  readonly config: ConfigStore;
  /** Where moved secrets go; without it, servers that carry secrets are skipped. */
  readonly secrets?: SecretRecords;
  readonly now?: () => number;
}

/** Reads another app's MCP config file and adds its servers to Keyport's list; see the module comment. */
export async function importConfigFile(file: string, options: ImportOptions): Promise<ImportReport> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError('import_unrecognized', `Cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, { cause: err });
  }
  let json: unknown;
  try {
    json = parseJsonc(text);
  } catch (cause) {
    throw new ConfigError('import_unrecognized', `${file} is not valid JSON.`, { cause });
  }
  const format = detectFormat(file, json);
  if (format === undefined || !isRecord(json)) {
    throw new ConfigError(
      'import_unrecognized',
      `${file} is not a config Keyport can import: expected Claude Desktop, Claude Code, VS Code or Cursor MCP settings (an "mcpServers" or "servers" object).`,
    );
  }
  const candidates = candidatesOf(format, json);
  const source = `${format}:${file}`;
  const now = options.now ?? Date.now;

  return options.config.update(async (current) => {
    const servers: ServerConfig[] = [...current];
    const imported: ImportedServer[] = [];
    const skipped: SkippedServer[] = [];
    for (const candidate of candidates) {
      const plan = planEntry(candidate, source);
      if (!plan.ok) {
        skipped.push({ name: candidate.name, reason: plan.reason });
        continue;
      }
      let name = candidate.name;
      const existing = findServer(servers, name);
      const sameUrl =
        plan.server.url === undefined ? undefined : servers.find((s) => s.url !== undefined && normalizeUrl(s.url) === normalizeUrl(plan.server.url as string));
      if (sameUrl !== undefined) {
        skipped.push({ name, reason: `its URL is already configured as "${sameUrl.name}"` });
        continue;
      }
      if (existing !== undefined) {
        if (candidate.project === undefined) {
          skipped.push({ name, reason: `a server named "${existing.name}" already exists` });
          continue;
        }
        name = `${name} (${basename(candidate.project)})`;
        if (findServer(servers, name) !== undefined) {
          skipped.push({ name: candidate.name, reason: `a server named "${name}" already exists` });
          continue;
        }
      }
      if (plan.secrets.length > 0 && options.secrets === undefined) {
        skipped.push({ name, reason: 'it carries secrets and the keychain is not available to hold them' });
        continue;
      }
      const stored: string[] = [];
      try {
        const secretHeaders: Record<string, string> = {};
        const secretEnv: Record<string, string> = {};
        for (const secret of plan.secrets) {
          const id = await (options.secrets as SecretRecords).putUserSecret(secret.record);
          stored.push(id);
          if (secret.where === 'header') secretHeaders[secret.name] = id;
          else secretEnv[secret.name] = id;
        }
        const base = plan.server;
        const server = buildServer(
          servers,
          {
            ...base,
            name,
            ...(base.stdio !== undefined && { stdio: { ...base.stdio, secretEnv } }),
            ...(base.url !== undefined && { secretHeaders }),
          },
          now(),
        );
        servers.push(server);
        imported.push({
          name: server.name,
          id: server.id,
          transport: server.transport,
          movedToKeychain: plan.secrets.map((s) => `${s.where === 'header' ? 'header' : 'env'} ${s.name}`),
          notes: plan.notes,
        });
      } catch (err) {
        for (const id of stored) await options.secrets?.deleteUserSecret(id).catch(() => undefined);
        if (isKeychainError(err) || isConfigError(err)) skipped.push({ name, reason: err.message });
        else throw err;
      }
    }
    return { servers, result: { file, format, imported, skipped } };
  });
}
