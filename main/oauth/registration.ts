/**
 * Client identity: dynamic client registration (RFC 7591) and its management protocol (RFC 7592), plus the choice of
 * token endpoint authentication method from what the authorization server supports.
 */
import * as oauth from 'oauth4webapi';
import type { AuthorizationServer } from 'oauth4webapi';
import { DEVICE_CODE_GRANT } from './device-authorization.ts';
import { OAuthError } from './errors.ts';
import type { FetchFn } from './http.ts';
import { checkClientId, checkRegisteredRedirectUris, checkToken } from './received-values.ts';
import type { ClientRegistrationRecord, TokenEndpointAuthMethod } from './store.ts';
import { assertSafeEndpoint, insecureOptionFor } from './url-safety.ts';

/** The software identity Keyport registers with (RFC 7591 §2 `software_id`, `software_version`). */
export const SOFTWARE = { id: 'dev.keyport.desktop', version: '0.1.0', name: 'Keyport' } as const;

/**
 * The token endpoint auth method to register: `none` (a native public client, RFC 8252 §8.4) when the AS accepts it,
 * else `client_secret_basic`, else `client_secret_post`. When the AS lists nothing, RFC 8414's default
 * (`client_secret_basic`) applies.
 */
export function chooseRegistrationAuthMethod(as: AuthorizationServer): TokenEndpointAuthMethod {
  const supported = as.token_endpoint_auth_methods_supported;
  if (!Array.isArray(supported) || supported.length === 0) return 'client_secret_basic';
  for (const m of ['none', 'client_secret_basic', 'client_secret_post'] as const) if (supported.includes(m)) return m;
  return 'client_secret_basic';
}

/**
 * The client metadata Keyport registers (RFC 7591 §2). `extraGrantTypes`: the device code grant (RFC 8628) when the
 * authorization server offers it, so the same client can sign in where no browser can reach the loopback.
 */
export function clientMetadata(redirectUri: string, authMethod: TokenEndpointAuthMethod, extraGrantTypes: readonly string[] = []): Record<string, unknown> {
  return {
    client_name: SOFTWARE.name,
    application_type: 'native',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token', ...extraGrantTypes],
    response_types: ['code'],
    token_endpoint_auth_method: authMethod,
    software_id: SOFTWARE.id,
    software_version: SOFTWARE.version,
    // No `scope`: resource scopes (RFC 8707) are often not registrable client scopes, and some servers (oidc-provider)
    // refuse the registration for them. The scope goes in the authorization request.
  };
}

/** RFC 7591 §3.1–3.2: registers Keyport at the AS and returns the record to store (keyed by the AS issuer). */
export async function registerClient(
  fetchFn: FetchFn,
  as: AuthorizationServer,
  redirectUri: string,
  scope: string | undefined,
  now: number,
  signal?: AbortSignal,
): Promise<ClientRegistrationRecord> {
  if (!as.registration_endpoint) {
    throw new OAuthError('client_id_required', `The authorization server ${as.issuer} does not allow automatic registration. Ask its operator for a client id and enter it in the server settings.`);
  }
  assertSafeEndpoint(as.registration_endpoint, 'registration endpoint');
  const method = chooseRegistrationAuthMethod(as);
  const register = async (extraGrants: readonly string[]): Promise<Record<string, unknown>> => {
    const response = await oauth.dynamicClientRegistrationRequest(as, clientMetadata(redirectUri, method, extraGrants) as Partial<oauth.Client>, {
      [oauth.customFetch]: fetchFn,
      [oauth.allowInsecureRequests]: insecureOptionFor(as.registration_endpoint),
      ...(signal ? { signal } : {}),
    });
    return (await oauth.processDynamicClientRegistrationResponse(await tolerateMissingSecretExpiry(response))) as Record<string, unknown>;
  };
  // The device code grant is asked for where the AS offers device sign-in; an AS that then refuses to register it
  // (invalid_client_metadata) still gets a client for browser sign-in, registered without it.
  const deviceGrant = as.device_authorization_endpoint && (!Array.isArray(as.grant_types_supported) || as.grant_types_supported.includes(DEVICE_CODE_GRANT)) ? [DEVICE_CODE_GRANT] : [];
  try {
    let client: Record<string, unknown>;
    try {
      client = await register(deviceGrant);
    } catch (err) {
      if (deviceGrant.length === 0 || !(err instanceof oauth.ResponseBodyError) || err.status >= 500) throw err;
      client = await register([]);
    }
    // Judged before anything is stored or the browser opens (RFC 7591 §3.2.1, RFC 6749 Appendix A.1).
    checkClientId(client.client_id);
    checkRegisteredRedirectUris(client.redirect_uris, [redirectUri]);
    checkToken(client.client_secret, 'client secret');
    checkToken(client.registration_access_token, 'registration access token');
    return registrationRecord(as.issuer, client, method, redirectUri, now);
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    const detail = err instanceof oauth.ResponseBodyError ? ` (${err.error})` : '';
    throw new OAuthError('registration_failed', `Keyport could not register with ${as.issuer}${detail}. Ask its operator for a client id and enter it in the server settings.`, { cause: err });
  }
}

/**
 * RFC 7591 §3.2.1 makes `client_secret_expires_at` required with a secret, but some servers (the MCP conformance
 * mock among them) omit it; treat a missing value as 0 ("does not expire") instead of refusing the registration.
 */
async function tolerateMissingSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201 && response.status !== 200) return response;
  // The body is read once here and handed on in a new Response (same status and headers), not teed with clone().
  const text = await response.text();
  const unchanged = (): Response => new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return unchanged();
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return unchanged();
  const body = json as Record<string, unknown>;
  if (typeof body.client_secret !== 'string' || body.client_secret_expires_at !== undefined) return unchanged();
  return new Response(JSON.stringify({ ...body, client_secret_expires_at: 0 }), { status: 201, headers: { 'content-type': 'application/json' } });
}

function registrationRecord(issuer: string, client: Record<string, unknown>, requested: TokenEndpointAuthMethod, redirectUri: string, now: number): ClientRegistrationRecord {
  const str = (k: string): string | undefined => (typeof client[k] === 'string' && client[k] ? (client[k] as string) : undefined);
  const clientSecret = str('client_secret');
  const returnedMethod = str('token_endpoint_auth_method') as TokenEndpointAuthMethod | undefined;
  const method: TokenEndpointAuthMethod = returnedMethod ?? (clientSecret ? (requested === 'none' ? 'client_secret_basic' : requested) : 'none');
  const record: ClientRegistrationRecord = {
    issuer,
    kind: 'dynamic',
    clientId: client.client_id as string,
    tokenEndpointAuthMethod: method,
    redirectUris: Array.isArray(client.redirect_uris) ? (client.redirect_uris as string[]) : [redirectUri],
    createdAt: now,
    ...(clientSecret ? { clientSecret } : {}),
    ...(typeof client.client_secret_expires_at === 'number' && client.client_secret_expires_at > 0 ? { clientSecretExpiresAt: client.client_secret_expires_at * 1000 } : {}),
    ...(Array.isArray(client.grant_types) ? { grantTypes: client.grant_types as string[] } : {}),
    ...(str('scope') ? { scope: str('scope')! } : {}),
    ...(str('registration_access_token') ? { registrationAccessToken: str('registration_access_token')! } : {}),
    ...(str('registration_client_uri') ? { registrationClientUri: str('registration_client_uri')! } : {}),
  };
  return record;
}

function managementTarget(reg: ClientRegistrationRecord): { url: string; token: string } {
  if (!reg.registrationClientUri || !reg.registrationAccessToken) {
    throw new OAuthError('unsupported', 'The authorization server did not issue registration management credentials, so this registration cannot be read or changed. You can forget it and register again.');
  }
  assertSafeEndpoint(reg.registrationClientUri, 'registration management endpoint');
  return { url: reg.registrationClientUri, token: reg.registrationAccessToken };
}

async function manage(fetchFn: FetchFn, reg: ClientRegistrationRecord, method: 'GET' | 'PUT' | 'DELETE', body?: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  const { url, token } = managementTarget(reg);
  const response = await fetchFn(url, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    redirect: 'manual',
    ...(body ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  if (response.status === 401 || response.status === 403) {
    throw new OAuthError('invalid_client', 'The authorization server no longer accepts this registration. Forget it and sign in again to register anew.', { status: response.status });
  }
  return response;
}

/** RFC 7592 §2.1: reads the current client configuration. */
export async function readRegistration(fetchFn: FetchFn, reg: ClientRegistrationRecord, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const response = await manage(fetchFn, reg, 'GET', undefined, signal);
  if (response.status !== 200) throw new OAuthError('registration_failed', `Reading the registration failed (HTTP ${response.status}). Try again later.`, { status: response.status });
  const json = (await response.json()) as Record<string, unknown>;
  delete json.client_secret;
  delete json.registration_access_token;
  return json;
}

/** RFC 7592 §2.2: replaces the client configuration; returns the updated record to store. */
export async function updateRegistration(fetchFn: FetchFn, reg: ClientRegistrationRecord, metadata: Record<string, unknown>, now: number, signal?: AbortSignal): Promise<ClientRegistrationRecord> {
  const body = { ...metadata, client_id: reg.clientId, ...(reg.clientSecret ? { client_secret: reg.clientSecret } : {}) };
  const response = await manage(fetchFn, reg, 'PUT', body, signal);
  if (response.status !== 200) throw new OAuthError('registration_failed', `Updating the registration failed (HTTP ${response.status}). Check the values and try again.`, { status: response.status });
  const json = (await response.json()) as Record<string, unknown>;
  const next = registrationRecord(reg.issuer, json, reg.tokenEndpointAuthMethod, reg.redirectUris[0] ?? '', now);
  return {
    ...next,
    ...(next.registrationAccessToken ? {} : reg.registrationAccessToken ? { registrationAccessToken: reg.registrationAccessToken } : {}),
    ...(next.registrationClientUri ? {} : reg.registrationClientUri ? { registrationClientUri: reg.registrationClientUri } : {}),
    ...(next.clientSecret ? {} : reg.clientSecret ? { clientSecret: reg.clientSecret } : {}),
  };
}

/** RFC 7592 §2.3: deletes the registration at the AS. */
export async function deleteRegistration(fetchFn: FetchFn, reg: ClientRegistrationRecord, signal?: AbortSignal): Promise<void> {
  const response = await manage(fetchFn, reg, 'DELETE', undefined, signal);
  if (response.status !== 204 && response.status !== 200) throw new OAuthError('registration_failed', `Deleting the registration failed (HTTP ${response.status}). Try again later.`, { status: response.status });
}
