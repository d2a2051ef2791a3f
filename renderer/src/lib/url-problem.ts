/** Validation of a server address as the user types it; the message says how to fix it. */

/** Returns why a URL cannot be an MCP server address, or undefined when it can. */
export function urlProblem(value: string): string | undefined {
  if (value.trim() === '') return 'Enter the server’s URL.';
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'That is not a URL. It should look like https://example.com/mcp.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an https:// URL.';
  if (url.username || url.password) return 'Leave the user name and password out of the URL; Keyport signs in for you.';
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) return 'Plain http:// is only allowed for servers on this computer. Use https://.';
  return undefined;
}

/** Like {@link urlProblem} for optional URL fields: empty is fine. */
export function optionalUrlProblem(value: string): string | undefined {
  return value.trim() === '' ? undefined : urlProblem(value);
}
