/**
 * URL safety rules: which URLs the engine talks to and which it hands to the browser.
 * `https:` everywhere, `http:` only on a loopback host (RFC 8252 §8.3).
 */
import { OAuthError } from './errors.ts';

/** True for 127.0.0.0/8, ::1 and `localhost`: the only hosts where plain `http:` is acceptable. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** True when the engine may send a request to `url`: `https:`, or `http:` on a loopback host. */
export function isAllowedEndpoint(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** Parses `input` and refuses anything but `https:` / loopback `http:` (code `unsafe_url`). */
export function assertSafeEndpoint(input: string | URL, what: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OAuthError('unsafe_url', `The ${what} is not a valid URL. Check the server's configuration.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new OAuthError('unsafe_url', `The ${what} (${url.protocol}//${url.host}) carries a user name or password in the URL. Keyport refuses such URLs; check the server's configuration.`, { url: url.origin });
  }
  if (!isAllowedEndpoint(url)) {
    throw new OAuthError(
      'unsafe_url',
      `The ${what} (${url.origin}) does not use https. Keyport only talks to https endpoints, or http on this machine.`,
      { url: url.origin },
    );
  }
  return url;
}

/** The endpoints of authorization server metadata (RFC 8414 §2) a Keyport flow may call, with how errors name them. */
const AS_ENDPOINTS = [
  ['token_endpoint', 'token endpoint'],
  ['registration_endpoint', 'registration endpoint'],
  ['revocation_endpoint', 'revocation endpoint'],
  ['introspection_endpoint', 'introspection endpoint'],
  ['device_authorization_endpoint', 'device authorization endpoint'],
  ['jwks_uri', 'key set (jwks_uri)'],
] as const;

/**
 * Judges every endpoint of an authorization server's metadata that a flow may later use, so an unsafe one (plain
 * `http:` on the network, a user name or password in the URL, not a URL) stops the login before the browser opens,
 * not after the user signed in.
 */
export function assertSafeAuthorizationServer(as: Readonly<Record<string, unknown>>): void {
  if (typeof as.authorization_endpoint === 'string') assertSafeBrowserUrl(as.authorization_endpoint);
  for (const [field, what] of AS_ENDPOINTS) {
    const value = as[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new OAuthError('unsafe_url', `The authorization server's ${what} is not a URL. Check the server's configuration.`);
    assertSafeEndpoint(value, `authorization server's ${what}`);
  }
}

/**
 * Checks an authorization URL before it is given to the browser: `https:`, or `http:` on a loopback host.
 * Anything else (javascript:, file:, custom schemes, http on the network) is refused.
 */
export function assertSafeBrowserUrl(input: string | URL): URL {
  return assertSafeEndpoint(input, 'authorization page');
}

/** oauth4webapi's per-call opt-in for `http:`: granted only when the endpoint is on a loopback host. */
export function insecureOptionFor(url: string | URL | undefined): boolean {
  if (url === undefined) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && isLoopbackHost(u.hostname);
  } catch {
    return false;
  }
}
