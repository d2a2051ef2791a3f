/**
 * A per-instance in-memory storage adapter for oidc-provider. The built-in one shares a module-global LRU capped
 * at 1,000 entries between every provider in the process and warns on startup; tests start several authorization
 * servers in one process and benches issue many tokens, so each server gets its own unbounded map instead.
 * Payloads are copied in and out (like a real database), so changing a loaded model, e.g. a grant's nested
 * `rejected` scopes, changes nothing stored until it is saved.
 */

interface Entry {
  payload: Record<string, unknown>;
  /** Epoch milliseconds, or Infinity. */
  expiresAt: number;
}

/** Models whose artifacts belong to a grant and die with it (revocation, refresh-token reuse). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/** Returns an `adapter` factory for the oidc-provider configuration; all models share one private store. */
export function createMemoryAdapterFactory(): (model: string) => object {
  const store = new Map<string, Entry>();
  const grants = new Map<string, Set<string>>();
  const sessionUids = new Map<string, string>();
  const userCodes = new Map<string, string>();

  const get = (key: string): Record<string, unknown> | undefined => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return structuredClone(entry.payload);
  };

  return (model: string) => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
        const key = keyOf(id);
        store.set(key, { payload: structuredClone(payload), expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity });
        if (model === 'Session' && typeof payload.uid === 'string') sessionUids.set(payload.uid, id);
        if (typeof payload.userCode === 'string') userCodes.set(payload.userCode, id);
        if (GRANTABLE.has(model) && typeof payload.grantId === 'string') {
          let members = grants.get(payload.grantId);
          if (!members) grants.set(payload.grantId, (members = new Set()));
          members.add(key);
        }
      },
      async find(id: string) {
        return get(keyOf(id));
      },
      async findByUid(uid: string) {
        const id = sessionUids.get(uid);
        return id === undefined ? undefined : get(keyOf(id));
      },
      async findByUserCode(userCode: string) {
        const id = userCodes.get(userCode);
        return id === undefined ? undefined : get(keyOf(id));
      },
      async consume(id: string) {
        const entry = store.get(keyOf(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id: string) {
        store.delete(keyOf(id));
      },
      async revokeByGrantId(grantId: string) {
        for (const key of grants.get(grantId) ?? []) store.delete(key);
        grants.delete(grantId);
      },
    };
  };
}
