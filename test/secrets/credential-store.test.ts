import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientRegistrationRecord, TokenSetRecord } from '../../main/oauth/store.ts';
import { KeychainCredentialStore, tokenSetAccount } from '../../main/secrets/credential-store.ts';
import { KeychainSecretStore } from '../../main/secrets/keychain.ts';
import { SecretRecords } from '../../main/secrets/records.ts';
import type { DamagedItemReport } from '../../main/secrets/records.ts';
import { TokenSetIndexFile } from '../../main/secrets/token-index.ts';

const store = new KeychainSecretStore({ service: `Keyport-test-${randomBytes(6).toString('hex')}` });
const dataDir = mkdtempSync(join(tmpdir(), 'keyport-credentials-'));
const reports: DamagedItemReport[] = [];
const credentials = new KeychainCredentialStore(new SecretRecords(store, { onDamaged: (r) => reports.push(r) }), new TokenSetIndexFile(dataDir));

const registration: ClientRegistrationRecord = {
  issuer: 'http://127.0.0.1:4000',
  kind: 'dynamic',
  clientId: 'client-1',
  clientSecret: 'client-secret-value',
  tokenEndpointAuthMethod: 'client_secret_basic',
  redirectUris: ['http://127.0.0.1/callback'],
  createdAt: 1,
};

function tokenSet(account: string, accessToken: string): TokenSetRecord {
  return {
    issuer: 'http://127.0.0.1:4000',
    resource: 'http://127.0.0.1:4001/mcp',
    account,
    serverUrl: 'http://127.0.0.1:4001/mcp',
    clientId: 'client-1',
    registration: 'dynamic',
    accessToken,
    tokenType: 'Bearer',
    refreshToken: `refresh-${accessToken}`,
    expiresAt: 2_000_000_000_000,
    scopes: ['mcp:read'],
    obtainedAt: 1,
    refreshHistory: [{ at: 2, outcome: 'ok', rotated: true }],
    authorizationServer: { issuer: 'http://127.0.0.1:4000', token_endpoint: 'http://127.0.0.1:4000/token' },
    sentResource: true,
  };
}

afterAll(async () => {
  for (const item of await store.list()) await store.delete(item.account);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('KeychainCredentialStore on the real Secret Service', () => {
  it('keeps client registrations per issuer', async () => {
    await credentials.putRegistration(registration);
    expect(await credentials.getRegistration(registration.issuer)).toEqual(registration);
    expect(await credentials.getRegistration('http://127.0.0.1:4999')).toBeUndefined();
    await credentials.deleteRegistration(registration.issuer);
    expect(await credentials.getRegistration(registration.issuer)).toBeUndefined();
  });

  it('keeps token sets per (issuer, resource, account) and lists them', async () => {
    await credentials.putTokenSet(tokenSet('alice', 'at-alice'));
    await credentials.putTokenSet(tokenSet('bob', 'at-bob'));
    const key = { issuer: 'http://127.0.0.1:4000', resource: 'http://127.0.0.1:4001/mcp', account: 'alice' };
    expect(await credentials.getTokenSet(key)).toEqual(tokenSet('alice', 'at-alice'));
    expect((await credentials.listTokenSets()).map((t) => t.account).sort()).toEqual(['alice', 'bob']);
    await credentials.deleteTokenSet(key);
    expect(await credentials.getTokenSet(key)).toBeUndefined();
  });

  it('sets a damaged token set aside and reads it as signed out, never crashing', async () => {
    const key = { issuer: 'http://127.0.0.1:4000', resource: 'http://127.0.0.1:4001/mcp', account: 'carol' };
    await store.set(tokenSetAccount(key), JSON.stringify({ v: 1, kind: 'tokens', savedAt: 1, data: { issuer: 'x' } }));
    expect(await credentials.getTokenSet(key)).toBeUndefined();
    expect(reports.at(-1)?.account).toBe(tokenSetAccount(key));
    const aside = reports.at(-1)?.setAsideAs ?? '';
    expect(aside).toContain('#damaged-');
    expect(await store.get(aside)).toContain('"issuer":"x"');
    expect((await credentials.listTokenSets()).map((t) => t.account)).toEqual(['bob']);
  });
});

describe('the server index', () => {
  // Regression: every start listed the whole keychain (~5 ms on the Secret Service) to find a server's tokens; then it
  // read an index item from the keychain first (a second Secret Service round trip before the first MCP request).
  it('leads a new store straight to the token set a server uses, and goes away with it', async () => {
    const set = tokenSet('indexed', 'at-indexed');
    const damagedBefore = reports.length;
    await credentials.putTokenSet(set);
    const fresh = new KeychainCredentialStore(new SecretRecords(store), new TokenSetIndexFile(dataDir));
    const key = await fresh.findTokenSetKey(set.serverUrl, 'indexed');
    expect(key).toEqual({ issuer: set.issuer, resource: set.resource, account: 'indexed' });
    expect((await fresh.getTokenSet(key!))?.accessToken).toBe('at-indexed');
    expect(await fresh.findTokenSetKey(set.serverUrl, 'nobody')).toBeUndefined();
    await fresh.deleteTokenSet(key!);
    expect(await fresh.findTokenSetKey(set.serverUrl, 'indexed')).toBeUndefined();
    expect(reports).toHaveLength(damagedBefore);
  });

  it('is rebuilt when the data directory lost it (the engine found the set by listing)', async () => {
    const set = tokenSet('relisted', 'at-relisted');
    await credentials.putTokenSet(set);
    const otherDir = mkdtempSync(join(tmpdir(), 'keyport-credentials-moved-'));
    try {
      const moved = new KeychainCredentialStore(new SecretRecords(store), new TokenSetIndexFile(otherDir));
      expect(await moved.findTokenSetKey(set.serverUrl, 'relisted')).toBeUndefined();
      await moved.indexTokenSet(set.serverUrl, 'relisted', set);
      const again = new KeychainCredentialStore(new SecretRecords(store), new TokenSetIndexFile(otherDir));
      expect(await again.findTokenSetKey(set.serverUrl, 'relisted')).toEqual({ issuer: set.issuer, resource: set.resource, account: 'relisted' });
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
      await credentials.deleteTokenSet(set);
    }
  });

  it('keeps the index out of the keychain and free of secrets', async () => {
    const set = tokenSet('plain', 'at-plain-secret');
    await credentials.putTokenSet(set);
    // The keychain holds the token set and nothing that merely points at it.
    expect((await store.list()).map((i) => i.account).filter((a) => !a.startsWith('tokens:') && !a.startsWith('client:'))).toEqual([]);
    const text = readFileSync(new TokenSetIndexFile(dataDir).file, 'utf8');
    expect(text).toContain(set.serverUrl);
    for (const secret of [set.accessToken, set.refreshToken!]) expect(text).not.toContain(secret);
    await credentials.deleteTokenSet(set);
  });
});
