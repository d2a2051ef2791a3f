/**
 * An automated user agent over fetch, standing in for the user's browser in tests: it opens an authorization URL,
 * keeps cookies, follows redirects by hand, fills and submits the forms it meets (login: `username`/`password`;
 * consent: the scope checkboxes as `approveScopes` says, then the allow or deny button; any hidden inputs as they
 * are), and stops at the redirect to the client's loopback callback (RFC 8252 §7.3), which it then GETs so a real
 * callback server receives the code.
 *
 * Works with the test bed's pages and with any AS whose pages are plain HTML forms, including one that redirects
 * straight to the callback without a login page (the MCP conformance mock AS). It never runs scripts.
 */

/** Username and password to type into a login form. */
export interface LoginCredentials {
  readonly username: string;
  readonly password: string;
}

/** Options of {@link completeLogin}. */
export interface CompleteLoginOptions {
  /** Which consent button to press (default `allow`). */
  readonly consent?: 'allow' | 'deny';
  /**
   * Which scope checkboxes (`name="scope"`, `scopes` or `scope[]`) to tick on a consent page: `defaults` (default)
   * submits them as the page pre-checked them; `all` ticks every one offered (a step-up); a list ticks exactly the
   * offered boxes whose value it names and unticks the rest. A scope the page offers no box for (not available to
   * the account) cannot be ticked, as in a browser: the token's `scope` then simply lacks it.
   */
  readonly approveScopes?: ApproveScopes;
  /** Decides which redirect target is the client's callback. Default: an `http:` loopback URL on another origin than the authorization URL, or any non-http(s) scheme. */
  readonly isCallback?: (url: URL) => boolean;
  /** GET the callback URL (default true). With false, the URL is only reported (status 0). */
  readonly followCallback?: boolean;
  /** Extra form fields to fill, by input name (e.g. `user_code`). */
  readonly fields?: Readonly<Record<string, string>>;
  /** Maximum number of HTTP requests before giving up (default 25). */
  readonly maxSteps?: number;
  /** Timeout of each request in milliseconds (default 10,000). */
  readonly timeoutMs?: number;
  /** The fetch to use (default `globalThis.fetch`). */
  readonly fetch?: typeof fetch;
  /**
   * Cookies to use and keep, like one browser profile across several logins: with the jar of an earlier login the
   * AS recognises its session and skips the password (only consent is asked), as for a step-up in a real browser.
   * Default: a fresh jar per call (always a full login).
   */
  readonly cookies?: CookieJar;
}

/** The scope selection of {@link CompleteLoginOptions.approveScopes}. */
export type ApproveScopes = 'defaults' | 'all' | readonly string[];

/** Where the login ended. */
export interface LoginResult {
  /** The callback URL the AS redirected to (carries `code`/`state`/`iss`, or `error`). */
  readonly callbackUrl: string;
  /** Status of the GET to the callback (0 when not followed or not an http URL). */
  readonly status: number;
  /** Body of the callback response ('' when not followed). */
  readonly body: string;
  /** Query parameters of the callback URL, for convenience. */
  readonly params: URLSearchParams;
  /** Number of HTTP requests made, including the callback GET. */
  readonly steps: number;
}

/** Where a device-flow verification ended (there is no callback in RFC 8628). */
export interface DeviceLoginResult {
  readonly finalUrl: string;
  readonly status: number;
  readonly body: string;
  readonly steps: number;
}

/** Stable codes of {@link UserAgentError}; callers branch on these, never on the message. */
export type UserAgentErrorCode =
  | 'login_rejected'
  | 'http_error'
  | 'unexpected_page'
  | 'too_many_steps'
  | 'non_loopback_redirect'
  | 'callback_unreachable'
  | 'network_error';

/** Why the automated login failed. The message names the page's own error text when it shows one. */
export class UserAgentError extends Error {
  readonly code: UserAgentErrorCode;
  readonly status: number | undefined;
  readonly url: string | undefined;
  constructor(code: UserAgentErrorCode, message: string, details: { status?: number; url?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UserAgentError';
    this.code = code;
    this.status = details.status;
    this.url = details.url;
  }
}

/**
 * Logs in through the authorization URL as a browser would and lands on the loopback callback.
 * Throws {@link UserAgentError} (`login_rejected` when the credentials are refused).
 */
export async function completeLogin(authorizationUrl: string | URL, credentials: LoginCredentials, options: CompleteLoginOptions = {}): Promise<LoginResult> {
  const start = new URL(authorizationUrl);
  const isCallback = options.isCallback ?? ((url: URL) => defaultIsCallback(url, start));
  const outcome = await drive(start, credentials, options, isCallback);
  if (outcome.kind !== 'callback') {
    throw new UserAgentError('unexpected_page', `the flow ended on a page without reaching the callback: ${describePage(outcome.body)}`, {
      status: outcome.status,
      url: outcome.url,
    });
  }
  return outcome.result;
}

/**
 * Completes the user's half of an RFC 8628 device flow: opens `verification_uri_complete` (or the plain
 * `verification_uri` with `userCode`), confirms, logs in and consents. Resolves on the final page.
 */
export async function completeDeviceLogin(
  verificationUri: string | URL,
  credentials: LoginCredentials,
  options: CompleteLoginOptions & { readonly userCode?: string } = {},
): Promise<DeviceLoginResult> {
  const fields = options.userCode ? { user_code: options.userCode, ...options.fields } : options.fields;
  const outcome = await drive(new URL(verificationUri), credentials, { ...options, fields }, () => false);
  if (outcome.kind === 'callback') throw new UserAgentError('unexpected_page', 'device flow unexpectedly redirected to a callback');
  return { finalUrl: outcome.url, status: outcome.status, body: outcome.body, steps: outcome.steps };
}

type DriveOutcome =
  | { readonly kind: 'callback'; readonly result: LoginResult }
  | { readonly kind: 'page'; readonly url: string; readonly status: number; readonly body: string; readonly steps: number };

interface PendingRequest {
  url: URL;
  method: 'GET' | 'POST';
  body: URLSearchParams | undefined;
}

async function drive(
  start: URL,
  credentials: LoginCredentials,
  options: CompleteLoginOptions,
  isCallback: (url: URL) => boolean,
): Promise<DriveOutcome> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const maxSteps = options.maxSteps ?? 25;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const jar = options.cookies ?? new CookieJar();
  let steps = 0;
  let submittedPassword = false;
  let pending: PendingRequest = { url: start, method: 'GET', body: undefined };

  const request = async (next: PendingRequest): Promise<Response> => {
    if (++steps > maxSteps) throw new UserAgentError('too_many_steps', `gave up after ${maxSteps} requests`, { url: next.url.href });
    const headers: Record<string, string> = { Accept: 'text/html,application/xhtml+xml', 'User-Agent': 'keyport-test-user-agent' };
    const cookie = jar.header(next.url);
    if (cookie) headers.Cookie = cookie;
    if (next.body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    try {
      const response = await doFetch(next.url, {
        method: next.method,
        headers,
        body: next.body?.toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      jar.store(next.url, response.headers.getSetCookie());
      return response;
    } catch (error) {
      throw new UserAgentError('network_error', `request to ${next.url.origin}${next.url.pathname} failed: ${(error as Error).message}`, {
        url: next.url.href,
        cause: error,
      });
    }
  };

  const finish = async (callback: URL, via: PendingRequest | undefined): Promise<DriveOutcome> => {
    const base = { callbackUrl: callback.href, params: new URLSearchParams(callback.search), steps };
    if (options.followCallback === false || (callback.protocol !== 'http:' && callback.protocol !== 'https:')) {
      return { kind: 'callback', result: { ...base, status: 0, body: '' } };
    }
    try {
      const response = await request(via ?? { url: callback, method: 'GET', body: undefined });
      const body = await response.text();
      return { kind: 'callback', result: { ...base, steps, status: response.status, body } };
    } catch (error) {
      if (error instanceof UserAgentError && error.code === 'network_error') {
        throw new UserAgentError('callback_unreachable', `the callback ${callback.origin}${callback.pathname} did not answer`, {
          url: callback.href,
          cause: error,
        });
      }
      throw error;
    }
  };

  for (;;) {
    if (isCallback(pending.url)) return finish(pending.url, pending.method === 'POST' ? pending : undefined);
    assertLoopback(pending.url);
    const response = await request(pending);

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const target = new URL(location, pending.url);
      const keepMethod = response.status === 307 || response.status === 308;
      pending = keepMethod ? { ...pending, url: target } : { url: target, method: 'GET', body: undefined };
      continue;
    }

    const body = await response.text();
    const forms = parseForms(body);
    const form = forms[0];
    const hasPassword = forms.some((f) => f.fields.some((field) => field.type === 'password'));
    if (submittedPassword && hasPassword) {
      throw new UserAgentError('login_rejected', `login rejected: ${describePage(body)}`, { status: response.status, url: pending.url.href });
    }
    if (!form) {
      if (response.status >= 400) {
        throw new UserAgentError('http_error', `HTTP ${response.status} from ${pending.url.origin}${pending.url.pathname}: ${describePage(body)}`, {
          status: response.status,
          url: pending.url.href,
        });
      }
      return { kind: 'page', url: pending.url.href, status: response.status, body, steps };
    }

    const values = new URLSearchParams();
    submittedPassword = false;
    for (const field of form.fields) {
      if (field.type === 'password') submittedPassword = true;
      if (!isTicked(field, options.approveScopes ?? 'defaults')) continue;
      values.append(field.name, fillValue(field, credentials, options.fields));
    }
    const button = chooseButton(form.buttons, options.consent ?? 'allow');
    if (button?.name) values.append(button.name, button.value);
    const action = new URL(form.action || pending.url.href, pending.url);
    pending =
      form.method === 'POST'
        ? { url: action, method: 'POST', body: values }
        : { url: new URL(`${action.origin}${action.pathname}?${values.toString()}`), method: 'GET', body: undefined };
  }
}

/** Checkboxes and radio buttons are sent only when ticked; scope checkboxes follow `approveScopes`. */
function isTicked(field: FormField, approve: ApproveScopes): boolean {
  if (field.type !== 'checkbox' && field.type !== 'radio') return true;
  if (field.type === 'checkbox' && /^scopes?(\[\])?$/i.test(field.name) && approve !== 'defaults') {
    return approve === 'all' || approve.includes(field.value);
  }
  return field.checked;
}

function fillValue(field: FormField, credentials: LoginCredentials, extra: Readonly<Record<string, string>> | undefined): string {
  if (extra && Object.hasOwn(extra, field.name)) return extra[field.name] ?? '';
  if (field.type === 'password') return credentials.password;
  if (/^(username|user|login|email)$/i.test(field.name)) return credentials.username;
  return field.value;
}

function chooseButton(buttons: readonly FormButton[], consent: 'allow' | 'deny'): FormButton | undefined {
  const pattern = consent === 'deny' ? /deny|reject|cancel|abort|no\b/i : /allow|accept|approve|authori[sz]e|confirm|continue|yes|sign ?in|log ?in|submit/i;
  const label = (b: FormButton) => `${b.value} ${b.id} ${b.text}`;
  return buttons.find((b) => pattern.test(label(b))) ?? (consent === 'deny' ? undefined : buttons[0]) ?? buttons[0];
}

function defaultIsCallback(url: URL, start: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname) && url.origin !== start.origin;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

/** Network in tests is loopback only: refuse to wander off. */
function assertLoopback(url: URL): void {
  if (!isLoopbackHost(url.hostname)) {
    throw new UserAgentError('non_loopback_redirect', `refusing to visit non-loopback host ${url.hostname}`, { url: url.href });
  }
}

/** The page's own error text (role="alert" / id="error"), else its title, else a short text excerpt. */
function describePage(html: string): string {
  const alert = /<[^>]+(?:role="alert"|id="error"|class="error")[^>]*>([\s\S]*?)<\/[a-z0-9]+>/i.exec(html)?.[1];
  const title = /<title>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const text = (alert ?? stripTags(html).slice(0, 300)) || title || '(empty page)';
  return decodeEntities(stripTags(text)).replace(/\s+/g, ' ').trim().slice(0, 300);
}

function stripTags(html: string): string {
  return html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
}

interface FormField {
  readonly name: string;
  readonly type: string;
  readonly value: string;
  /** For checkboxes and radio buttons: pre-checked on the page. */
  readonly checked: boolean;
}

interface FormButton {
  readonly name: string;
  readonly value: string;
  readonly id: string;
  readonly text: string;
}

interface ParsedForm {
  readonly action: string;
  readonly method: 'GET' | 'POST';
  readonly fields: readonly FormField[];
  readonly buttons: readonly FormButton[];
}

/** A forgiving regex form parser: enough for server-rendered login, consent and form_post pages. */
function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = parseAttributes(match[1] ?? '');
    const inner = match[2] ?? '';
    const fields: FormField[] = [];
    const buttons: FormButton[] = [];
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = parseAttributes(input[1] ?? '');
      const type = (a.type ?? 'text').toLowerCase();
      const name = a.name;
      if (type === 'submit' || type === 'image') {
        buttons.push({ name: name ?? '', value: a.value ?? '', id: a.id ?? '', text: a.value ?? '' });
        continue;
      }
      if (!name || type === 'button' || type === 'reset' || type === 'file') continue;
      const checked = (type === 'checkbox' || type === 'radio') && 'checked' in a;
      fields.push({ name, type, value: a.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : ''), checked });
    }
    for (const button of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = parseAttributes(button[1] ?? '');
      if ((a.type ?? 'submit').toLowerCase() !== 'submit') continue;
      buttons.push({ name: a.name ?? '', value: a.value ?? '', id: a.id ?? '', text: decodeEntities(stripTags(button[2] ?? '')).trim() });
    }
    forms.push({ action: attrs.action ?? '', method: (attrs.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET', fields, buttons });
  }
  return forms;
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!name || Object.hasOwn(attributes, name)) continue;
    attributes[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_all, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower] ?? '';
  });
}

/**
 * A browser profile's cookies, by (host, path, name): enough of RFC 6265 for loopback servers (host-only cookies,
 * Path, Max-Age/Expires; `Secure` is ignored because everything is http on 127.0.0.1). Pass one to several
 * {@link completeLogin} calls to keep the AS session between them.
 */
export class CookieJar {
  readonly #cookies = new Map<string, { host: string; path: string; name: string; value: string; expires: number }>();

  /** Records the `Set-Cookie` lines of a response from `url`. */
  store(url: URL, setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributeParts] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires = Infinity;
      for (const part of attributeParts) {
        const [rawKey = '', ...rest] = part.split('=');
        const key = rawKey.trim().toLowerCase();
        const attr = rest.join('=').trim();
        if (key === 'path' && attr.startsWith('/')) path = attr;
        if (key === 'max-age') expires = Date.now() + Number(attr) * 1000;
        if (key === 'expires' && expires === Infinity) expires = Date.parse(attr) || Infinity;
      }
      const key = `${url.host} ${path} ${name}`;
      if (expires <= Date.now()) this.#cookies.delete(key);
      // (a cookie re-set with a new path is a different cookie, as in browsers)
      else this.#cookies.set(key, { host: url.host, path, name, value, expires });
    }
  }

  /** The `Cookie` header value for a request to `url` ('' when none apply). */
  header(url: URL): string {
    const now = Date.now();
    return [...this.#cookies.values()]
      .filter((c) => c.host === url.host && c.expires > now && pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Number of cookies held (expired ones included until replaced). */
  get size(): number {
    return this.#cookies.size;
  }

  /** Forgets every cookie (a new private window). */
  clear(): void {
    this.#cookies.clear();
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
