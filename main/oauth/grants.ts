/**
 * Token endpoint steps over oauth4webapi, one function per grant: authorization code (RFC 6749 §4.1.3 + PKCE RFC 7636
 * + RFC 8707 resource), refresh (RFC 6749 §6), client credentials (§4.4), JWT bearer (RFC 7523 §2.1), token exchange
 * for an ID-JAG (RFC 8693, SEP-990), revocation (RFC 7009) and introspection (RFC 7662). Every token request carries
 * a DPoP proof when a handle is given and retries once on `use_dpop_nonce` (RFC 9449 §8).
 */
import * as oauth from 'oauth4webapi';
import { localFailureOf } from '../errors.ts';
import type { AuthorizationServer, Client, ClientAuth, DPoPHandle, TokenEndpointResponse } from 'oauth4webapi';
import { importClientKey } from './client-key.ts';
import { OAuthError } from './errors.ts';
import type { FetchFn } from './http.ts';
import { processTokenResponse } from './token-response.ts';
import { checkTokenResponse } from './received-values.ts';
import type { ClientRegistrationRecord } from './store.ts';
import { insecureOptionFor } from './url-safety.ts';

/** Everything a token endpoint call needs. */
export interface TokenEndpointContext {
  readonly as: AuthorizationServer;
  readonly client: Client;
  readonly clientAuth: ClientAuth;
  readonly fetch: FetchFn;
  readonly dpop?: DPoPHandle;
  readonly signal?: AbortSignal;
}

/** The caller-supplied secret values for a client (never stored in traces). */
export interface ClientSecrets {
  readonly clientSecret?: string;
  /** The private key for `private_key_jwt`: a PEM (PKCS #8, PKCS #1, SEC 1) or a private JWK (see client-key.ts). */
  readonly privateKeyPem?: string;
  readonly privateKeyAlg?: string;
  readonly privateKeyKid?: string;
}

/** oauth4webapi's per-request options: custom fetch, http only towards loopback, DPoP, signal. */
export function requestOptions(ctx: TokenEndpointContext, endpoint: string | undefined): Record<string | symbol, unknown> {
  return {
    [oauth.customFetch]: ctx.fetch,
    [oauth.allowInsecureRequests]: insecureOptionFor(endpoint),
    ...(ctx.dpop ? { DPoP: ctx.dpop } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}

/** The oauth4webapi client authentication for a registration (RFC 6749 §2.3, RFC 7523 §2.2). */
export async function clientAuthFor(
  reg: Pick<ClientRegistrationRecord, 'tokenEndpointAuthMethod' | 'clientSecret'>,
  secrets: ClientSecrets = {},
): Promise<ClientAuth> {
  const secret = secrets.clientSecret ?? reg.clientSecret;
  switch (reg.tokenEndpointAuthMethod) {
    case 'client_secret_basic':
      if (!secret) throw new OAuthError('invalid_client', 'This server needs a client secret and none is configured. Add the client secret in the server settings.');
      return clientSecretBasic(secret);
    case 'client_secret_post':
      if (!secret) throw new OAuthError('invalid_client', 'This server needs a client secret and none is configured. Add the client secret in the server settings.');
      return oauth.ClientSecretPost(secret);
    case 'private_key_jwt': {
      if (!secrets.privateKeyPem) throw new OAuthError('invalid_client', 'This server needs a private key (private_key_jwt) and none is configured. Add it in the server settings.');
      const { key, kid } = await importClientKey(secrets.privateKeyPem, secrets.privateKeyAlg);
      const keyId = secrets.privateKeyKid ?? kid;
      return oauth.PrivateKeyJwt(keyId !== undefined ? { key, kid: keyId } : key);
    }
    case 'none':
      return oauth.None();
  }
}

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): id and secret encoded with the application/x-www-form-urlencoded
 * serializer (Appendix B) before Base64. oauth4webapi's own helper also escapes `-`, `.`, `_`, `*`, which the
 * serializer leaves alone and which servers that do not decode the header (the MCP conformance mock) then reject.
 */
export function clientSecretBasic(secret: string): ClientAuth {
  const enc = (v: string): string => new URLSearchParams({ v }).toString().slice(2);
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${btoa(`${enc(client.client_id)}:${enc(secret)}`)}`);
  };
}

/** Runs a token request, retrying once with the server's nonce on `use_dpop_nonce` (RFC 9449 §8). */
async function withNonceRetry(ctx: TokenEndpointContext, send: () => Promise<Response>, process: (r: Response) => Promise<TokenEndpointResponse>): Promise<TokenEndpointResponse> {
  try {
    return await process(await send());
  } catch (err) {
    if (ctx.dpop && oauth.isDPoPNonceError(err)) return await process(await send());
    throw err;
  }
}

/**
 * One token request (RFC 6749 §3.2) to `ctx`'s token endpoint: `send` gets the request options, the DPoP nonce retry
 * of {@link withNonceRetry} applies, and any failure becomes an {@link OAuthError} naming `what` (e.g. "code exchange").
 */
async function tokenEndpointRequest(
  ctx: TokenEndpointContext,
  what: string,
  send: (options: Record<string | symbol, unknown>) => Promise<Response>,
  process: (r: Response) => Promise<TokenEndpointResponse>,
): Promise<TokenEndpointResponse> {
  const options = requestOptions(ctx, ctx.as.token_endpoint);
  // Providers' tolerable deviations (form-encoded bodies, errors with HTTP 200, no token_type) are read as RFC 6749 §5
  // answers first (token-response.ts); everything oauth4webapi checks stays checked.
  const strict = process;
  process = (r) => processTokenResponse(r, strict);
  try {
    // Every token response is checked when it arrives (received-values.ts): nothing malformed reaches a store.
    return await withNonceRetry(ctx, () => send(options), async (r) => checkTokenResponse(await process(r)));
  } catch (err) {
    throw toOAuthError(err, what);
  }
}

/** Adds the optional `scope` (RFC 6749 §3.3) and `resource` (RFC 8707 §2.1) parameters of a grant request. */
function withScopeAndResource(params: URLSearchParams, scope: string | undefined, resource: string | undefined): URLSearchParams {
  if (scope) params.set('scope', scope);
  if (resource) params.set('resource', resource);
  return params;
}

/** Maps oauth4webapi and token endpoint errors to {@link OAuthError}s with stable codes. */
export function toOAuthError(err: unknown, what: string): OAuthError {
  if (err instanceof OAuthError) return err;
  const local = localFailureOf(err);
  if (local) return new OAuthError('local_failure', local.message, { cause: local });
  if (err instanceof oauth.ResponseBodyError) {
    const code = err.error === 'invalid_grant' ? 'invalid_grant' : err.error === 'invalid_client' || err.error === 'unauthorized_client' ? 'invalid_client' : 'token_request_failed';
    const next =
      code === 'invalid_grant'
        ? 'Your sign-in is no longer valid; sign in again.'
        : code === 'invalid_client'
          ? 'The authorization server does not accept Keyport\'s client credentials; check the client id and secret, or sign in again to register anew.'
          : 'Try again; if it keeps failing, contact the server\'s operator.';
    return new OAuthError(code, `The authorization server refused the ${what} (${err.error}). ${next}`, { oauthError: err.error, status: err.status, cause: err });
  }
  if (err instanceof oauth.AuthorizationResponseError) {
    const code = err.error === 'access_denied' ? 'access_denied' : 'authorization_failed';
    return new OAuthError(code, code === 'access_denied' ? 'Access was denied at the authorization server. Sign in again and approve the request if you want to connect.' : `The authorization server returned an error (${err.error}). Try signing in again.`, { oauthError: err.error, cause: err });
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    return new OAuthError('invalid_client', `The authorization server rejected the client authentication for the ${what}. Check the client credentials.`, { status: err.status, cause: err });
  }
  if (err instanceof oauth.OperationProcessingError) {
    if (err.code === oauth.HTTP_REQUEST_FORBIDDEN || err.code === oauth.REQUEST_PROTOCOL_FORBIDDEN) {
      return new OAuthError('unsafe_url', `The ${what} endpoint does not use https. Keyport only talks to https endpoints, or http on this machine.`, { cause: err });
    }
    return new OAuthError('token_request_failed', `The authorization server's answer to the ${what} was not valid (${err.message}). Try again or contact the server's operator.`, { cause: err });
  }
  if (err instanceof oauth.UnsupportedOperationError) {
    return new OAuthError('unsupported', `The authorization server answered the ${what} with something Keyport does not support (${err.message}).`, { cause: err });
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return new OAuthError('cancelled', 'The operation was cancelled.', { cause: err });
  }
  if (err instanceof TypeError) {
    return new OAuthError('network', `The ${what} could not be sent (${err.message}). Check your connection and try again.`, { cause: err });
  }
  return new OAuthError('token_request_failed', `The ${what} failed. Try again.`, { cause: err });
}

/** RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5) and `resource` (RFC 8707 §2.2). */
export async function exchangeAuthorizationCode(
  ctx: TokenEndpointContext,
  callbackParameters: URLSearchParams,
  redirectUri: string,
  codeVerifier: string,
  resource: string | undefined,
): Promise<TokenEndpointResponse> {
  const additionalParameters = resource ? { resource } : undefined;
  return tokenEndpointRequest(
    ctx,
    'code exchange',
    (options) => oauth.authorizationCodeGrantRequest(ctx.as, ctx.client, ctx.clientAuth, callbackParameters, redirectUri, codeVerifier, { ...options, ...(additionalParameters ? { additionalParameters } : {}) }),
    (r) => oauth.processAuthorizationCodeResponse(ctx.as, ctx.client, r),
  );
}

/** RFC 6749 §6: refresh, with `resource` when the original request sent it (and the `audience` a login sent, in `extra`). */
export async function refreshTokenGrant(ctx: TokenEndpointContext, refreshToken: string, resource: string | undefined, extra: Readonly<Record<string, string>> = {}): Promise<TokenEndpointResponse> {
  const additionalParameters = { ...extra, ...(resource ? { resource } : {}) };
  return tokenEndpointRequest(
    ctx,
    'token refresh',
    (options) => oauth.refreshTokenGrantRequest(ctx.as, ctx.client, ctx.clientAuth, refreshToken, { ...options, ...(Object.keys(additionalParameters).length > 0 ? { additionalParameters } : {}) }),
    (r) => oauth.processRefreshTokenResponse(ctx.as, ctx.client, r),
  );
}

/** RFC 6749 §4.4: client credentials (basic, post or `private_key_jwt` with `aud` = the issuer). */
export async function clientCredentialsGrant(ctx: TokenEndpointContext, scope: string | undefined, resource: string | undefined): Promise<TokenEndpointResponse> {
  const params = withScopeAndResource(new URLSearchParams(), scope, resource);
  return tokenEndpointRequest(
    ctx,
    'client credentials request',
    (options) => oauth.clientCredentialsGrantRequest(ctx.as, ctx.client, ctx.clientAuth, params, options),
    (r) => oauth.processClientCredentialsResponse(ctx.as, ctx.client, r),
  );
}

/** The RFC 7523 JWT bearer grant type. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** RFC 7523 §2.1: exchanges an assertion (workload identity JWT, or an ID-JAG) for an access token. */
export async function jwtBearerGrant(ctx: TokenEndpointContext, assertion: string, scope: string | undefined, resource: string | undefined): Promise<TokenEndpointResponse> {
  const params = withScopeAndResource(new URLSearchParams({ assertion }), scope, resource);
  return tokenEndpointRequest(
    ctx,
    'JWT bearer grant',
    (options) => oauth.genericTokenEndpointRequest(ctx.as, ctx.client, ctx.clientAuth, JWT_BEARER_GRANT, params, options),
    (r) => oauth.processGenericTokenEndpointResponse(ctx.as, ctx.client, r),
  );
}

/** The RFC 8693 token type of an Identity Assertion JWT Authorization Grant (SEP-990). */
export const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';

/**
 * RFC 8693 §2.1 at the enterprise IdP (SEP-990 "cross-app access"): exchanges the user's ID token for an ID-JAG whose
 * audience is the MCP server's authorization server and whose resource is the MCP server.
 */
export async function requestIdJag(
  ctx: TokenEndpointContext,
  params: { readonly idToken: string; readonly audience: string; readonly resource: string; readonly scope?: string },
): Promise<string> {
  const body = new URLSearchParams({
    requested_token_type: ID_JAG_TOKEN_TYPE,
    audience: params.audience,
    resource: params.resource,
    subject_token: params.idToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
  });
  if (params.scope) body.set('scope', params.scope);
  const options = requestOptions(ctx, ctx.as.token_endpoint);
  try {
    const result = await oauth.processGenericTokenEndpointResponse(
      ctx.as,
      ctx.client,
      await oauth.genericTokenEndpointRequest(ctx.as, ctx.client, ctx.clientAuth, 'urn:ietf:params:oauth:grant-type:token-exchange', body, options),
      { recognizedTokenTypes: { n_a: () => undefined } },
    );
    if (result.issued_token_type !== undefined && result.issued_token_type !== ID_JAG_TOKEN_TYPE) {
      throw new OAuthError('token_request_failed', 'The identity provider did not issue an identity assertion grant. Check the enterprise sign-in configuration.');
    }
    return result.access_token;
  } catch (err) {
    throw toOAuthError(err, 'token exchange at the identity provider');
  }
}

/** RFC 7009 §2.1: revokes one token; a 200 (even for an unknown token) is success. */
export async function revokeToken(ctx: TokenEndpointContext, token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
  const options = { ...requestOptions(ctx, ctx.as.revocation_endpoint), additionalParameters: { token_type_hint: hint } };
  delete (options as { DPoP?: unknown }).DPoP;
  try {
    await oauth.processRevocationResponse(await oauth.revocationRequest(ctx.as, ctx.client, ctx.clientAuth, token, options));
  } catch (err) {
    throw toOAuthError(err, 'revocation');
  }
}

/** RFC 7662 §2: asks the AS whether a token is active. */
export async function introspectToken(ctx: TokenEndpointContext, token: string, hint: 'access_token' | 'refresh_token'): Promise<oauth.IntrospectionResponse> {
  const options = { ...requestOptions(ctx, ctx.as.introspection_endpoint), additionalParameters: { token_type_hint: hint } };
  delete (options as { DPoP?: unknown }).DPoP;
  try {
    return await oauth.processIntrospectionResponse(ctx.as, ctx.client, await oauth.introspectionRequest(ctx.as, ctx.client, ctx.clientAuth, token, options));
  } catch (err) {
    throw toOAuthError(err, 'introspection');
  }
}
