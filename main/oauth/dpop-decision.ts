/**
 * Whether a token family is sender-constrained with DPoP (RFC 9449), decided per *resource* before the token request.
 * The authorization server's `dpop_signing_alg_values_supported` (RFC 9449 §5.1) only says what the AS can do; what
 * the MCP server accepts is in its own metadata (RFC 9728: `dpop_signing_alg_values_supported`,
 * `dpop_bound_access_tokens_required`) and in its challenges (a `DPoP` scheme, RFC 9449 §7.1). Most MCP servers take
 * `Bearer` only (the MCP authorization spec says clients use Bearer), so DPoP is used only when the resource asks for
 * it and both sides share an algorithm; otherwise Bearer, whatever the AS advertises.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { ProtectedResourceMetadata } from './discovery.ts';
import { SUPPORTED_DPOP_ALGS } from './dpop.ts';
import { OAuthError } from './errors.ts';
import type { ChallengeInfo } from './www-authenticate.ts';

/** The outcome, with the reason the token inspector and `keyport token` show. */
export type DPoPDecision =
  | { readonly scheme: 'Bearer'; readonly reason: string }
  | { readonly scheme: 'DPoP'; readonly alg: string; readonly reason: string };

/** What the decision looks at. */
export interface DPoPDecisionInput {
  /** The server's setting: `off` never binds (default `auto`). */
  readonly setting?: 'auto' | 'off' | undefined;
  readonly resourceMetadata?: ProtectedResourceMetadata | undefined;
  /** The challenge that started the login, if any. */
  readonly challenge?: ChallengeInfo | undefined;
  readonly as: AuthorizationServer;
  /** True once this resource refused a DPoP-bound token with a Bearer-only challenge. */
  readonly resourceRefusedDPoP?: boolean;
}

/** The reason text when the resource does not ask for DPoP (also what tokens issued before the decision existed show). */
export const BEARER_NOT_ASKED = 'Bearer — the resource does not ask for DPoP';

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** The reason a family that the resource refused as DPoP-bound shows after it became Bearer. */
export const RESOURCE_REFUSED_DPOP = 'Bearer — the resource refused a DPoP-bound token';

/** Decides DPoP or Bearer; throws `dpop_required` when the resource requires DPoP and it cannot be done. */
export function decideDPoP(input: DPoPDecisionInput): DPoPDecision {
  const prm = input.resourceMetadata;
  const required = prm?.dpop_bound_access_tokens_required === true;
  const prmAlgs = stringList(prm?.dpop_signing_alg_values_supported);
  const challenged = input.challenge?.schemes.includes('dpop') === true;
  const asks = required || (prmAlgs !== undefined && prmAlgs.length > 0) || challenged;
  if (input.setting === 'off') {
    if (required) {
      throw new OAuthError('dpop_required', 'This MCP server accepts only DPoP-bound tokens, but DPoP is turned off in its settings. Edit the server, set DPoP to automatic, and sign in again.');
    }
    return { scheme: 'Bearer', reason: 'Bearer — DPoP is turned off in this server\'s settings' };
  }
  if (!asks) return { scheme: 'Bearer', reason: BEARER_NOT_ASKED };
  if (input.resourceRefusedDPoP && !required) return { scheme: 'Bearer', reason: RESOURCE_REFUSED_DPOP };
  const asAlgs = stringList(input.as.dpop_signing_alg_values_supported) ?? [];
  // The resource's algorithms, where it names any (metadata and the challenge's `algs`); otherwise any the AS offers.
  const resourceAlgs = [...(prmAlgs ?? []), ...(input.challenge?.dpopAlgs ?? [])];
  const common = SUPPORTED_DPOP_ALGS.filter((alg) => asAlgs.includes(alg) && (resourceAlgs.length === 0 || resourceAlgs.includes(alg)));
  const alg = common[0];
  if (!alg) {
    const why = asAlgs.length === 0 ? 'its authorization server does not offer DPoP' : `it and its authorization server share no DPoP algorithm Keyport can use (resource: ${resourceAlgs.join(', ') || 'any'}; authorization server: ${asAlgs.join(', ')})`;
    if (required) {
      throw new OAuthError('dpop_required', `This MCP server accepts only DPoP-bound tokens, but ${why}. Nothing was requested; ask the server's operator to fix its DPoP configuration.`);
    }
    return { scheme: 'Bearer', reason: `Bearer — the resource accepts DPoP, but ${why}` };
  }
  const why = required ? 'required by the resource' : challenged ? 'the resource challenged with the DPoP scheme' : 'offered by the resource';
  return { scheme: 'DPoP', alg, reason: `DPoP (${alg}) — ${why}` };
}

/**
 * RFC 9449 §5: the token must come back with the type that was asked for. A proof sent and a Bearer token returned
 * (or the other way round) is refused, and nothing is stored.
 */
export function assertTokenTypeMatches(decision: DPoPDecision, tokenType: string): void {
  const got = tokenType.toLowerCase();
  if (decision.scheme === 'DPoP' && got !== 'dpop') {
    throw new OAuthError('dpop_required', `The authorization server answered a DPoP token request with a "${got === 'bearer' ? 'Bearer' : 'unknown'}" token instead of a DPoP-bound one. Nothing was stored. Ask its operator to enable DPoP, or set DPoP to off for this server if the MCP server accepts Bearer tokens.`);
  }
  if (decision.scheme === 'Bearer' && got === 'dpop') {
    throw new OAuthError('token_request_failed', 'The authorization server issued a DPoP-bound token although Keyport sent no DPoP proof. Nothing was stored. Contact the server\'s operator.');
  }
}
