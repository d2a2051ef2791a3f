/**
 * Opening the authorization URL: `--browser-command CMD`, else `$BROWSER`, else the system's opener. CMD is run with
 * the URL as its last argument (or in place of `%s`); the URL is passed as a separate argument, never pasted into a
 * shell line, so it cannot inject commands. Opening is fire-and-forget: the login waits for the callback, not for
 * the browser process.
 */
import { spawn } from 'node:child_process';

/** Where a URL is opened. */
export type BrowserOpener = (url: string) => Promise<void>;

/** Options of {@link createBrowserOpener}. */
export interface BrowserOpenerOptions {
  /** `--browser-command`, else `$BROWSER`; undefined for the system opener. */
  readonly command?: string;
  readonly platform?: NodeJS.Platform;
  /** Told when the browser could not be started or its command failed (the URL is already on stderr). */
  readonly onProblem?: (message: string) => void;
}

/** Runs `command` through `/bin/sh -c` with the URL as `$1` (POSIX) or through cmd with quoting (Windows). */
function spawnCommand(command: string, url: string, platform: NodeJS.Platform) {
  if (platform === 'win32') {
    const line = command.includes('%s') ? command.replace('%s', `"${url}"`) : `${command} "${url}"`;
    return spawn(line, { shell: true, stdio: 'ignore', detached: false, windowsHide: true });
  }
  const line = command.includes('%s') ? command.replace('%s', '"$1"') : `${command} "$1"`;
  return spawn('/bin/sh', ['-c', line, 'keyport-browser', url], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds the opener the OAuth engine calls once it has checked the URL's scheme. */
export function createBrowserOpener(options: BrowserOpenerOptions = {}): BrowserOpener {
  const platform = options.platform ?? process.platform;
  const problem = options.onProblem ?? (() => undefined);
  return (url) =>
    new Promise<void>((resolve) => {
      const child =
        options.command !== undefined && options.command.trim() !== ''
          ? spawnCommand(options.command, url, platform)
          : platform === 'darwin'
            ? spawn('open', [url], { stdio: 'ignore' })
            : platform === 'win32'
              ? spawn('cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')], { stdio: 'ignore', windowsHide: true })
              : spawn('xdg-open', [url], { stdio: 'ignore' });
      child.on('error', () => {
        problem('Could not start a browser; open the URL above yourself.');
        resolve();
      });
      child.on('spawn', () => resolve());
      child.on('exit', (code) => {
        if (code !== 0 && code !== null) problem(`The browser command exited with status ${code}.`);
      });
      child.unref();
    });
}
