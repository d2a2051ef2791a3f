/**
 * Lifetimes a token set carries beyond its access token's `expires_in`: when the refresh token stops working
 * (`refresh_token_expires_in`, a non-standard but widespread token-response member), when the client secret expires
 * (RFC 7591 §3.2.1 `client_secret_expires_at`) and when an ID-JAG expires (SEP-990). Keyport remembers them so it can
 * warn before the user has to sign in again, and how far ahead it warns.
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import type { LifetimeView } from '../../preload/contract.ts';
import { normaliseLifetime } from './received-values.ts';
import type { ClientRegistrationRecord, TokenSetRecord } from './store.ts';

/** How long ahead Keyport warns that a lifetime ends. */
export interface ExpiryWarningSpans {
  /** Before the grant ends (the user will have to sign in again). */
  readonly grantMs: number;
  /** Before a client secret expires (someone has to get a new one). */
  readonly clientSecretMs: number;
}

/** The defaults: a day ahead for grants, a week ahead for client secrets. */
export const DEFAULT_EXPIRY_WARNINGS: ExpiryWarningSpans = { grantMs: 24 * 3600_000, clientSecretMs: 7 * 24 * 3600_000 };

/** Where a lifetime stands at `now`. */
export type LifetimeState = 'ok' | 'warning' | 'expired';

/** Whether a lifetime is over, within its warning span, or fine. */
export function lifetimeState(lifetime: LifetimeView, now: number, spans: ExpiryWarningSpans = DEFAULT_EXPIRY_WARNINGS): LifetimeState {
  if (lifetime.expiresAt <= now) return 'expired';
  const span = lifetime.subject === 'client-secret' ? spans.clientSecretMs : spans.grantMs;
  return lifetime.expiresAt - now <= span ? 'warning' : 'ok';
}

/** A positive lifetime in seconds from a token response member (checked as `expires_in` is), else undefined. */
function seconds(value: unknown): number | undefined {
  const n = normaliseLifetime(value);
  return n !== undefined && n > 0 ? n : undefined;
}

/**
 * The lifetime fields of a new token set: the refresh token's (from `refresh_token_expires_in`, only with a refresh
 * token) and the client secret's (from the registration it was obtained with).
 */
export function newSetLifetimes(tokens: TokenEndpointResponse, at: number, reg: Pick<ClientRegistrationRecord, 'clientSecretExpiresAt'>): Partial<TokenSetRecord> {
  const refreshIn = tokens.refresh_token ? seconds(tokens.refresh_token_expires_in) : undefined;
  return {
    ...(refreshIn !== undefined ? { refreshTokenExpiresAt: at + refreshIn * 1000 } : {}),
    ...(reg.clientSecretExpiresAt !== undefined ? { clientSecretExpiresAt: reg.clientSecretExpiresAt } : {}),
  };
}

/**
 * The refresh token's lifetime after a refresh: a new `refresh_token_expires_in` wins; a rotated token without one has
 * an unknown lifetime; a kept token keeps its own.
 */
export function refreshedLifetime(tokens: TokenEndpointResponse, at: number, current: TokenSetRecord): { readonly refreshTokenExpiresAt: number | undefined } {
  const refreshIn = seconds(tokens.refresh_token_expires_in);
  if (refreshIn !== undefined) return { refreshTokenExpiresAt: at + refreshIn * 1000 };
  const rotated = !!tokens.refresh_token && tokens.refresh_token !== current.refreshToken;
  return { refreshTokenExpiresAt: rotated ? undefined : current.refreshTokenExpiresAt };
}

/** Reads a duration such as `90m`, `24h`, `7d` or `3600s` (a bare number is seconds); undefined when malformed. */
export function parseSpan(text: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text ?? '');
  if (!m) return undefined;
  const unit = { '': 1000, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

/**
 * The warning spans in effect: `KEYPORT_WARN_BEFORE_GRANT_EXPIRY` and `KEYPORT_WARN_BEFORE_SECRET_EXPIRY` (e.g.
 * `48h`, `14d`) override the defaults, so the app and the CLI warn alike.
 */
export function warningSpansFrom(env: Readonly<Record<string, string | undefined>>): ExpiryWarningSpans {
  return {
    grantMs: parseSpan(env['KEYPORT_WARN_BEFORE_GRANT_EXPIRY']) ?? DEFAULT_EXPIRY_WARNINGS.grantMs,
    clientSecretMs: parseSpan(env['KEYPORT_WARN_BEFORE_SECRET_EXPIRY']) ?? DEFAULT_EXPIRY_WARNINGS.clientSecretMs,
  };
}
