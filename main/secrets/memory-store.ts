import type { SecretItem, SecretStore } from './store.ts';

/**
 * An in-memory {@link SecretStore} for unit tests only: the app and the CLI always use the keychain. Items live in a
 * Map and vanish with the process.
 */
export class MemorySecretStore implements SecretStore {
  readonly description = 'in-memory (tests only)';
  readonly #items = new Map<string, string>();

  async get(account: string): Promise<string | undefined> {
    return this.#items.get(account);
  }

  async set(account: string, value: string): Promise<void> {
    this.#items.set(account, value);
  }

  async delete(account: string): Promise<boolean> {
    return this.#items.delete(account);
  }

  async list(): Promise<readonly SecretItem[]> {
    return [...this.#items].map(([account, value]) => ({ account, value }));
  }
}
