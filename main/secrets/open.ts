/**
 * One call that gives the app or the CLI everything secret-related for a data directory: the keychain store under
 * the directory's service name, typed records on it, and the engine's credential store and refresh lock.
 */
import { join } from 'node:path';
import { defaultDataDir, refreshLockDir } from '../fs/paths.ts';
import { KeychainCredentialStore } from './credential-store.ts';
import { KeychainSecretStore, serviceNameFor } from './keychain.ts';
import { SecretRecords } from './records.ts';
import type { DamagedItemReport } from './records.ts';
import { FileRefreshLock } from './refresh-lock.ts';
import type { SecretStore } from './store.ts';
import { TokenSetIndexFile } from './token-index.ts';

/** The secret-side services of one data directory. */
export interface KeyportSecrets {
  readonly service: string;
  readonly store: SecretStore;
  readonly records: SecretRecords;
  readonly credentials: KeychainCredentialStore;
  readonly refreshLock: FileRefreshLock;
}

/** Options of {@link openKeychainSecrets}. */
export interface OpenSecretsOptions {
  readonly onDamaged?: (report: DamagedItemReport) => void;
  /** A store to use instead of the keychain (unit tests only). */
  readonly store?: SecretStore;
}

/** The lock file that serializes keychain listings and changes of one data directory's service across processes. */
export function keychainLockFile(dataDir: string): string {
  return join(refreshLockDir(dataDir), 'keychain.lock');
}

/** Opens the keychain-backed secrets of `dataDir` (nothing touches the keychain until the first read or write). */
export function openKeychainSecrets(dataDir: string, options: OpenSecretsOptions = {}): KeyportSecrets {
  const service = serviceNameFor(dataDir, defaultDataDir());
  const store = options.store ?? new KeychainSecretStore({ service, lockFile: keychainLockFile(dataDir) });
  const records = new SecretRecords(store, options.onDamaged === undefined ? {} : { onDamaged: options.onDamaged });
  return { service, store, records, credentials: new KeychainCredentialStore(records, new TokenSetIndexFile(dataDir)), refreshLock: new FileRefreshLock(dataDir) };
}
