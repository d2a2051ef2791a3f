/**
 * The OAuth engine's {@link CredentialStore} in the OS keychain: client registrations under `client:<issuer>` and
 * token sets under `tokens:<[issuer, resource, account]>`, each a versioned record validated on read. Which set a
 * server uses is kept in a non-secret {@link TokenSetIndex} (a file in the data directory), so a start reads one
 * keychain item instead of listing the keychain. A damaged record is set aside and reported (see
 * {@link SecretRecords}) and reads as absent, so the user is asked to sign in again instead of the app crashing.
 */
import { z } from 'zod';
import { tokenSetKeyString } from '../oauth/store.ts';
import type { ClientRegistrationRecord, CredentialStore, TokenSetKey, TokenSetRecord } from '../oauth/store.ts';
import { clientAccount } from './records.ts';
import type { SecretRecords } from './records.ts';
import type { TokenSetIndex } from './token-index.ts';

const registrationKind = z.enum(['preregistered', 'metadata-document', 'dynamic', 'client-credentials']);

/** The shape a stored client registration must have (unknown extra fields are kept for newer engines). */
export const clientRegistrationSchema = z.looseObject({
  issuer: z.string().min(1),
  kind: registrationKind,
  clientId: z.string().min(1),
  clientSecret: z.string().optional(),
  clientSecretExpiresAt: z.number().optional(),
  tokenEndpointAuthMethod: z.enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']),
  redirectUris: z.array(z.string()),
  grantTypes: z.array(z.string()).optional(),
  scope: z.string().optional(),
  registrationAccessToken: z.string().optional(),
  registrationClientUri: z.string().optional(),
  createdAt: z.number(),
});

/** The shape a stored token set must have (unknown extra fields are kept for newer engines). */
export const tokenSetSchema = z.looseObject({
  issuer: z.string().min(1),
  resource: z.string(),
  account: z.string(),
  serverUrl: z.string(),
  clientId: z.string().min(1),
  registration: registrationKind,
  accessToken: z.string().min(1),
  tokenType: z.string(),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  expiresAt: z.number().optional(),
  scopes: z.array(z.string()),
  obtainedAt: z.number(),
  dpopKey: z
    .looseObject({ alg: z.string(), publicJwk: z.record(z.string(), z.unknown()), privateJwk: z.record(z.string(), z.unknown()) })
    .optional(),
  refreshHistory: z.array(
    z.looseObject({
      at: z.number(),
      outcome: z.enum(['ok', 'failed']),
      rotated: z.boolean(),
      errorCode: z.string().optional(),
    }),
  ),
  authorizationServer: z.looseObject({ issuer: z.string() }),
  sentResource: z.boolean(),
});

/** The keychain account of a token set, in the engine's own key encoding. */
export function tokenSetAccount(key: TokenSetKey): string {
  return `tokens:${tokenSetKeyString(key)}`;
}

/** A {@link CredentialStore} whose records live in the OS keychain (through {@link SecretRecords}). */
export class KeychainCredentialStore implements CredentialStore {
  readonly #records: SecretRecords;
  readonly #index: TokenSetIndex;

  constructor(records: SecretRecords, index: TokenSetIndex) {
    this.#records = records;
    this.#index = index;
  }

  async getRegistration(issuer: string): Promise<ClientRegistrationRecord | undefined> {
    const record = await this.#records.read(clientAccount(issuer), 'client', clientRegistrationSchema);
    // A registration is never used with another issuer, even if an item was stored under the wrong account.
    return record?.issuer === issuer ? (record as unknown as ClientRegistrationRecord) : undefined;
  }

  async putRegistration(record: ClientRegistrationRecord): Promise<void> {
    await this.#records.write(clientAccount(record.issuer), 'client', record);
  }

  async deleteRegistration(issuer: string): Promise<void> {
    await this.#records.remove(clientAccount(issuer));
  }

  async getTokenSet(key: TokenSetKey): Promise<TokenSetRecord | undefined> {
    const record = await this.#records.read(tokenSetAccount(key), 'tokens', tokenSetSchema);
    if (record === undefined) return undefined;
    const matches = record.issuer === key.issuer && record.resource === key.resource && record.account === key.account;
    return matches ? (record as unknown as TokenSetRecord) : undefined;
  }

  async putTokenSet(record: TokenSetRecord): Promise<void> {
    await this.#records.write(tokenSetAccount(record), 'tokens', record);
    await this.#index.set(record.serverUrl, record.account, { issuer: record.issuer, resource: record.resource, account: record.account });
  }

  async deleteTokenSet(key: TokenSetKey): Promise<void> {
    await this.#records.remove(tokenSetAccount(key));
    await this.#index.forget(key);
  }

  async findTokenSetKey(serverUrl: string, account: string): Promise<TokenSetKey | undefined> {
    return this.#index.get(serverUrl, account);
  }

  async indexTokenSet(serverUrl: string, account: string, key: TokenSetKey): Promise<void> {
    await this.#index.set(serverUrl, account, key);
  }

  async listTokenSets(): Promise<readonly TokenSetRecord[]> {
    const listed = await this.#records.list('tokens:', 'tokens', tokenSetSchema);
    return listed.map((item) => item.data as unknown as TokenSetRecord);
  }
}
