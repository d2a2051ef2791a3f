/**
 * Where the engine keeps what it must remember: client registrations (per authorization-server issuer) and token
 * sets (per issuer, resource and account). Records are plain JSON so a keychain-backed store can serialise them and
 * another process (the CLI) can use them, DPoP key included.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { RefreshRecord } from '../../preload/contract.ts';

/** How the client identity was obtained (mirrors `TokenSetView['registration']`). */
export type RegistrationKind = 'preregistered' | 'metadata-document' | 'dynamic' | 'client-credentials';

/** Token endpoint client authentication methods the engine supports. */
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** A client identity at one authorization server. Never used with another issuer. */
export interface ClientRegistrationRecord {
  readonly issuer: string;
  readonly kind: RegistrationKind;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly clientSecretExpiresAt?: number;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly redirectUris: readonly string[];
  readonly grantTypes?: readonly string[];
  readonly scope?: string;
  /** RFC 7592 management credentials, when the AS issued them. */
  readonly registrationAccessToken?: string;
  readonly registrationClientUri?: string;
  readonly createdAt: number;
}

/** A DPoP key pair as JWKs (RFC 9449 §4.1), kept with the token family it is bound to. */
export interface DPoPKeyRecord {
  readonly alg: string;
  readonly publicJwk: JsonWebKey;
  readonly privateJwk: JsonWebKey;
}

/** The tokens held for one (issuer, resource, account), with everything needed to refresh and revoke them. */
export interface TokenSetRecord {
  readonly issuer: string;
  readonly resource: string;
  readonly account: string;
  /** The MCP server URL the tokens were obtained for (used to find them again). */
  readonly serverUrl: string;
  readonly clientId: string;
  readonly registration: RegistrationKind;
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Epoch milliseconds. */
  readonly expiresAt?: number;
  readonly scopes: readonly string[];
  /** When the family was first issued (the login). */
  readonly obtainedAt: number;
  /** When the current access token was issued (login or last refresh): with `expiresAt`, its lifetime. */
  readonly accessTokenObtainedAt?: number;
  readonly dpopKey?: DPoPKeyRecord;
  readonly refreshHistory: readonly RefreshRecord[];
  /** A snapshot of the AS metadata so refresh and revocation need no discovery. */
  readonly authorizationServer: AuthorizationServer;
  /** Whether `resource` was sent (RFC 8707) so refreshes do the same. */
  readonly sentResource: boolean;
  /** The `resource` value sent when the server's settings gave one other than the discovered resource. */
  readonly sentResourceValue?: string;
  /** The `audience` parameter the authorization request carried (a per-server setting), so refreshes send it too. */
  readonly sentAudience?: string;
  /** How the tokens are presented and why (RFC 9449 decided per resource); absent on sets stored before Keyport kept it. */
  readonly binding?: TokenBinding;
  /** When the refresh token stops working, from the token response's `refresh_token_expires_in` (epoch ms). */
  readonly refreshTokenExpiresAt?: number;
  /** When the client secret these tokens depend on expires (RFC 7591 `client_secret_expires_at`, epoch ms). */
  readonly clientSecretExpiresAt?: number;
  /** When the ID-JAG (SEP-990) the tokens were obtained with expires (its `exp`, epoch ms). */
  readonly idJagExpiresAt?: number;
}

/** Bearer or DPoP, with the reason the inspector shows (e.g. "Bearer — the resource does not ask for DPoP"). */
export interface TokenBinding {
  readonly scheme: 'Bearer' | 'DPoP';
  readonly reason: string;
}

/** The key of a token set. */
export interface TokenSetKey {
  readonly issuer: string;
  readonly resource: string;
  readonly account: string;
}

/** The persistence seam: in memory here, the OS keychain in the app. All methods may be async. */
export interface CredentialStore {
  /** The client registered at this AS issuer (exact issuer string), if any. */
  getRegistration(issuer: string): Promise<ClientRegistrationRecord | undefined>;
  /** Stores or replaces the registration for `record.issuer`. */
  putRegistration(record: ClientRegistrationRecord): Promise<void>;
  deleteRegistration(issuer: string): Promise<void>;
  /** The token set for (issuer, resource, account); must reflect writes by other processes (no stale cache). */
  getTokenSet(key: TokenSetKey): Promise<TokenSetRecord | undefined>;
  /** Stores or replaces the set for (record.issuer, record.resource, record.account). */
  putTokenSet(record: TokenSetRecord): Promise<void>;
  deleteTokenSet(key: TokenSetKey): Promise<void>;
  /** Every held set (the engine finds a server's set by `serverUrl` and `account`). */
  listTokenSets(): Promise<readonly TokenSetRecord[]>;
  /**
   * Optional fast path: the key of the token set last stored for a server URL and account, without listing every
   * set. May be stale (the engine checks the set it leads to and falls back to listing).
   */
  findTokenSetKey?(serverUrl: string, account: string): Promise<TokenSetKey | undefined>;
  /**
   * Optional, with {@link findTokenSetKey}: points the index at `key` after the engine found a server's set by listing
   * (the index was missing or stale), so the next start takes the fast path again.
   */
  indexTokenSet?(serverUrl: string, account: string, key: TokenSetKey): Promise<void>;
}

/** The cross-process (or in-process) mutual exclusion used around a refresh, so a rotating token is used once. */
export interface RefreshLock {
  withLock<T>(familyKey: string, fn: () => Promise<T>): Promise<T>;
}

/** The stable string form of a token set key (also the token family key for locking). */
export function tokenSetKeyString(key: TokenSetKey): string {
  return JSON.stringify([key.issuer, key.resource, key.account]);
}

/** An in-memory {@link CredentialStore}: for tests and as the reference implementation of the seam. */
export class InMemoryCredentialStore implements CredentialStore {
  #registrations = new Map<string, ClientRegistrationRecord>();
  #tokens = new Map<string, TokenSetRecord>();

  async getRegistration(issuer: string): Promise<ClientRegistrationRecord | undefined> {
    return clone(this.#registrations.get(issuer));
  }
  async putRegistration(record: ClientRegistrationRecord): Promise<void> {
    this.#registrations.set(record.issuer, clone(record) as ClientRegistrationRecord);
  }
  async deleteRegistration(issuer: string): Promise<void> {
    this.#registrations.delete(issuer);
  }
  async getTokenSet(key: TokenSetKey): Promise<TokenSetRecord | undefined> {
    return clone(this.#tokens.get(tokenSetKeyString(key)));
  }
  async putTokenSet(record: TokenSetRecord): Promise<void> {
    this.#tokens.set(tokenSetKeyString(record), clone(record) as TokenSetRecord);
  }
  async deleteTokenSet(key: TokenSetKey): Promise<void> {
    this.#tokens.delete(tokenSetKeyString(key));
  }
  async listTokenSets(): Promise<readonly TokenSetRecord[]> {
    return [...this.#tokens.values()].map((r) => clone(r) as TokenSetRecord);
  }
}

/** The default {@link RefreshLock}: single-flight per family inside this process (calls queue behind each other). */
export class InProcessRefreshLock implements RefreshLock {
  #tails = new Map<string, Promise<unknown>>();

  async withLock<T>(familyKey: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(familyKey) ?? Promise.resolve();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => gate);
    this.#tails.set(familyKey, tail);
    await previous.catch(() => undefined);
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(familyKey) === tail) this.#tails.delete(familyKey);
    }
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
