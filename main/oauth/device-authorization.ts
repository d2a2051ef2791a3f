/**
 * The device authorization grant (RFC 8628) over oauth4webapi, one function per step: the device authorization
 * request (§3.1–3.2) and one poll of the token endpoint (§3.4–3.5). The orchestration (waiting, `slow_down`, expiry,
 * cancel) is in engine/device-flow.ts. What the server sends is bounded and checked before anyone sees it: the user
 * code is shown to the user and the verification URI is opened or drawn as a QR code, so both must be plain.
 */
import * as oauth from 'oauth4webapi';
import type { TokenEndpointResponse } from 'oauth4webapi';
import { OAuthError } from './errors.ts';
import { requestOptions, toOAuthError, type TokenEndpointContext } from './grants.ts';
import { assertSafeEndpoint } from './url-safety.ts';

/** The RFC 8628 grant type a client must be registered for (§3.4). */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.5: the default and the increment of the polling interval, in seconds. */
export const DEVICE_POLLING = {
  defaultIntervalS: 5,
  slowDownIncrementS: 5,
  /** An interval the server asks for is honoured up to this (a larger one would leave the user waiting). */
  maxIntervalS: 60,
  /** A code lifetime longer than this is cut to it (RFC 8628 §3.2 recommends minutes, not hours). */
  maxLifetimeS: 30 * 60,
  /** Characters of a user code (RFC 8628 §6.1: short, typed by a person). */
  maxUserCodeLength: 64,
  /** Characters of a verification URI. */
  maxUriLength: 2048,
} as const;

/** A checked device authorization response; `deviceCode` is a secret and never leaves the engine. */
export interface DeviceAuthorization {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete?: string;
  /** Seconds the codes live (bounded by {@link DEVICE_POLLING}.maxLifetimeS). */
  readonly expiresIn: number;
  /** Seconds between polls (the server's, bounded, else 5). */
  readonly interval: number;
}

/** What one poll of the token endpoint said. */
export type DevicePoll =
  | { readonly kind: 'tokens'; readonly tokens: TokenEndpointResponse }
  | { readonly kind: 'authorization_pending' }
  | { readonly kind: 'slow_down' };

/** A user code the terminal and the window may show: printable ASCII (RFC 8628 §6.1), no control characters. */
function checkUserCode(code: string): string {
  if (code.length === 0 || code.length > DEVICE_POLLING.maxUserCodeLength || !/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(code)) {
    throw new OAuthError('token_request_failed', 'The authorization server sent a user code Keyport cannot show. Choose browser sign-in in the server settings, or contact the server\'s operator.');
  }
  return code;
}

/** A verification URI the user is sent to: https (or http on this machine), no user name or password, bounded. */
function checkVerificationUri(uri: string, what: string): string {
  if (uri.length > DEVICE_POLLING.maxUriLength) throw new OAuthError('unsafe_url', `The authorization server's ${what} is too long to show. Contact the server's operator.`);
  const url = assertSafeEndpoint(uri, what);
  if (url.username !== '' || url.password !== '') throw new OAuthError('unsafe_url', `The authorization server's ${what} carries a user name or password, which Keyport refuses to show. Contact the server's operator.`);
  return url.href;
}

/**
 * RFC 8628 §3.1–3.2: asks the authorization server for a device code and a user code, with the same `scope` and
 * `resource` (RFC 8707) as the authorization code flow would send (and `audience`, for servers configured to need it).
 */
export async function requestDeviceAuthorization(
  ctx: TokenEndpointContext,
  params: { readonly scope?: string | undefined; readonly resource?: string | undefined; readonly audience?: string | undefined },
): Promise<DeviceAuthorization> {
  const endpoint = ctx.as.device_authorization_endpoint;
  if (!endpoint) {
    throw new OAuthError('unsupported', `The authorization server ${ctx.as.issuer} does not offer device sign-in (RFC 8628). Choose browser sign-in in the server settings.`);
  }
  assertSafeEndpoint(endpoint, 'device authorization endpoint');
  const body = new URLSearchParams();
  if (params.scope) body.set('scope', params.scope);
  if (params.resource) body.set('resource', params.resource);
  if (params.audience) body.set('audience', params.audience);
  // The device authorization request carries no DPoP proof: RFC 9449 binds tokens at the token endpoint only.
  const options = requestOptions(ctx, endpoint);
  delete (options as { DPoP?: unknown }).DPoP;
  let response: oauth.DeviceAuthorizationResponse;
  try {
    response = await oauth.processDeviceAuthorizationResponse(ctx.as, ctx.client, await oauth.deviceAuthorizationRequest(ctx.as, ctx.client, ctx.clientAuth, body, options));
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError && (err.error === 'unauthorized_client' || err.error === 'unsupported_grant_type')) {
      throw new OAuthError('invalid_client', `The authorization server does not let client ${ctx.client.client_id} use device sign-in (${err.error}). Ask its operator to allow the device_code grant for it, or choose browser sign-in in the server settings.`, { oauthError: err.error, status: err.status, cause: err });
    }
    // Some servers answer a client without the grant with another error (oidc-provider: invalid_request).
    if (err instanceof oauth.ResponseBodyError && err.error !== 'server_error' && err.error !== 'temporarily_unavailable') {
      throw new OAuthError('token_request_failed', `The authorization server refused device sign-in for client ${ctx.client.client_id} (${err.error}). If it does not allow the device_code grant for this client, ask its operator to, or choose browser sign-in in the server settings.`, { oauthError: err.error, status: err.status, cause: err });
    }
    throw toOAuthError(err, 'device authorization request');
  }
  const interval = typeof response.interval === 'number' && Number.isFinite(response.interval) && response.interval > 0 ? Math.min(Math.ceil(response.interval), DEVICE_POLLING.maxIntervalS) : DEVICE_POLLING.defaultIntervalS;
  const expiresIn = Math.min(Math.max(1, Math.floor(response.expires_in)), DEVICE_POLLING.maxLifetimeS);
  if (typeof response.device_code !== 'string' || response.device_code.length === 0 || response.device_code.length > 4096) {
    throw new OAuthError('token_request_failed', 'The authorization server sent no usable device code. Choose browser sign-in in the server settings, or contact the server\'s operator.');
  }
  return {
    deviceCode: response.device_code,
    userCode: checkUserCode(response.user_code),
    verificationUri: checkVerificationUri(response.verification_uri, 'verification address'),
    ...(response.verification_uri_complete !== undefined ? { verificationUriComplete: checkVerificationUri(response.verification_uri_complete, 'verification address') } : {}),
    expiresIn,
    interval,
  };
}

/**
 * RFC 8628 §3.4–3.5: one poll of the token endpoint. `authorization_pending` and `slow_down` are answers, not
 * failures; `access_denied` and `expired_token` end the sign-in with codes the caller maps to what the user sees.
 * A DPoP nonce challenge (RFC 9449 §8) is answered once.
 */
export async function pollDeviceCode(ctx: TokenEndpointContext, deviceCode: string): Promise<DevicePoll> {
  const options = requestOptions(ctx, ctx.as.token_endpoint);
  const send = async (): Promise<TokenEndpointResponse> =>
    oauth.processDeviceCodeResponse(ctx.as, ctx.client, await oauth.deviceCodeGrantRequest(ctx.as, ctx.client, ctx.clientAuth, deviceCode, options));
  try {
    try {
      return { kind: 'tokens', tokens: await send() };
    } catch (err) {
      if (ctx.dpop && oauth.isDPoPNonceError(err)) return { kind: 'tokens', tokens: await send() };
      throw err;
    }
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) {
      if (err.error === 'authorization_pending') return { kind: 'authorization_pending' };
      if (err.error === 'slow_down') return { kind: 'slow_down' };
      if (err.error === 'access_denied') {
        throw new OAuthError('access_denied', 'The sign-in was declined on the verification page. Start it again and approve the request if you want to connect.', { oauthError: err.error, status: err.status, cause: err });
      }
      if (err.error === 'expired_token') {
        throw new OAuthError('login_timeout', 'The device code expired before the sign-in was finished. Start it again and enter the new code in time.', { oauthError: err.error, status: err.status, cause: err });
      }
    }
    throw toOAuthError(err, 'device code token request');
  }
}
