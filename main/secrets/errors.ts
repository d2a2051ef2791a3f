/**
 * Typed keychain errors. Callers branch on `code`, never on the message; every message says exactly what the user
 * can do to fix it, and no message ever contains a secret value.
 */

/** Every stable keychain error code. */
export const keychainErrorCodes = [
  'keychain_unavailable',
  'keychain_locked',
  'keychain_denied',
  'keychain_damaged_item',
] as const;

/** A stable keychain error code; see {@link keychainErrorCodes}. */
export type KeychainErrorCode = (typeof keychainErrorCodes)[number];

/** The one error the secret store throws. Keyport never falls back to plaintext when it is raised. */
export class KeychainError extends Error {
  readonly code: KeychainErrorCode;
  /** For `keychain_damaged_item`: the keychain account the damaged item was moved to. */
  readonly setAsideAs?: string;

  constructor(code: KeychainErrorCode, message: string, options: { cause?: unknown; setAsideAs?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeychainError';
    this.code = code;
    if (options.setAsideAs !== undefined) this.setAsideAs = options.setAsideAs;
  }

  /** The `{ code, message }` pair that crosses IPC (`IpcError`). */
  toJSON(): { readonly code: string; readonly message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `err` is a {@link KeychainError}, optionally with the given code. */
export function isKeychainError(err: unknown, code?: KeychainErrorCode): err is KeychainError {
  return err instanceof KeychainError && (code === undefined || err.code === code);
}

/** What to do when there is no Secret Service, per platform: the fix the message recommends. */
function unavailableAdvice(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Keyport could not reach the macOS Keychain; check that the login keychain exists (Keychain Access) and try again.';
    case 'win32':
      return 'Keyport could not reach the Windows Credential Manager; sign in to an interactive Windows session and try again.';
    default:
      return (
        'Keyport keeps secrets only in the OS keychain and found no Secret Service: install and start a keyring ' +
        '(e.g. `sudo apt install gnome-keyring` and log in to a desktop session, or run ' +
        '`dbus-run-session -- sh` and `gnome-keyring-daemon --unlock --components=secrets` inside it), then try again.'
      );
  }
}

/**
 * True when a keyring unlock prompt can appear: a graphical session (`DISPLAY` / `WAYLAND_DISPLAY`). Over SSH, in a
 * container or a CI job there is none, so a locked keyring stays locked until the user unlocks it from the shell.
 */
export function unlockPromptPossible(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** The message for a locked (or missing default) keyring, per platform; on Linux, whether a prompt can be shown. */
function lockedAdvice(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  switch (platform) {
    case 'darwin':
      return 'The macOS login keychain is locked: unlock it in Keychain Access (or `security unlock-keychain`) and try again.';
    case 'win32':
      return 'The Windows Credential Manager is not available in this session: sign in interactively and try again.';
    default:
      if (!unlockPromptPossible(env)) {
        return (
          'The Secret Service is running but its login keyring is locked, and no unlock prompt can be shown in this ' +
          'session (no display, e.g. over SSH). Unlock it from this shell: `read -rs PW; printf %s "$PW" | ' +
          'gnome-keyring-daemon --unlock; unset PW` (type the keyring password, then Enter), or run ' +
          '`secret-tool search --unlock service Keyport` in a desktop session; then try again.'
        );
      }
      return (
        'The login keyring is locked or does not exist: unlock it (Seahorse "Passwords and Keys", ' +
        '`secret-tool search --unlock service Keyport`, or `gnome-keyring-daemon --unlock` with your password on ' +
        'stdin) and try again.'
      );
  }
}

/** The message when the user or the system refused access. */
function deniedAdvice(): string {
  return 'Access to the keychain was denied: allow Keyport when the system asks, then try again.';
}

/** Builds the {@link KeychainError} for a code with the platform's advice. */
export function keychainError(
  code: Exclude<KeychainErrorCode, 'keychain_damaged_item'>,
  cause?: unknown,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): KeychainError {
  const message =
    code === 'keychain_unavailable'
      ? unavailableAdvice(platform)
      : code === 'keychain_locked'
        ? lockedAdvice(platform, env)
        : deniedAdvice();
  return new KeychainError(code, message, { cause });
}

/**
 * Maps an error thrown by the native keychain module to a typed {@link KeychainError}. The native message is kept
 * only as the `cause` (it names D-Bus paths, never secret values).
 */
export function classifyKeychainFailure(err: unknown, platform: NodeJS.Platform = process.platform): KeychainError {
  if (err instanceof KeychainError) return err;
  const text = err instanceof Error ? err.message : String(err);
  if (
    /locked collection|collection[/\\]login|Object does not exist at path|is locked|-25308|interaction is not allowed/i.test(
      text,
    )
  ) {
    return keychainError('keychain_locked', err, platform);
  }
  if (/denied|not allowed|dismissed|cancel|-128|-25293|passphrase you entered|ERROR_ACCESS_DENIED/i.test(text)) {
    return keychainError('keychain_denied', err, platform);
  }
  return keychainError('keychain_unavailable', err, platform);
}
