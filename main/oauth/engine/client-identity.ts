/**
 * Step 5 of a login (DESIGN.md): which client identity Keyport uses at an authorization server, in the spec's order
 * (a pre-registered client → a client ID metadata document → a stored dynamic registration → RFC 7591 registration),
 * and how that client authenticates at the token endpoint. Client credentials belong to one issuer and are never
 * used with another.
 */
import type { AuthorizationServer, Client, DPoPHandle } from 'oauth4webapi';
import { clientAuthFor, type TokenEndpointContext } from '../grants.ts';
import type { FetchFn } from '../http.ts';
import { registerClient } from '../registration.ts';
import type { ClientRegistrationRecord, TokenEndpointAuthMethod, TokenSetRecord } from '../store.ts';
import type { FlowRecorder } from '../trace.ts';
import { assertSafeEndpoint } from '../url-safety.ts';
import { recordSecrets, secretsOf, settingsOf, type EngineContext } from './context.ts';
import type { ServerTarget } from './types.ts';

/** The client chosen for a login; `fresh` when it was registered during this login. */
export interface ClientChoice {
  readonly registration: ClientRegistrationRecord;
  readonly fresh: boolean;
}

/** Chooses (or registers) the client for a login at `as`, with `redirectUri` as its loopback redirect URI. */
export async function chooseClient(
  ctx: EngineContext,
  recorder: FlowRecorder,
  target: ServerTarget,
  as: AuthorizationServer,
  fetchFn: FetchFn,
  redirectUri: string,
  scope: string | undefined,
  forceNew: boolean,
  signal?: AbortSignal,
): Promise<ClientChoice> {
  const s = settingsOf(target);
  if (s.clientId && (s.mode === undefined || s.mode === 'preregistered' || s.mode === 'automatic')) {
    const method = configuredAuthMethod(target, as);
    recorder.note('client-identity', `pre-registered client ${s.clientId} (${method})`);
    return { registration: { issuer: as.issuer, kind: 'preregistered', clientId: s.clientId, tokenEndpointAuthMethod: method, redirectUris: [redirectUri], createdAt: ctx.now() }, fresh: false };
  }
  if (s.clientMetadataDocumentUrl && as.client_id_metadata_document_supported === true) {
    recorder.note('client-identity', `client ID metadata document ${s.clientMetadataDocumentUrl}`);
    return { registration: { issuer: as.issuer, kind: 'metadata-document', clientId: s.clientMetadataDocumentUrl, tokenEndpointAuthMethod: 'none', redirectUris: [redirectUri], createdAt: ctx.now() }, fresh: false };
  }
  if (!forceNew) {
    const stored = await ctx.store.getRegistration(as.issuer);
    if (stored && stored.issuer === as.issuer && !(stored.clientSecretExpiresAt && stored.clientSecretExpiresAt <= ctx.now())) {
      recordSecrets(recorder, [stored.clientSecret, stored.registrationAccessToken]);
      recorder.skip('dynamic-registration', `reusing client ${stored.clientId} registered at ${as.issuer}`);
      return { registration: stored, fresh: false };
    }
  }
  ctx.emitState(target.serverUrl, { state: 'registering', issuer: as.issuer });
  const registration = await recorder.step(
    'dynamic-registration',
    async () => {
      const reg = await registerClient(fetchFn, as, redirectUri, scope, ctx.now(), signal);
      recordSecrets(recorder, [reg.clientSecret, reg.registrationAccessToken]);
      return reg;
    },
    (r) => `registered client ${r.clientId} (${r.tokenEndpointAuthMethod})`,
  );
  await ctx.store.putRegistration(registration);
  return { registration, fresh: true };
}

/**
 * The token endpoint auth method of a client Keyport did not register: the configured one, else derived from the
 * configured secrets (a key → `private_key_jwt`, a secret → what the AS supports, nothing → `none`).
 */
export function configuredAuthMethod(target: ServerTarget, as: AuthorizationServer): TokenEndpointAuthMethod {
  const s = settingsOf(target);
  return s.tokenEndpointAuthMethod ?? (s.privateKeyPem ? 'private_key_jwt' : s.clientSecret ? pickSecretMethod(as) : 'none');
}

/** The oauth4webapi client of a registration. */
export function clientOf(reg: ClientRegistrationRecord): Client {
  return { client_id: reg.clientId, token_endpoint_auth_method: reg.tokenEndpointAuthMethod };
}

/** Everything a token-endpoint request needs; refuses an unsafe token endpoint. */
export async function tokenContext(
  as: AuthorizationServer,
  reg: ClientRegistrationRecord,
  target: ServerTarget,
  fetchFn: FetchFn,
  dpop: DPoPHandle | undefined,
  signal?: AbortSignal,
): Promise<TokenEndpointContext> {
  if (as.token_endpoint) assertSafeEndpoint(as.token_endpoint, 'token endpoint');
  return {
    as,
    client: clientOf(reg),
    clientAuth: await clientAuthFor(reg, secretsOf(target)),
    fetch: fetchFn,
    ...(dpop ? { dpop } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** The registration a held token set was obtained with (the stored dynamic one, else rebuilt from the settings). */
export async function registrationFor(ctx: EngineContext, record: TokenSetRecord, target: ServerTarget): Promise<ClientRegistrationRecord> {
  if (record.registration === 'dynamic') {
    const stored = await ctx.store.getRegistration(record.issuer);
    if (stored && stored.clientId === record.clientId) return stored;
  }
  const method = configuredAuthMethod(target, record.authorizationServer);
  return { issuer: record.issuer, kind: record.registration, clientId: record.clientId, tokenEndpointAuthMethod: method, redirectUris: [], createdAt: record.obtainedAt };
}

/** `client_secret_basic` unless the AS lists only `client_secret_post` (RFC 8414 `token_endpoint_auth_methods_supported`). */
export function pickSecretMethod(as: AuthorizationServer): TokenEndpointAuthMethod {
  const supported = as.token_endpoint_auth_methods_supported;
  if (Array.isArray(supported) && !supported.includes('client_secret_basic') && supported.includes('client_secret_post')) return 'client_secret_post';
  return 'client_secret_basic';
}
