/**
 * An HTTP "browser" for conformance and tests: follows the authorization URL's redirects (the suites' mock
 * authorization server has no login page) until it lands on the loopback callback, then loads the callback.
 */

/** Follows redirects from `url` until a loopback `/callback` URL has been requested; resolves when done. */
export async function followAuthorizationRedirects(url: string, maxHops = 10): Promise<void> {
  let current = url;
  for (let hop = 0; hop < maxHops; hop++) {
    const response = await fetch(current, { redirect: 'manual' });
    await response.body?.cancel().catch(() => undefined);
    const u = new URL(current);
    if (u.hostname === '127.0.0.1' && u.pathname === '/callback') return;
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`authorization page answered ${response.status} without a redirect`);
    }
    current = new URL(location, current).href;
  }
  throw new Error('too many redirects');
}
