/**
 * Copying non-secret text the window already shows (a redirect URI). Token values are never copied here: main puts
 * them on the clipboard itself.
 */

/** Copies `text`; resolves false when the clipboard is unavailable, so the caller can ask the user to copy by hand. */
export async function copyPlainText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
