/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1): several challenges, quoted strings with escapes, parameters in any
 * order, any scheme (Bearer, DPoP, …). Used to read `resource_metadata` (RFC 9728 §5.1), `scope` and `error`
 * (RFC 6750 §3) from a 401 or 403.
 */

/** One challenge: the scheme in lower case and its parameters (names in lower case). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

/** The part of a `WWW-Authenticate` header that is parsed (longer headers are cut). */
export const MAX_CHALLENGE_LENGTH = 8 * 1024;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Parses a `WWW-Authenticate` header value into its challenges; malformed tails are dropped, never thrown. */
export function parseWwwAuthenticate(header: string | null | undefined): readonly AuthChallenge[] {
  if (!header) return [];
  // A real challenge is a few hundred bytes; a hostile one is read only as far as that could matter.
  if (header.length > MAX_CHALLENGE_LENGTH) header = header.slice(0, MAX_CHALLENGE_LENGTH);
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const skipWsComma = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t' || header[i] === ',')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TCHAR.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  const readQuoted = (): string | undefined => {
    if (header[i] !== '"') return undefined;
    i++;
    let out = '';
    while (i < n) {
      const c = header[i] as string;
      if (c === '\\' && i + 1 < n) {
        out += header[i + 1];
        i += 2;
      } else if (c === '"') {
        i++;
        return out;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  };

  let current: { scheme: string; params: Record<string, string>; token68?: string } | undefined;
  while (i < n) {
    skipWsComma();
    if (i >= n) break;
    const start = i;
    const name = readToken();
    if (!name) {
      // Unparseable character: skip it.
      i++;
      continue;
    }
    skipWs();
    if (header[i] === '=' && current) {
      // Could be a parameter (name=value) or a token68 ending with '='.
      const save = i;
      i++;
      skipWs();
      if (header[i] === '"') {
        current.params[name.toLowerCase()] = readQuoted() ?? '';
        continue;
      }
      const value = readToken();
      if (value) {
        current.params[name.toLowerCase()] = value;
        continue;
      }
      // token68 (e.g. "abc==")
      i = save;
      while (i < n && header[i] === '=') i++;
      current.token68 = header.slice(start, i);
      continue;
    }
    // A new challenge scheme.
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
    skipWs();
    // token68 directly after the scheme
    const t68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/.exec(header.slice(i));
    if (t68 && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=[^=]/.test(header.slice(i))) {
      current.token68 = t68[0];
      i += t68[0].length;
    }
  }
  return challenges;
}

/** What the engine needs from a 401/403: the first value of each parameter across challenges (Bearer/DPoP first). */
export interface ChallengeInfo {
  readonly schemes: readonly string[];
  readonly resourceMetadata?: string;
  readonly scope?: string;
  readonly error?: string;
  readonly errorDescription?: string;
  /** The `algs` of a `DPoP` challenge (RFC 9449 §7.1): the proof algorithms the resource accepts. */
  readonly dpopAlgs?: readonly string[];
}

/** Summarises the challenges of a response header for discovery and step-up decisions. */
export function readChallenge(header: string | null | undefined): ChallengeInfo {
  const all = parseWwwAuthenticate(header);
  const ordered = [
    ...all.filter((c) => c.scheme === 'bearer' || c.scheme === 'dpop'),
    ...all.filter((c) => c.scheme !== 'bearer' && c.scheme !== 'dpop'),
  ];
  const pick = (key: string): string | undefined => {
    for (const c of ordered) {
      const v = c.params[key];
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  };
  const info: {
    schemes: string[];
    resourceMetadata?: string;
    scope?: string;
    error?: string;
    errorDescription?: string;
    dpopAlgs?: readonly string[];
  } = { schemes: all.map((c) => c.scheme) };
  const rm = pick('resource_metadata');
  if (rm !== undefined) info.resourceMetadata = rm;
  const scope = pick('scope');
  if (scope !== undefined) info.scope = scope;
  const error = pick('error');
  if (error !== undefined) info.error = error;
  const ed = pick('error_description');
  if (ed !== undefined) info.errorDescription = ed;
  const algs = all.find((c) => c.scheme === 'dpop')?.params.algs;
  if (algs) info.dpopAlgs = algs.split(/\s+/).filter(Boolean);
  return info;
}
