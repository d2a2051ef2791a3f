/**
 * Turns stored token records into the views the renderer may see (`TokenSetView`, `TokenView`): decoded header and
 * claims, scopes, audience, expiry, a fingerprint — never the token itself.
 */
import { jsonDepthExceeds } from '../limits.ts';
import { BEARER_NOT_ASKED } from './dpop-decision.ts';
import type { LifetimeView, TokenSetView, TokenView } from '../../preload/contract.ts';
import type { TokenSetRecord } from './store.ts';

/** First 6 and last 4 characters: enough to tell two tokens apart, nothing more. */
export function fingerprint(token: string): string {
  if (token.length <= 12) return '…';
  return `${token.slice(0, 6)}…${token.slice(-4)}`;
}

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    // Claims nested past the bound are not decoded: the window and the CLI walk them recursively.
    if (jsonDepthExceeds(value)) return undefined;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes a JWS compact token without verifying it (display only); undefined for opaque tokens. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const header = decodePart(parts[0]);
  const claims = decodePart(parts[1]);
  return header && claims && typeof header.alg === 'string' ? { header, claims } : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v * 1000 : undefined;
}

/** Builds the view of one token. */
export function tokenView(kind: TokenView['kind'], token: string, record: TokenSetRecord): TokenView {
  const jwt = decodeJwt(token);
  const base = {
    kind,
    fingerprint: fingerprint(token),
    format: jwt ? ('jwt' as const) : ('opaque' as const),
    ...(kind === 'access' ? { tokenType: record.tokenType } : {}),
  };
  if (!jwt) {
    return {
      ...base,
      scopes: kind === 'access' ? record.scopes : [],
      ...(kind === 'access' && record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}),
    };
  }
  const c = jwt.claims;
  const scopeClaim = typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : Array.isArray(c.scp) ? (c.scp as string[]) : undefined;
  const aud = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? (c.aud as string[]) : undefined;
  const cnf = c.cnf as { jkt?: unknown } | undefined;
  const exp = num(c.exp) ?? (kind === 'access' ? record.expiresAt : undefined);
  const iat = num(c.iat);
  const nbf = num(c.nbf);
  return {
    ...base,
    header: jwt.header,
    claims: c,
    scopes: scopeClaim ?? (kind === 'access' ? record.scopes : []),
    ...(aud ? { audience: aud } : {}),
    ...(aud && kind === 'access' ? { audienceMatchesResource: aud.some((a) => sameResource(a, record.resource)) } : {}),
    ...(typeof c.iss === 'string' ? { issuer: c.iss } : {}),
    ...(typeof c.sub === 'string' ? { subject: c.sub } : {}),
    ...(iat !== undefined ? { issuedAt: iat } : {}),
    ...(nbf !== undefined ? { notBefore: nbf } : {}),
    ...(exp !== undefined ? { expiresAt: exp } : {}),
    ...(typeof cnf?.jkt === 'string' ? { dpopJkt: cnf.jkt } : {}),
  };
}

function sameResource(a: string, b: string): boolean {
  return a === b || a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** Builds the Tokens tab's view of a token set. */
export function tokenSetView(record: TokenSetRecord): TokenSetView {
  const tokens: TokenView[] = [tokenView('access', record.accessToken, record)];
  if (record.refreshToken) tokens.push(tokenView('refresh', record.refreshToken, record));
  if (record.idToken) tokens.push(tokenView('id', record.idToken, record));
  const lifetimes = lifetimesOf(record);
  return {
    issuer: record.issuer,
    resource: record.resource,
    clientId: record.clientId,
    registration: record.registration,
    scopes: record.scopes,
    obtainedAt: record.obtainedAt,
    tokens,
    refreshHistory: record.refreshHistory,
    binding: bindingOf(record),
    ...(lifetimes.length > 0 ? { lifetimes } : {}),
  };
}

/** The stored binding decision; sets stored before Keyport kept one say what they are. */
function bindingOf(record: TokenSetRecord): NonNullable<TokenSetView['binding']> {
  if (record.binding) return record.binding;
  return record.dpopKey && record.tokenType === 'DPoP' ? { scheme: 'DPoP', reason: 'DPoP — bound when signed in (the reason was not recorded)' } : { scheme: 'Bearer', reason: BEARER_NOT_ASKED };
}

/**
 * The lifetimes known for a token set (issue 14). The grant ends with the access token when there is no refresh
 * token; otherwise with the refresh token, whose end is known from `refresh_token_expires_in` or its own `exp` when it
 * is a JWT. The client secret's and an ID-JAG's end are listed too.
 */
export function lifetimesOf(record: TokenSetRecord): LifetimeView[] {
  const out: LifetimeView[] = [];
  if (!record.refreshToken) {
    if (record.expiresAt !== undefined) out.push({ subject: 'grant', expiresAt: record.expiresAt, source: 'access-token' });
  } else if (record.refreshTokenExpiresAt !== undefined) {
    out.push({ subject: 'grant', expiresAt: record.refreshTokenExpiresAt, source: 'refresh_token_expires_in' });
  } else {
    const exp = num(decodeJwt(record.refreshToken)?.claims.exp);
    if (exp !== undefined) out.push({ subject: 'grant', expiresAt: exp, source: 'refresh-token-jwt' });
  }
  if (record.idJagExpiresAt !== undefined) out.push({ subject: 'id-jag', expiresAt: record.idJagExpiresAt, source: 'id-jag-exp' });
  if (record.clientSecretExpiresAt !== undefined) out.push({ subject: 'client-secret', expiresAt: record.clientSecretExpiresAt, source: 'client_secret_expires_at' });
  return out;
}

/** An ID-JAG's end (its `exp`), kept with the tokens it bought so the overview can say when it ran out. */
export function idJagLifetime(assertion: string): { readonly idJagExpiresAt?: number } {
  const exp = num(decodeJwt(assertion)?.claims.exp);
  return exp === undefined ? {} : { idJagExpiresAt: exp };
}
