/**
 * The checks that keep server-provided content inert: which URLs may be handed to main to open, and which data may
 * become an `<img>` or `<audio>` source. Everything else is shown as text.
 */

/** Image MIME types an `<img>` may show from a `data:` URI (no SVG: it is a document, not a picture). */
const imageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

/** Audio MIME types an `<audio>` may play from a `data:` URI. */
const audioTypes = new Set(['audio/wav', 'audio/x-wav', 'audio/mpeg', 'audio/mp3', 'audio/ogg', 'audio/webm', 'audio/flac', 'audio/aac', 'audio/mp4']);

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A `data:` URI for an image content block, or undefined when the type is not a plain image or the data is not base64. */
export function imageDataUri(mimeType: string, data: string): string | undefined {
  const type = mimeType.trim().toLowerCase();
  if (!imageTypes.has(type) || !base64.test(data)) return undefined;
  return `data:${type};base64,${data}`;
}

/** A `data:` URI for an audio content block, or undefined when the type is not audio or the data is not base64. */
export function audioDataUri(mimeType: string, data: string): string | undefined {
  const type = mimeType.trim().toLowerCase();
  if (!audioTypes.has(type) || !base64.test(data)) return undefined;
  return `data:${type};base64,${data}`;
}

/** Whether a server-provided link may be opened in the system browser: only http(s) URLs, parsed, not scripts. */
export function isOpenableLink(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Pretty JSON of any value for display as text; never throws (cycles and BigInts become a note). */
export function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return '(not displayable as JSON)';
  }
}
