/**
 * The network every OAuth and MCP request goes through (issue 12 item 5): a `fetch` that honours `HTTPS_PROXY` /
 * `HTTP_PROXY` / `NO_PROXY` (as curl and most tools read them), the OS proxy settings where the host can resolve them
 * (Electron's `session.resolveProxy`, injected), and extra CA certificates (`NODE_EXTRA_CA_CERTS`,
 * `KEYPORT_EXTRA_CA_CERTS` and the app's own setting), so Keyport works behind a corporate proxy and with a private
 * certificate authority. Requests to this computer (loopback) never go through a proxy. Built on undici's agents,
 * handed to the global fetch as its dispatcher; nothing here is global state.
 */
import { readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import { KeyportError } from '../errors.ts';

/** The `fetch` signature the engine and the MCP layer use. */
export type NetworkFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Where the proxy and CA settings come from. */
export interface NetworkSettings {
  /** The environment to read (the CLI's, or the app's process environment). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The app's own extra CA certificate files (PEM), in addition to the environment's (read at the first request). */
  readonly extraCaFiles?: readonly string[] | (() => readonly string[]);
  /**
   * The OS proxy for a URL, in PAC form ("PROXY host:port; DIRECT"), when the host can tell (Electron's
   * `session.resolveProxy`). Used only when the environment names no proxy.
   */
  readonly resolveProxy?: (url: string) => Promise<string>;
}

/** A network: its fetch, what it uses (for diagnostics, no secrets), and how to release its connections. */
export interface Network {
  readonly fetch: NetworkFetch;
  describe(): string;
  close(): Promise<void>;
}

/** How long an OS proxy answer is reused for an origin. */
const OS_PROXY_CACHE_MS = 60_000;

/** True for 127.0.0.0/8, ::1 and `localhost`: never proxied. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The first non-empty value among the environment variables, upper or lower case (curl's conventions). */
function envValue(env: NetworkSettings['env'], name: string): string | undefined {
  const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

/** The PEM text of every extra CA certificate file named by the environment and the settings. */
export function extraCaCertificates(settings: NetworkSettings): readonly string[] {
  const files = [
    ...(envValue(settings.env, 'NODE_EXTRA_CA_CERTS') ? [envValue(settings.env, 'NODE_EXTRA_CA_CERTS')!] : []),
    ...(envValue(settings.env, 'KEYPORT_EXTRA_CA_CERTS')?.split(delimiter).filter(Boolean) ?? []),
    ...(typeof settings.extraCaFiles === 'function' ? settings.extraCaFiles() : (settings.extraCaFiles ?? [])),
  ];
  return [...new Set(files)].map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new KeyportError('network_config', `The CA certificate file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). Fix NODE_EXTRA_CA_CERTS, KEYPORT_EXTRA_CA_CERTS or the app's CA setting.`);
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new KeyportError('network_config', `The CA certificate file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----). Give a PEM file.`);
    }
    return text;
  });
}

/** A proxy URL from the environment, with a scheme (curl accepts "host:port"). */
function proxyUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    return new URL(withScheme).href;
  } catch {
    throw new KeyportError('network_config', `The proxy setting "${value.slice(0, 100)}" is not a URL such as http://proxy.example.com:8080. Fix HTTPS_PROXY / HTTP_PROXY.`);
  }
}

/** The proxy URL of the first usable entry of a PAC answer ("PROXY h:p; DIRECT"), or undefined for DIRECT. */
export function proxyFromPac(pac: string): string | undefined {
  for (const entry of pac.split(';')) {
    const [kind, hostPort] = entry.trim().split(/\s+/);
    if (!kind) continue;
    const k = kind.toUpperCase();
    if (k === 'DIRECT') return undefined;
    if (!hostPort) continue;
    if (k === 'PROXY' || k === 'HTTP') return `http://${hostPort}`;
    if (k === 'HTTPS') return `https://${hostPort}`;
    if (k === 'SOCKS' || k === 'SOCKS5') return `socks5://${hostPort}`;
  }
  return undefined;
}

/** Builds the network for the given settings; nothing is read or opened until the first request. */
export function createNetwork(settings: NetworkSettings): Network {
  let built: { direct: Agent; env?: Dispatcher; tls: Record<string, unknown>; summary: string } | undefined;
  const osAgents = new Map<string, Dispatcher>();
  const osAnswers = new Map<string, { readonly proxy: string | undefined; readonly at: number }>();

  const build = (): NonNullable<typeof built> => {
    if (built) return built;
    const extra = extraCaCertificates(settings);
    const tls: Record<string, unknown> = extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {};
    const httpsProxy = proxyUrl(envValue(settings.env, 'HTTPS_PROXY'));
    const httpProxy = proxyUrl(envValue(settings.env, 'HTTP_PROXY'));
    const noProxy = envValue(settings.env, 'NO_PROXY') ?? '';
    const direct = new Agent({ connect: tls });
    const env =
      httpsProxy !== undefined || httpProxy !== undefined
        ? new EnvHttpProxyAgent({
            // '' rather than undefined: undici would fall back to this process's environment.
            httpProxy: httpProxy ?? '',
            httpsProxy: httpsProxy ?? '',
            noProxy,
            connect: tls,
            requestTls: tls,
            proxyTls: tls,
          })
        : undefined;
    const via = env ? `proxy ${redactProxy(httpsProxy ?? httpProxy!)}${noProxy ? ` (not for ${noProxy})` : ''}` : settings.resolveProxy ? 'the system proxy settings' : 'direct';
    built = { direct, ...(env ? { env } : {}), tls, summary: `${via}; ${extra.length} extra CA certificate file(s)` };
    return built;
  };

  const osDispatcher = async (url: URL, b: NonNullable<typeof built>): Promise<Dispatcher> => {
    if (!settings.resolveProxy) return b.direct;
    const cached = osAnswers.get(url.origin);
    let proxy = cached && Date.now() - cached.at < OS_PROXY_CACHE_MS ? cached.proxy : undefined;
    if (!cached || Date.now() - cached.at >= OS_PROXY_CACHE_MS) {
      proxy = proxyFromPac(await settings.resolveProxy(url.href).catch(() => 'DIRECT'));
      osAnswers.set(url.origin, { proxy, at: Date.now() });
    }
    if (proxy === undefined) return b.direct;
    let agent = osAgents.get(proxy);
    if (!agent) {
      agent = new ProxyAgent({ uri: proxy, connect: b.tls, requestTls: b.tls, proxyTls: b.tls });
      osAgents.set(proxy, agent);
    }
    return agent;
  };

  const fetchFn: NetworkFetch = async (input, init = {}) => {
    const b = build();
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const dispatcher = isLoopback(url.hostname) ? b.direct : (b.env ?? (await osDispatcher(url, b)));
    return globalThis.fetch(input, { ...init, dispatcher } as RequestInit);
  };

  return {
    fetch: fetchFn,
    describe: () => build().summary,
    async close() {
      const b = built;
      built = undefined;
      await Promise.allSettled([b?.direct.close(), b?.env?.close(), ...[...osAgents.values()].map((a) => a.close())]);
      osAgents.clear();
    },
  };
}

/** A proxy URL without its user name and password (they may be credentials). */
function redactProxy(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return 'the configured proxy';
  }
}
