/** Typed errors of the server list. Callers branch on `code`; messages say what to do next. */

/** Every stable config error code. */
export const configErrorCodes = [
  'config_damaged',
  'config_unsupported_version',
  'config_io',
  'server_not_found',
  'server_exists',
  'invalid_server',
  'import_unrecognized',
] as const;

/** A stable config error code; see {@link configErrorCodes}. */
export type ConfigErrorCode = (typeof configErrorCodes)[number];

/** The one error the config layer throws. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  /** For `config_damaged`: where the damaged file was copied. */
  readonly backupPath?: string;

  constructor(code: ConfigErrorCode, message: string, options: { cause?: unknown; backupPath?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    this.code = code;
    if (options.backupPath !== undefined) this.backupPath = options.backupPath;
  }

  /** The `{ code, message }` pair that crosses IPC (`IpcError`). */
  toJSON(): { readonly code: string; readonly message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `err` is a {@link ConfigError}, optionally with the given code. */
export function isConfigError(err: unknown, code?: ConfigErrorCode): err is ConfigError {
  return err instanceof ConfigError && (code === undefined || err.code === code);
}
