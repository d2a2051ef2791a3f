/**
 * Several accounts per server and the pasted redirect, in the engine, against the test bed: where a new token set is
 * stored (an identity already stored replaces only its own account), `prompt=select_account` where the authorization
 * server offers it (else `login`), and a pasted address checked like a callback: forged ones refused without the
 * login ending, the real one accepted, the browser arriving afterwards refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthEngine, InMemoryCredentialStore } from '../../main/oauth/index.ts';
import type { OAuthEngine, ServerTarget } from '../../main/oauth/index.ts';
import { startTestBed, type TestBed } from '../servers/testbed.ts';
import { completeLogin } from '../servers/user-agent.ts';
import { ACCOUNTS } from '../servers/accounts.ts';

let bed: TestBed;
let selectBed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
  selectBed = await startTestBed({ authServer: { discovery: (doc) => (doc.prompt_values_supported = ['none', 'login', 'consent', 'select_account']) } });
});
afterAll(async () => {
  await bed?.close();
  await selectBed?.close();
});

/** An engine whose "browser" signs in as whoever `who()` names at the moment, recording the URLs it opened. */
function engineAs(who: () => 'alice' | 'bob') {
  const opened: string[] = [];
  const store = new InMemoryCredentialStore();
  const engine = createOAuthEngine({
    store,
    openBrowser: async (url) => {
      opened.push(url);
      const account = ACCOUNTS[who()];
      await completeLogin(url, { username: account.username, password: account.password });
    },
  });
  return { engine, store, opened };
}

/** The `prompt` values of an authorization URL (OIDC Core §3.1.2.1: space-separated). */
function prompts(url: string): readonly string[] {
  return (new URL(url).searchParams.get('prompt') ?? '').split(' ').filter(Boolean);
}

async function subjects(engine: OAuthEngine, target: ServerTarget): Promise<Record<string, string | undefined>> {
  return Object.fromEntries((await engine.accounts(target)).map((a) => [a.account, a.subject]));
}

describe('several accounts per server', () => {
  it('keeps alice and bob in separate accounts, names the added one after the identity, and asks with prompt=login', async () => {
    let who: 'alice' | 'bob' = 'alice';
    const { engine, opened } = engineAs(() => who);
    const target = { serverUrl: bed.mcpUrl };
    await engine.login(target);
    expect(prompts(opened[0]!)).not.toContain('login');
    who = 'bob';
    await engine.login(target, { addAccount: true });
    expect(prompts(opened[1]!)).toContain('login');
    expect(await subjects(engine, target)).toEqual({ default: 'alice', bob: 'bob' });
    const aliceToken = (await engine.tokenSetView(target))!.tokens[0]!.fingerprint;
    const bobToken = (await engine.tokenSetView(target, { account: 'bob' }))!.tokens[0]!.fingerprint;
    expect(aliceToken).not.toBe(bobToken);
    const accounts = await engine.accounts(target);
    expect(accounts.map((a) => a.label)).toEqual(['alice', 'bob']);
  });

  it('signing in again as an identity already stored replaces that account only, whatever account was asked for', async () => {
    let who: 'alice' | 'bob' = 'alice';
    const { engine } = engineAs(() => who);
    const target = { serverUrl: bed.mcpUrl };
    await engine.login(target);
    who = 'bob';
    await engine.login(target, { account: 'work' });
    const before = (await engine.tokenSetView(target))!.tokens[0]!.fingerprint;
    // bob again, asking for the default account (which holds alice): bob's account is refreshed, alice is untouched.
    await engine.login(target);
    expect(await subjects(engine, target)).toEqual({ default: 'alice', work: 'bob' });
    expect((await engine.tokenSetView(target))!.tokens[0]!.fingerprint).toBe(before);
    // Adding "another" account as alice lands on alice's account, not on a new one.
    who = 'alice';
    await engine.login(target, { addAccount: true });
    expect(await subjects(engine, target)).toEqual({ default: 'alice', work: 'bob' });
    expect((await engine.tokenSetView(target))!.tokens[0]!.fingerprint).not.toBe(before);
  });

  it('signs one account out (revoking it) and keeps the other', async () => {
    let who: 'alice' | 'bob' = 'alice';
    const { engine } = engineAs(() => who);
    const target = { serverUrl: bed.mcpUrl };
    await engine.login(target);
    who = 'bob';
    await engine.login(target, { addAccount: true });
    const revocations = bed.authServer.count({ endpoint: 'revocation' });
    expect(await engine.logout(target, { account: 'bob' })).toMatchObject({ revoked: true });
    expect(bed.authServer.count({ endpoint: 'revocation' })).toBeGreaterThan(revocations);
    expect(await subjects(engine, target)).toEqual({ default: 'alice' });
    expect(await engine.status(target)).toMatchObject({ state: 'signed-in' });
  });

  it('asks with prompt=select_account where the authorization server lists it', async () => {
    const { engine, opened } = engineAs(() => 'bob');
    await engine.login({ serverUrl: selectBed.mcpUrl }, { addAccount: true }).catch(() => undefined);
    expect(prompts(opened[0]!)).toContain('select_account');
    expect(prompts(opened[0]!)).not.toContain('login');
  });
});

describe('a pasted redirected address', () => {
  it('is refused when forged (state, iss) without ending the login, accepted when real, and the browser after it is refused', async () => {
    const urls: string[] = [];
    const engine = createOAuthEngine({ openBrowser: async (url) => void urls.push(url) });
    const target = { serverUrl: bed.mcpUrl };
    expect(engine.submitRedirect(target, 'http://127.0.0.1:1/callback?code=x&state=y')).toMatchObject({ accepted: false, reason: 'no-sign-in-pending' });
    const login = engine.login(target);
    await expect.poll(() => urls.length).toBe(1);
    const real = (await completeLogin(urls[0]!, { username: 'alice', password: ACCOUNTS.alice.password }, { followCallback: false })).callbackUrl;
    const wrongState = new URL(real);
    wrongState.searchParams.set('state', 'forged');
    const wrongIss = new URL(real);
    wrongIss.searchParams.set('iss', 'https://evil.example');
    const refusedState = engine.submitRedirect(target, wrongState.href);
    expect(refusedState).toMatchObject({ accepted: false, reason: 'wrong-state' });
    expect(engine.submitRedirect(target, wrongIss.href)).toMatchObject({ accepted: false, reason: 'wrong-iss' });
    expect(engine.submitRedirect(target, 'not an address at all')).toMatchObject({ accepted: false, reason: 'not-this-redirect-uri' });
    for (const r of [refusedState]) expect(JSON.stringify(r)).not.toContain('forged');
    expect(engine.submitRedirect(target, `  ${real}\n`)).toEqual({ accepted: true });
    await expect(login).resolves.toMatchObject({ issuer: bed.issuer });
    // The browser arriving later finds the receiver closed (or refused): the code is never used twice.
    const late = await fetch(real).then((r) => r.status, () => 'closed');
    expect(late === 'closed' || late === 400).toBe(true);
    expect(engine.submitRedirect(target, real)).toMatchObject({ accepted: false, reason: 'no-sign-in-pending' });
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'authorization_code', status: 200 })).toBeGreaterThanOrEqual(1);
  });
});
