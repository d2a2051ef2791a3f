/**
 * Access-token checks of the protected MCP server: JWT access tokens (RFC 9068) verified with jose against the
 * authorization server's keys (issuer, audience = this resource, expiry), DPoP proofs (RFC 9449 §4.3, §7) for
 * sender-constrained tokens, and the `WWW-Authenticate` challenges of RFC 6750 §3 / RFC 9728 §5.1.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWK, JWTPayload, JWTVerifyGetKey } from 'jose';

/** What a verified access token says, in the shape tools receive through `extra.authInfo.extra`. */
export interface VerifiedToken {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  /** The `cnf.jkt` thumbprint when the token is DPoP-bound. */
  readonly jkt: string | undefined;
  readonly claims: JWTPayload;
}

/** Why a request was refused; `error` is absent when no credentials were presented (RFC 6750 §3.1). */
export interface AuthFailure {
  readonly scheme: 'Bearer' | 'DPoP';
  readonly error: 'invalid_token' | 'invalid_request' | 'invalid_dpop_proof' | undefined;
  readonly description: string | undefined;
}

/** Result of {@link TokenVerifier}: the token, or the reason for a 401. */
export type AuthOutcome = { readonly ok: true; readonly token: VerifiedToken; readonly raw: string } | ({ readonly ok: false } & AuthFailure);

/** Checks the credentials of one HTTP request. `requestUrl` is the absolute URL the client addressed (for `htu`). */
export type TokenVerifier = (req: IncomingMessage, requestUrl: URL) => Promise<AuthOutcome>;

/**
 * What the resource says about DPoP (RFC 9449 §7, RFC 9728 §2), the signal a client uses to decide whether to bind
 * its tokens: `supported` advertises `dpop_signing_alg_values_supported` and challenges with both schemes, accepting
 * Bearer and DPoP-bound tokens; `required` also sets `dpop_bound_access_tokens_required` and refuses Bearer;
 * `bearer-only` says nothing about DPoP and refuses the `DPoP` scheme as the MCP SDK 1.x `requireBearerAuth` does.
 */
export type DpopMode = 'required' | 'supported' | 'bearer-only';

/** The SDK 1.x `requireBearerAuth` description for any scheme but Bearer (what a Bearer-only server answers to DPoP). */
export const BEARER_ONLY_DESCRIPTION = "Invalid Authorization header format, expected 'Bearer TOKEN'";

/** The DPoP proof algorithms accepted (and advertised in `algs`). */
export const DPOP_ALGS = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const;

/** Accepted distance between a DPoP proof's `iat` and the server clock, in seconds. */
const DPOP_IAT_WINDOW = 60;

/**
 * Creates the verifier for one resource. `audience` is this server's resource URL; `keys` resolves the
 * authorization server's signing keys (jose `createLocalJWKSet` or `createRemoteJWKSet`).
 */
export function createTokenVerifier(options: {
  readonly issuer: string;
  readonly audience: string;
  readonly keys: JWTVerifyGetKey;
  /** Default `supported`. */
  readonly dpop?: DpopMode;
}): TokenVerifier {
  const seenProofs = new Map<string, number>();
  const mode = options.dpop ?? 'supported';
  const primary = mode === 'required' ? 'DPoP' : 'Bearer';

  return async (req, requestUrl) => {
    const authorization = req.headers.authorization;
    if (!authorization) return fail(primary, undefined, undefined);
    const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
    if (!match) return fail(primary, 'invalid_request', 'malformed Authorization header');
    const scheme = match[1]?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const raw = match[2] ?? '';
    if (mode === 'bearer-only' && scheme === 'DPoP') return fail('Bearer', 'invalid_token', BEARER_ONLY_DESCRIPTION);
    if (mode === 'required' && scheme === 'Bearer') return fail('DPoP', 'invalid_token', 'this resource requires DPoP-bound access tokens');

    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(raw, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 0,
      }));
    } catch (error) {
      return fail(scheme, 'invalid_token', describeJoseError(error));
    }

    const cnf = claims.cnf as { jkt?: unknown } | undefined;
    const jkt = typeof cnf?.jkt === 'string' ? cnf.jkt : undefined;
    if (jkt && mode === 'bearer-only') return fail('Bearer', 'invalid_token', 'access token is DPoP-bound; this resource accepts only Bearer tokens');
    if (jkt) {
      if (scheme !== 'DPoP') return fail('DPoP', 'invalid_token', 'DPoP-bound access token presented with the Bearer scheme');
      const proofProblem = await checkDpopProof(req, requestUrl, raw, jkt, seenProofs);
      if (proofProblem) return fail('DPoP', 'invalid_dpop_proof', proofProblem);
    } else if (scheme === 'DPoP') {
      return fail('DPoP', 'invalid_token', 'access token is not DPoP-bound');
    }

    const token: VerifiedToken = {
      subject: String(claims.sub),
      clientId: typeof claims.client_id === 'string' ? claims.client_id : '',
      scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
      expiresAt: Number(claims.exp),
      jkt,
      claims,
    };
    return { ok: true, token, raw };
  };
}

/** Verifies a DPoP proof for a bound token; returns a problem description, or undefined when the proof is good. */
async function checkDpopProof(
  req: IncomingMessage,
  requestUrl: URL,
  accessToken: string,
  jkt: string,
  seenProofs: Map<string, number>,
): Promise<string | undefined> {
  const header = req.headers.dpop;
  if (typeof header !== 'string' || !header) return 'missing DPoP proof';
  if (header.includes(',')) return 'more than one DPoP proof';
  try {
    const protectedHeader = decodeProtectedHeader(header);
    const jwk = protectedHeader.jwk as JWK | undefined;
    if (!jwk || 'd' in jwk || 'k' in jwk) return 'DPoP proof must carry a public jwk';
    const { payload } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGS] });
    if (typeof payload.jti !== 'string' || !payload.jti) return 'DPoP proof has no jti';
    if (payload.htm !== req.method) return 'DPoP proof htm mismatch';
    if (typeof payload.htu !== 'string' || stripUrl(payload.htu) !== stripUrl(requestUrl.href)) return 'DPoP proof htu mismatch';
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > DPOP_IAT_WINDOW) return 'DPoP proof iat out of range';
    const ath = createHash('sha256').update(accessToken).digest('base64url');
    if (payload.ath !== ath) return 'DPoP proof ath mismatch';
    if ((await calculateJwkThumbprint(jwk, 'sha256')) !== jkt) return 'DPoP proof key does not match the token binding';
    for (const [jti, expiry] of seenProofs) if (expiry < now) seenProofs.delete(jti);
    if (seenProofs.has(payload.jti)) return 'DPoP proof replayed';
    seenProofs.set(payload.jti, now + DPOP_IAT_WINDOW * 2);
    return undefined;
  } catch (error) {
    return `invalid DPoP proof (${describeJoseError(error)})`;
  }
}

/** RFC 9449 §4.3 compares htu without query and fragment, after URL normalisation. */
function stripUrl(value: string): string {
  const url = URL.parse(value);
  if (!url) return value;
  url.search = '';
  url.hash = '';
  return url.href;
}

function fail(scheme: AuthFailure['scheme'], error: AuthFailure['error'], description: string | undefined): AuthOutcome {
  return { ok: false, scheme, error, description };
}

function describeJoseError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (code === 'ERR_JWT_EXPIRED') return 'access token expired';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return `access token claim check failed: ${(error as { claim?: string }).claim ?? 'unknown'}`;
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWKS_NO_MATCHING_KEY') return 'signature not verified';
  if (typeof code === 'string') return code.replace(/^ERR_/, '').toLowerCase();
  return 'token could not be verified';
}

/** Parameters of a `WWW-Authenticate` challenge. */
export interface ChallengeParams {
  readonly scheme: 'Bearer' | 'DPoP';
  readonly resourceMetadata: string;
  readonly scope?: string | undefined;
  readonly error?: string | undefined;
  readonly description?: string | undefined;
}

/**
 * Formats a challenge: `Bearer resource_metadata="…", scope="…"` plus `error`/`error_description` when a token was
 * presented (RFC 6750 §3, RFC 9728 §5.1); the DPoP scheme also lists `algs` (RFC 9449 §7.1).
 */
export function formatChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.error) parts.push(`error="${quote(params.error)}"`);
  if (params.description) parts.push(`error_description="${quote(params.description)}"`);
  parts.push(`resource_metadata="${quote(params.resourceMetadata)}"`);
  if (params.scope) parts.push(`scope="${quote(params.scope)}"`);
  if (params.scheme === 'DPoP') parts.push(`algs="${DPOP_ALGS.join(' ')}"`);
  return `${params.scheme} ${parts.join(', ')}`;
}

/**
 * The `WWW-Authenticate` challenges of a 401 under a {@link DpopMode}, one string per challenge (send them as
 * separate header lines): the failure's own challenge first, then, for a resource that supports both schemes, a bare
 * challenge of the other scheme (RFC 9449 §7.2), so a client can tell that DPoP is welcome but not required.
 */
export function challengesFor(mode: DpopMode, failure: AuthFailure, resourceMetadata: string, scope: string | undefined): string[] {
  const own = formatChallenge({ scheme: failure.scheme, resourceMetadata, scope, error: failure.error, description: failure.description });
  if (mode !== 'supported') return [own];
  const other: ChallengeParams['scheme'] = failure.scheme === 'Bearer' ? 'DPoP' : 'Bearer';
  return [own, formatChallenge({ scheme: other, resourceMetadata, scope })];
}

/** The DPoP members of the resource's RFC 9728 metadata under a {@link DpopMode} (none for `bearer-only`). */
export function dpopMetadata(mode: DpopMode): Record<string, unknown> {
  if (mode === 'bearer-only') return {};
  return {
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
    ...(mode === 'required' ? { dpop_bound_access_tokens_required: true } : {}),
  };
}

function quote(value: string): string {
  return value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '');
}
