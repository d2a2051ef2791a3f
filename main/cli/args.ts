/**
 * The command line, parsed against DESIGN.md's contract: global options anywhere (`--data-dir DIR`, `--json`), one
 * command (with `servers` taking a sub-command), and each command's own options and positional arguments. Anything
 * else is a {@link UsageError} (exit 2).
 */
import { parseArgs } from 'node:util';
import { CLIENT_FLAGS, COMPAT_FLAGS, COMPAT_USAGE, EDIT_FLAGS, type FlagSpec } from './compat-flags.ts';
import { UsageError } from './errors.ts';

/** Every command the CLI knows, `servers` sub-commands spelt out. */
export type CommandName =
  | 'servers list'
  | 'servers add'
  | 'servers remove'
  | 'servers edit'
  | 'servers forget-registration'
  | 'login'
  | 'logout'
  | 'status'
  | 'token'
  | 'tools'
  | 'call'
  | 'import'
  | 'accounts'
  | 'report'
  | 'help'
  | 'version';

type OptionSpec = FlagSpec;

interface CommandSpec {
  readonly usage: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Names of the positional arguments; a trailing `?` marks an optional one. */
  readonly positionals: readonly string[];
}

const globalOptions: Readonly<Record<string, OptionSpec>> = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** The contract: usage line, summary, options and positionals of each command. */
export const commandSpecs: Readonly<Record<Exclude<CommandName, 'help' | 'version'>, CommandSpec>> = {
  'servers list': { usage: 'servers list', summary: 'list the configured servers', options: {}, positionals: [] },
  'servers add': {
    usage:
      `servers add <url> [--name N] [--client-id ID] [--client-secret-stdin] [--private-key-file F] [--client-credentials] [--scope S] [--callback-port P] [--no-resource-param] ${COMPAT_USAGE}`,
    summary: 'add a server (a client secret from stdin or a private key file is copied into the keychain)',
    options: { ...CLIENT_FLAGS, ...COMPAT_FLAGS },
    positionals: ['url'],
  },
  'servers edit': {
    usage: `servers edit <server> [--url U] [every servers add flag] [--unset SETTING]...`,
    summary: 'change a server\'s settings (the same flags as servers add; --unset removes one, e.g. --unset audience)',
    options: { ...CLIENT_FLAGS, ...COMPAT_FLAGS, ...EDIT_FLAGS },
    positionals: ['server'],
  },
  'servers forget-registration': {
    usage: 'servers forget-registration <server>',
    summary: 'forget the client Keyport registered at the server\'s authorization server (the next sign-in registers again)',
    options: {},
    positionals: ['server'],
  },
  'servers remove': {
    usage: 'servers remove <server>',
    summary: 'revoke its tokens and delete its registration at the authorization server, then forget it and its secrets',
    options: {},
    positionals: ['server'],
  },
  login: {
    usage: 'login <server> [--account NAME] [--scope S] [--browser-command CMD | --no-browser | --device] [--timeout SECONDS]',
    summary: 'sign in: through the browser, by pasting the address it ended on (--no-browser), or with a code on any device (--device)',
    options: {
      scope: { type: 'string' },
      'browser-command': { type: 'string' },
      timeout: { type: 'string' },
      'no-browser': { type: 'boolean' },
      device: { type: 'boolean' },
      account: { type: 'string' },
    },
    positionals: ['server'],
  },
  logout: {
    usage: 'logout <server> [--account NAME]',
    summary: 'revoke at the authorization server where possible, then forget the tokens (of one account)',
    options: { account: { type: 'string' } },
    positionals: ['server'],
  },
  status: { usage: 'status [<server>] [--account NAME]', summary: 'signed-out | signed-in (expires in …) | expired | error …', options: { account: { type: 'string' } }, positionals: ['server?'] },
  token: {
    usage: 'token <server> [--account NAME] [--reveal]',
    summary: 'show the decoded token; the raw token only with --reveal',
    options: { reveal: { type: 'boolean' }, account: { type: 'string' } },
    positionals: ['server'],
  },
  tools: { usage: 'tools <server> [--account NAME]', summary: "list the server's tools", options: { account: { type: 'string' } }, positionals: ['server'] },
  call: {
    usage: 'call <server> <tool> [--account NAME] [--args JSON] [--yes] [--browser-command CMD]',
    summary: 'call a tool with JSON arguments; when it needs more permissions, ask (--yes: accept) and sign in again',
    options: { args: { type: 'string' }, account: { type: 'string' }, yes: { type: 'boolean' }, 'browser-command': { type: 'string' } },
    positionals: ['server', 'tool'],
  },
  accounts: {
    usage: 'accounts <server> [--use NAME]',
    summary: 'list the accounts (identities) signed in to a server; --use makes one the active account',
    options: { use: { type: 'string' } },
    positionals: ['server'],
  },
  report: {
    usage: 'report <server> [--out FILE]',
    summary: "write a redacted, shareable report of the server's latest sign-in (HTML; JSON with --json)",
    options: { out: { type: 'string' } },
    positionals: ['server'],
  },
  import: {
    usage: 'import <file>',
    summary: 'import servers from Claude Desktop / Claude Code / VS Code / Cursor MCP configs',
    options: {},
    positionals: ['file'],
  },
};

/** The whole `--help` text. */
export function helpText(): string {
  const lines = ['Usage: keyport [--data-dir DIR] [--json] <command>', '', 'Commands:'];
  for (const spec of Object.values(commandSpecs)) lines.push(`  ${spec.usage}`, `      ${spec.summary}`);
  lines.push(
    '',
    'Global options:',
    '  --data-dir DIR   use DIR for the server list (also KEYPORT_DATA_DIR); secrets stay in the OS keychain',
    '  --json           machine-readable output on stdout',
    '',
    '<server> is a configured name or id, or a URL (a new URL is added on first use).',
    'Exit codes: 0 success, 1 failure, 2 usage error, 130 cancelled.',
  );
  return lines.join('\n');
}

/** A parsed command line. */
export interface ParsedArgs {
  readonly command: CommandName;
  readonly dataDir?: string;
  readonly json: boolean;
  /** Positional arguments by name (see the command's spec). */
  readonly args: Readonly<Record<string, string>>;
  /** The command's options, by long name (a repeatable one as a list). */
  readonly options: Readonly<Record<string, string | boolean | readonly string[]>>;
}

/** Finds the command words (skipping global options and their values) and their indexes in argv. */
function findCommand(argv: readonly string[]): { words: string[]; indexes: number[] } {
  const words: string[] = [];
  const indexes: number[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const token = argv[i] as string;
    if (token === '--') break;
    if (token === '--data-dir') {
      i++;
      continue;
    }
    if (token.startsWith('-')) {
      // Before the command any option may appear; between `servers` and its sub-command only the global ones.
      if (words.length === 0 || token === '--json' || token === '--help' || token === '-h' || token.startsWith('--data-dir=')) continue;
      break;
    }
    if (words.length === 1 && words[0] !== 'servers') break;
    words.push(token);
    indexes.push(i);
  }
  return { words, indexes };
}

/** Rewrites node's parseArgs errors into one short sentence naming the command. */
function usageFrom(err: unknown, command: string): UsageError {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = message.match(/'(-[^' ]+)/)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option} for "${command}"`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return new UsageError(/missing/.test(message) ? `option ${option} needs a value` : `option ${option} takes no value`);
  }
  return new UsageError(message.split('\n')[0] ?? message);
}

/** Parses argv (without `node` and the script) into a {@link ParsedArgs}; throws {@link UsageError}. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const { words, indexes } = findCommand(argv);
  const rest = argv.filter((_, i) => !indexes.includes(i));
  if (words.length === 0) {
    const parsed = safeParse(rest, globalOptions, 'keyport', true);
    if (parsed.values.help === true || argv.length === 0) return base('help', parsed.values);
    if (parsed.values.version === true) return base('version', parsed.values);
    throw new UsageError('no command given');
  }
  const [first, second] = words as [string, string | undefined];
  if (first === 'help') return base('help', safeParse(rest, globalOptions, 'help', true).values);
  let name: CommandName;
  if (first === 'servers') {
    if (second === undefined) throw new UsageError('"servers" needs a sub-command: list, add, edit, remove or forget-registration');
    const candidate = `servers ${second}`;
    if (!(candidate in commandSpecs)) throw new UsageError(`unknown command "servers ${second}" (use list, add, edit, remove or forget-registration)`);
    name = candidate as CommandName;
  } else if (first in commandSpecs) {
    name = first as CommandName;
  } else {
    throw new UsageError(`unknown command "${first}"`);
  }
  const spec = commandSpecs[name as keyof typeof commandSpecs];
  const parsed = safeParse(rest, { ...globalOptions, ...spec.options }, name, false);
  if (parsed.values.help === true) return base('help', parsed.values);
  const args: Record<string, string> = {};
  const required = spec.positionals.filter((p) => !p.endsWith('?'));
  if (parsed.positionals.length < required.length) {
    throw new UsageError(`"${name}" needs <${required[parsed.positionals.length] ?? ''}>: keyport ${spec.usage}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[spec.positionals.length] ?? ''}" for "${name}"`);
  }
  spec.positionals.forEach((p, i) => {
    const value = parsed.positionals[i];
    if (value !== undefined) args[p.replace('?', '')] = value;
  });
  const options: Record<string, string | boolean | readonly string[]> = {};
  for (const key of Object.keys(spec.options)) {
    const value = parsed.values[key];
    if (value !== undefined) options[key] = value;
  }
  return { ...base(name, parsed.values), args, options };
}

function base(command: CommandName, values: Record<string, string | boolean | string[] | undefined>): ParsedArgs {
  const dataDir = values['data-dir'];
  return {
    command,
    ...(typeof dataDir === 'string' && { dataDir }),
    json: values.json === true,
    args: {},
    options: {},
  };
}

function safeParse(
  argv: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
  command: string,
  top: boolean,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const all = top ? { ...options, version: { type: 'boolean' as const } } : options;
    const result = parseArgs({ args: [...argv], options: all, allowPositionals: !top, strict: true });
    return { values: result.values as Record<string, string | boolean | string[] | undefined>, positionals: result.positionals };
  } catch (err) {
    if (top && (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError('unknown command');
    throw usageFrom(err, command);
  }
}
