import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemorySecretStore } from '../../main/secrets/memory-store.ts';
import { clientAccount, parseTokensAccount, SecretRecords, tokensAccount } from '../../main/secrets/records.ts';
import type { DamagedItemReport } from '../../main/secrets/records.ts';

const schema = z.object({ n: z.number() });

function setup(): { store: MemorySecretStore; records: SecretRecords; reports: DamagedItemReport[] } {
  const store = new MemorySecretStore();
  const reports: DamagedItemReport[] = [];
  const records = new SecretRecords(store, { onDamaged: (r) => reports.push(r), now: () => Date.UTC(2026, 10, 22) });
  return { store, records, reports };
}

describe('SecretRecords', () => {
  it('writes versioned envelopes and reads them back validated', async () => {
    const { store, records } = setup();
    await records.write('client:https://as', 'client', { n: 1 });
    expect(JSON.parse((await store.get('client:https://as')) ?? '')).toMatchObject({ v: 1, kind: 'client', data: { n: 1 } });
    expect(await records.read('client:https://as', 'client', schema)).toEqual({ n: 1 });
    expect(await records.read('client:https://other', 'client', schema)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{oops', /not valid JSON/],
    ['an unknown version', JSON.stringify({ v: 9, kind: 'client', savedAt: 1, data: { n: 1 } }), /unknown version 9/],
    ['another kind', JSON.stringify({ v: 1, kind: 'tokens', savedAt: 1, data: { n: 1 } }), /expected client/],
    ['invalid data', JSON.stringify({ v: 1, kind: 'client', savedAt: 1, data: { n: 'x' } }), /invalid client record/],
  ])('sets aside a damaged item (%s) and reports it, reading it as absent', async (_what, raw, reason) => {
    const { store, records, reports } = setup();
    await store.set('client:https://as', raw);
    expect(await records.read('client:https://as', 'client', schema)).toBeUndefined();
    expect(reports).toHaveLength(1);
    expect(reports[0]?.reason).toMatch(reason);
    expect(reports[0]?.error.code).toBe('keychain_damaged_item');
    const aside = '#damaged-2026-11-22T00:00:00.000Z';
    expect(reports[0]?.setAsideAs).toBe(`client:https://as${aside}`);
    expect(await store.get('client:https://as')).toBeUndefined();
    expect(await store.get(`client:https://as${aside}`)).toBe(raw);
  });

  it('lists valid records, skipping set-aside items and setting aside damaged ones', async () => {
    const { store, records, reports } = setup();
    await records.write('tokens:1', 'tokens', { n: 1 });
    await store.set('tokens:2', 'garbage');
    await store.set('tokens:3#damaged-x', 'old garbage');
    await records.write('client:x', 'client', { n: 4 });
    const listed = await records.list('tokens:', 'tokens', schema);
    expect(listed).toEqual([{ account: 'tokens:1', data: { n: 1 } }]);
    expect(reports.map((r) => r.account)).toEqual(['tokens:2']);
  });

  it('keeps user-entered secrets under their own ids', async () => {
    const { records } = setup();
    const id = await records.putUserSecret({ kind: 'header', value: 'Bearer abc', label: 'Authorization' });
    expect(await records.getUserSecret(id)).toEqual({ kind: 'header', value: 'Bearer abc', label: 'Authorization' });
    expect(await records.deleteUserSecret(id)).toBe(true);
    expect(await records.getUserSecret(id)).toBeUndefined();
  });

  it('encodes token-set accounts unambiguously', () => {
    const account = tokensAccount('https://as', 'https://mcp/x', 'alice|bob');
    expect(parseTokensAccount(account)).toEqual({ issuer: 'https://as', resource: 'https://mcp/x', account: 'alice|bob' });
    expect(parseTokensAccount(clientAccount('https://as'))).toBeUndefined();
  });
});
