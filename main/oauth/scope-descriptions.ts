/**
 * What a scope means, in words a user can consent to: the server's own explanation when its metadata carries one (the
 * non-standard `scope_descriptions` object some servers publish beside `scopes_supported`), else Keyport's table of
 * well-known scopes (OpenID Connect Core §5.4, RFC 6749 `offline_access`, common MCP scopes). Standard scopes always
 * get Keyport's wording: a server must not be able to describe `offline_access` as harmless.
 */

/** Keyport's wording for scopes whose meaning is fixed by a standard. */
const STANDARD: Readonly<Record<string, string>> = {
  openid: 'Confirm who you are: the server learns your user id (an ID token).',
  profile: 'Your basic profile: name, user name and picture.',
  email: 'Your email address.',
  address: 'Your postal address.',
  phone: 'Your phone number.',
  offline_access: 'Stay signed in: Keyport may renew your access without asking you again (a refresh token).',
};

/** Keyport's wording for scopes MCP servers commonly use. */
const COMMON: Readonly<Record<string, string>> = {
  mcp: 'Use this MCP server.',
  'mcp:tools': 'Call the server’s tools.',
  'mcp:resources': 'Read the server’s resources.',
  'mcp:prompts': 'Use the server’s prompts.',
  'mcp:read': 'Read data through the server’s tools.',
  'mcp:write': 'Create and change data through the server’s tools.',
  'mcp:admin': 'Administrative operations on the server.',
};

/** Longest server-provided description kept (it is untrusted text, shown as text). */
const MAX_DESCRIPTION = 240;
/** At most this many server-provided descriptions are read from one document. */
const MAX_ENTRIES = 200;

/** A description and who wrote it. */
export interface ScopeDescription {
  readonly description: string;
  readonly describedBy: 'server' | 'keyport';
}

/** Reads a metadata document's `scope_descriptions` (scope → text), bounded; anything malformed is ignored. */
export function serverScopeDescriptions(...documents: readonly unknown[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const doc of documents) {
    const raw = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)['scope_descriptions'] : undefined;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) continue;
    for (const [scope, text] of Object.entries(raw as Record<string, unknown>).slice(0, MAX_ENTRIES)) {
      if (typeof text !== 'string' || out.has(scope)) continue;
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
      const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim();
      if (clean) out.set(scope, clean.length > MAX_DESCRIPTION ? `${clean.slice(0, MAX_DESCRIPTION - 1)}…` : clean);
    }
  }
  return out;
}

/** The generic reading of `<thing>:read` / `<thing>.write` style scopes, when nothing better is known. */
function generic(scope: string): string | undefined {
  const m = /^(.+?)[:.](read|write|admin)$/i.exec(scope);
  if (!m) return undefined;
  const thing = m[1]!;
  switch (m[2]!.toLowerCase()) {
    case 'read':
      return `Read ${thing}.`;
    case 'write':
      return `Create and change ${thing}.`;
    default:
      return `Administer ${thing}.`;
  }
}

/** What `scope` means: Keyport's wording for standard scopes, else the server's, else Keyport's common or generic one. */
export function describeScope(scope: string, fromServer: ReadonlyMap<string, string>): ScopeDescription | undefined {
  const standard = Object.hasOwn(STANDARD, scope) ? STANDARD[scope] : undefined;
  if (standard) return { description: standard, describedBy: 'keyport' };
  const server = fromServer.get(scope);
  if (server) return { description: server, describedBy: 'server' };
  const known = (Object.hasOwn(COMMON, scope) ? COMMON[scope] : undefined) ?? generic(scope);
  return known ? { description: known, describedBy: 'keyport' } : undefined;
}
