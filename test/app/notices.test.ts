/**
 * Re-sign-in notices and expiry warnings (issue 14, items 1 and 2) against the real test bed: the app's services, the
 * real keychain, oidc-provider announcing `refresh_token_expires_in`, and a recording notifier in place of the
 * platform's notification centre.
 */
import { describe, expect, it } from 'vitest';
import type { AttentionView } from '../../preload/contract.ts';
import { appAndBedPerTest, sleep, until, type TestApp } from './foresight-helpers.ts';

const env = appAndBedPerTest();

/** The list the window was last sent. */
function attention(a: TestApp): readonly AttentionView[] {
  return (a.events.filter((e) => e.channel === 'attention:onChanged').at(-1)?.payload as readonly AttentionView[] | undefined) ?? [];
}

describe('re-sign-in notices', () => {
  it('twenty grants that end together make exactly one grouped notice; clicking it focuses the first server', async () => {
    const extra = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`s${i + 2}`, {}]));
    // No early warning in this test: only the end of the grants counts.
    const { bed, app } = await env.open({ authServer: { announceRefreshTokenExpiry: true }, extraMcpServers: extra }, { expiryWarnings: { grantMs: 0, clientSecretMs: 0 } });
    const { services } = app.runtime;
    const urls = [bed.mcpUrl, ...Object.values(bed.extraMcpServers!).map((s) => s.url)];
    expect(urls).toHaveLength(20);
    const ids: string[] = [];
    for (const [i, url] of urls.entries()) ids.push((await services.servers.add({ url, name: `Server ${String(i + 1).padStart(2, '0')}` })).id);
    // Every grant lives 10 s from its sign-in, and the twenty sign-ins run at once: they all end within moments.
    bed.authServer.setTokenTtls({ accessToken: 8, refreshToken: 10 });
    const views = await Promise.all(ids.map((id) => services.auth.signIn(id)));
    for (const view of views) expect(view.lifetimes?.find((l) => l.subject === 'grant')).toMatchObject({ source: 'refresh_token_expires_in' });
    expect(app.notifier.shown).toEqual([]);

    const ends = await Promise.all(ids.map(async (id) => (await services.auth.tokens(id))!.lifetimes!.find((l) => l.subject === 'grant')!.expiresAt));
    await sleep(Math.max(...ends) - Date.now() + 300);
    await app.runtime.foresight.sweep();
    await until(() => app.notifier.shown.length > 0, 'the notice');
    await sleep(600);
    expect(app.notifier.shown.map((s) => s.notice)).toEqual([
      { title: 'Sign in again to 20 servers', body: 'Server 01, Server 02, Server 03 and 17 more need you to sign in again.' },
    ]);
    expect(app.notifier.badges.at(-1)).toBe(20);
    expect(attention(app).map((a) => [a.serverId, a.kind])).toEqual(ids.map((id) => [id, 'sign-in']));

    // The same occurrence is not announced twice: another sweep, and the refused refreshes of real requests.
    await app.runtime.foresight.sweep();
    for (const id of ids.slice(0, 3)) await expect(services.capabilities.tools(id)).rejects.toBeDefined();
    await sleep(600);
    expect(app.notifier.shown).toHaveLength(1);
    expect(bed.authServer.count({ endpoint: 'token', grantType: 'refresh_token', error: 'invalid_grant' })).toBeGreaterThanOrEqual(1);

    app.notifier.shown[0]!.click();
    expect(app.events.filter((e) => e.channel === 'app:onFocusServer').map((e) => e.payload)).toEqual([{ serverId: ids[0], reason: 'sign-in' }]);

    // Signing in again to one server takes it off the list and the badge.
    bed.authServer.setTokenTtls({ accessToken: 3600, refreshToken: 3600 });
    await services.auth.signIn(ids[0]!);
    await until(() => attention(app).length === 19, 'the list to shrink');
    expect(app.notifier.badges.at(-1)).toBe(19);
    expect(await services.foresight.attention()).toHaveLength(19);
  });

  it('a grant revoked at the authorization server: the refused refresh raises one notice naming the server', async () => {
    const { bed, app } = await env.open({ authServer: { accessTokenTtl: 2 } });
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    await services.auth.signIn(server.id);
    await services.capabilities.tools(server.id);

    // Someone revokes the grant at the authorization server (as an admin console would).
    const [set] = await app.runtime.context.core.secrets().credentials.listTokenSets();
    const revoked = await fetch(`${bed.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: set!.refreshToken!, token_type_hint: 'refresh_token', client_id: set!.clientId }),
    });
    expect(revoked.status).toBe(200);
    await sleep(2_200);

    await expect(services.capabilities.callTool(server.id, { callId: 'x', tool: 'get_user_profile', arguments: {} })).rejects.toBeDefined();
    await until(() => app.notifier.shown.length === 1, 'the notice');
    await sleep(500);
    expect(app.notifier.shown.map((s) => s.notice.title)).toEqual(['Sign in again to Demo']);
    expect(app.notifier.shown[0]!.notice.body).toMatch(/Sign in again to keep using its tools\./);
    expect(attention(app)).toEqual([expect.objectContaining({ serverId: server.id, kind: 'sign-in' })]);
    expect(app.notifier.badges.at(-1)).toBe(1);
  });

  it('signing out, and cancelling a sign-in, are the user’s choice: no notice, nothing listed', async () => {
    const { bed, app } = await env.open();
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    await services.auth.signIn(server.id);
    await services.capabilities.tools(server.id);
    expect(await services.auth.signOut(server.id)).toBe(true);

    app.browser.completes = false;
    const pending = services.auth.signIn(server.id);
    await until(() => app.opened.length === 2, 'the browser');
    await services.auth.cancel(server.id);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    await sleep(600);
    expect(app.notifier.shown).toEqual([]);
    expect(await services.foresight.attention()).toEqual([]);
  });
});

describe('expiry warnings', () => {
  it('a refresh token that lives 10 hours is warned about a day ahead; the warning is one notice, shown once', async () => {
    const { bed, app } = await env.open({ authServer: { announceRefreshTokenExpiry: true, refreshTokenTtl: 10 * 3600 } });
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    const before = Date.now();
    const view = await services.auth.signIn(server.id);
    const grant = view.lifetimes?.find((l) => l.subject === 'grant');
    expect(grant?.source).toBe('refresh_token_expires_in');
    expect(grant!.expiresAt - before).toBeGreaterThan(10 * 3600_000 - 60_000);
    expect(grant!.expiresAt - before).toBeLessThanOrEqual(10 * 3600_000 + 5_000);

    await until(() => app.notifier.shown.length === 1, 'the warning');
    expect(app.notifier.shown[0]!.notice.title).toMatch(/^Sign-in to Demo ends in (9|10) h$/);
    expect(attention(app)).toEqual([expect.objectContaining({ serverId: server.id, kind: 'expiring', lifetime: grant })]);

    // A refresh rotates the refresh token; the AS says how long the new one lives, and the view follows.
    const refreshed = await services.auth.refresh(server.id);
    expect(refreshed.lifetimes?.find((l) => l.subject === 'grant')?.source).toBe('refresh_token_expires_in');
    await app.runtime.foresight.sweep();
    await sleep(500);
    expect(app.notifier.shown.length).toBeLessThanOrEqual(2);
    expect(new Set(attention(app).map((a) => a.kind))).toEqual(new Set(['expiring']));
  });

  it('without refresh_token_expires_in and with a refresh token, no grant lifetime is invented', async () => {
    const { bed, app } = await env.open();
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    const view = await services.auth.signIn(server.id);
    expect(view.tokens.some((t) => t.kind === 'refresh')).toBe(true);
    expect(view.lifetimes ?? []).toEqual([]);
    await app.runtime.foresight.sweep();
    await sleep(500);
    expect(app.notifier.shown).toEqual([]);
  });
});
