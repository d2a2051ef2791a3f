/**
 * Turns stored token records into the views the renderer may see (`TokenSetView`, `TokenView`): decoded header and
 * claims, scopes, audience, expiry, a fingerprint — never the token itself.
 */
import type { TokenSetView, TokenView } from '../../preload/contract.ts';
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
  return {
    issuer: record.issuer,
    resource: record.resource,
    clientId: record.clientId,
    registration: record.registration,
    scopes: record.scopes,
    obtainedAt: record.obtainedAt,
    tokens,
    refreshHistory: record.refreshHistory,
  };
}
