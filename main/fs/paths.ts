/**
 * Where Keyport keeps its data: the same folder Electron's `app.getPath('userData')` gives the app, so the app and
 * the CLI share one server list. `--data-dir` or `KEYPORT_DATA_DIR` override it (tests, second profiles).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The product name Electron uses for the userData folder. */
export const APP_FOLDER_NAME = 'Keyport';

/**
 * The default data directory, as Electron computes userData: Linux `$XDG_CONFIG_HOME/Keyport` (else
 * `~/.config/Keyport`), macOS `~/Library/Application Support/Keyport`, Windows `%APPDATA%\Keyport`.
 */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
    default:
      return join(env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(home, '.config'), APP_FOLDER_NAME);
  }
}

/** The data directory in effect: an explicit `--data-dir`, else `KEYPORT_DATA_DIR`, else the default. */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  if (env.KEYPORT_DATA_DIR !== undefined && env.KEYPORT_DATA_DIR !== '') return resolve(env.KEYPORT_DATA_DIR);
  return defaultDataDir(process.platform, env);
}

/** The server list's file in a data directory. */
export function serversFile(dataDir: string): string {
  return join(dataDir, 'servers.json');
}

/** The lock file that serializes refreshes of token families across processes. */
export function refreshLockDir(dataDir: string): string {
  return join(dataDir, 'locks');
}
