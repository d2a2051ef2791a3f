/**
 * The secret-storage seam: four operations on the items of one keychain service. Everything secret Keyport holds goes
 * through it; the app and the CLI use the keychain implementation, unit tests the in-memory one.
 */

/** One stored item: its account (the key within the service) and its value. */
export interface SecretItem {
  readonly account: string;
  readonly value: string;
}

/**
 * The items of one keychain service. Implementations throw {@link KeychainError} when the keychain cannot be used
 * and never fall back to plaintext.
 */
export interface SecretStore {
  /** A short description of where secrets live (e.g. "Secret Service (service Keyport)"), for About/status. */
  readonly description: string;
  /** The item's value, or undefined when there is none. */
  get(account: string): Promise<string | undefined>;
  /** Creates or replaces the item. */
  set(account: string, value: string): Promise<void>;
  /** Deletes the item; true when one existed. */
  delete(account: string): Promise<boolean>;
  /** Every item of the service. */
  list(): Promise<readonly SecretItem[]>;
}
