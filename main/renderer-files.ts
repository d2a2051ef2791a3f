/**
 * What the renderer may load and with which policy. Kept apart from `window.ts` (which needs Electron) so the
 * Chromium test harness serves the built renderer under exactly the same rules.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The renderer's origin in the app. The IPC sender policy only trusts frames showing this origin. */
export const rendererOrigin = 'app://keyport';

/**
 * The Content-Security-Policy sent with every renderer response (and repeated in index.html): only the app's own
 * scripts and styles, images and media from the app or `data:` URIs, no connections, no plugins, no framing, no forms.
 */
export const rendererContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Maps a request URL to a file under the built renderer folder, or `undefined` when it is not one of ours: another
 * origin, a path that escapes the folder (`..`, encoded or not), or a malformed URL.
 */
export function rendererFileFor(requestUrl: string, rendererRoot: string, origin: string = rendererOrigin): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  // `URL.origin` is "null" for non-special schemes such as app:, so compare scheme and host explicitly.
  if (`${url.protocol}//${url.host}` !== origin) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const root = resolve(rendererRoot);
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  const rel = relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return file;
}
