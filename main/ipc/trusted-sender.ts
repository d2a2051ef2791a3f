/**
 * Who may talk to main: only the top frame of the app's own window, showing the app's own page. Anything else (a
 * subframe, another webContents, a page that somehow navigated away) is refused, whatever it sends.
 */
import type { SenderInfo, SenderPolicy } from './dispatch.ts';

/** What identifies the app's window: its webContents id (read lazily: the window may be recreated) and page origin. */
export interface TrustedWindow {
  readonly webContentsId: () => number | undefined;
  /** The origin the renderer is served from, e.g. `app://keyport`. */
  readonly rendererOrigin: string;
}

/** Builds the sender policy for {@link TrustedWindow}; pure, so tests can check every refusal without Electron. */
export function trustedSenderPolicy(window: TrustedWindow): SenderPolicy {
  return (sender: SenderInfo) => {
    const id = window.webContentsId();
    if (id === undefined || sender.webContentsId !== id || !sender.isMainFrame || !sender.frameUrl) return false;
    try {
      const url = new URL(sender.frameUrl);
      // `URL.origin` is "null" for non-special schemes such as app:, so compare scheme and host explicitly.
      return `${url.protocol}//${url.host}` === window.rendererOrigin;
    } catch {
      return false;
    }
  };
}
