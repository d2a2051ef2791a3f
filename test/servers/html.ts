/**
 * Minimal HTML for the test bed's own pages. Everything is self-contained: no scripts, no external fonts or styles
 * and no inline styles, so the pages render offline and satisfy any CSP a test browser applies.
 */

/** Escapes text for HTML element content and double-quoted attribute values (client names are attacker-chosen). */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Wraps already-escaped body HTML in a complete document with the given (unescaped) title. */
export function htmlPage(title: string, bodyHtml: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    '</head>',
    '<body>',
    `<main>`,
    `<h1>${escapeHtml(title)}</h1>`,
    bodyHtml,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * The Content-Security-Policy sent with every test-bed page: nothing may load (no fonts, scripts, styles, images).
 * `form-action` is left open on purpose: the consent post ends in a redirect to the client's loopback callback.
 */
export const PAGE_CSP = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'";
