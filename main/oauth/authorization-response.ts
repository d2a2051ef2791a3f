/**
 * Judging an authorization response before anything in it is used (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207 §2.4):
 * `state` first (fail closed), no parameter twice (RFC 6749 §3.1), `iss`, then exactly one of `code` or `error`. The
 * loopback receiver and a pasted redirected address use the same judge; a refusal names a reason, never the values.
 */
import { timingSafeEqual } from 'node:crypto';
import { OAuthError } from './errors.ts';

/** What the callback must satisfy before the query is trusted. */
export interface CallbackExpectations {
  readonly state: string;
  /** The AS issuer (RFC 9207 §2.4 compares `iss` to it). */
  readonly issuer: string;
  /** `authorization_response_iss_parameter_supported` from the AS metadata. */
  readonly issRequired: boolean;
}

/** Fixed, user-facing wording of each refusal reason (for the trace, the CLI and the window). */
const REFUSAL_TEXT = {
  'malformed-request': 'the request was not a plain HTTP request for a path',
  'request-too-large': 'the request was larger than the receiver accepts',
  'request-timeout': 'the request was not sent completely in time',
  'not-found': 'the request was for another path than the redirect URI',
  'method-not-allowed': 'the request did not use GET',
  'not-ready': 'it arrived before the sign-in page was opened',
  'already-completed': 'this sign-in had already received its response',
  'missing-state': 'it carried no state',
  'wrong-state': 'its state did not match this sign-in',
  'repeated-parameter': 'it repeated a parameter',
  'too-many-parameters': 'it carried too many parameters',
  'wrong-iss': 'it named another authorization server (iss)',
  'missing-iss': 'it did not name the authorization server (iss), which the server promised to do',
  'missing-code': 'it carried neither an authorization code nor an error, or both',
  'not-this-redirect-uri': "it is not this sign-in's redirect address (scheme, host, port and path must match)",
} as const;

/** Why one request or pasted address was refused (never its content). */
export type CallbackRefusalReason = keyof typeof REFUSAL_TEXT;

/** Every refusal reason, for exhaustive tests and views. */
export const callbackRefusalReasons = Object.keys(REFUSAL_TEXT) as readonly CallbackRefusalReason[];

/** The fixed wording of a refusal reason ("its state did not match this sign-in"). */
export function describeCallbackRefusal(reason: CallbackRefusalReason): string {
  return REFUSAL_TEXT[reason];
}

/** At most this many parameters in one authorization response. */
export const MAX_RESPONSE_PARAMETERS = 32;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Judges an authorization response's parameters; undefined when it may decide the sign-in. */
export function judgeCallbackParameters(params: URLSearchParams, expected: CallbackExpectations): CallbackRefusalReason | undefined {
  const names = [...params.keys()];
  if (names.length > MAX_RESPONSE_PARAMETERS) return 'too-many-parameters';
  const states = params.getAll('state');
  if (states.length === 0) return 'missing-state';
  if (!states.every((s) => sameSecret(s, expected.state))) return 'wrong-state';
  if (new Set(names).size !== names.length) return 'repeated-parameter';
  const iss = params.get('iss');
  if (iss !== null && iss !== expected.issuer) return 'wrong-iss';
  if (iss === null && expected.issRequired) return 'missing-iss';
  const hasCode = (params.get('code') ?? '') !== '';
  const hasError = (params.get('error') ?? '') !== '';
  return hasCode === hasError ? 'missing-code' : undefined;
}

/** Checks an authorization response and throws the matching {@link OAuthError} (`state_mismatch`, `iss_mismatch`…). */
export function checkCallbackParameters(params: URLSearchParams, expected: CallbackExpectations): void {
  const reason = judgeCallbackParameters(params, expected);
  if (reason === undefined || reason === 'missing-code') return;
  if (reason === 'missing-state' || reason === 'wrong-state' || (reason === 'repeated-parameter' && params.getAll('state').length > 1)) {
    throw new OAuthError('state_mismatch', 'The sign-in response did not match the request Keyport sent (state). Nothing was exchanged; start the sign-in again.');
  }
  if (reason === 'wrong-iss' || reason === 'missing-iss' || (reason === 'repeated-parameter' && params.getAll('iss').length > 1)) {
    throw new OAuthError('iss_mismatch', 'The sign-in response did not name the authorization server Keyport expected (iss). Nothing was exchanged; start the sign-in again.');
  }
  throw new OAuthError('authorization_failed', `Keyport refused the sign-in response: ${describeCallbackRefusal(reason)}. Nothing was exchanged; start the sign-in again.`);
}
