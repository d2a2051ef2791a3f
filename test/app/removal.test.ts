/**
 * Revocation on removal and consent you can read (issue 14, items 3 and 4) through the app's services, against the
 * real test bed and keychain: removing a server revokes its tokens (RFC 7009) and deletes its dynamic registration
 * (RFC 7592) unless another configured server uses it; a failure is reported token by token and keeps no secret. The
 * consent list says what a sign-in will ask for, and what the user unticks is not asked for.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appAndBedPerTest, type TestApp } from './foresight-helpers.ts';

const env = appAndBedPerTest();

async function keychainItems(a: TestApp): Promise<readonly string[]> {
  return (await a.runtime.context.core.secrets().store.list()).map((i) => i.account);
}

describe('removing a server', () => {
  it('revokes its tokens, deletes its registration at the authorization server, and forgets every secret', async () => {
    const { bed, app } = await env.open();
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    await services.auth.signIn(server.id);
    const [set] = await app.runtime.context.core.secrets().credentials.listTokenSets();
    const reg = await app.runtime.context.core.secrets().credentials.getRegistration(set!.issuer);
    expect(reg?.registrationAccessToken).toBeTruthy();
    expect((await readdir(join(app.dataDir, 'flows'))).length).toBe(1);

    const revocations = bed.authServer.count({ endpoint: 'revocation' });
    const result = await services.foresight.removeServer(server.id);
    expect(result.removed).toBe(true);
    // oidc-provider revokes the refresh token (and with it the grant) but refuses to revoke a JWT access token: the
    // report says so, token by token.
    expect(result.report?.tokens).toEqual([
      { account: 'default', issuer: bed.issuer, kind: 'refresh', outcome: 'revoked' },
      { account: 'default', issuer: bed.issuer, kind: 'access', outcome: 'failed', code: 'unsupported_token_type' },
    ]);
    expect(result.report?.registrations).toEqual([{ issuer: bed.issuer, outcome: 'deleted' }]);
    expect(bed.authServer.count({ endpoint: 'revocation' }) - revocations).toBe(2);
    expect(bed.authServer.count({ route: 'client_delete', status: 204 })).toBe(1);

    // The refresh token is dead at the AS, and nothing is left here.
    const refresh = await fetch(`${bed.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: set!.refreshToken!, client_id: set!.clientId }),
    });
    expect(refresh.ok).toBe(false);
    expect(bed.authServer.count({ endpoint: 'revocation', status: 200 })).toBe(1);
    expect(await keychainItems(app)).toEqual([]);
    expect(await services.servers.list()).toEqual([]);
    expect(await readdir(join(app.dataDir, 'flows'))).toEqual([]);
  });

  it('keeps a registration another configured server still uses, and that server keeps working', async () => {
    const { bed, app } = await env.open({ extraMcpServers: { second: {} } });
    const { services } = app.runtime;
    const first = await services.servers.add({ url: bed.mcpUrl, name: 'First' });
    const second = await services.servers.add({ url: bed.extraMcpServers!['second']!.url, name: 'Second' });
    await services.auth.signIn(first.id);
    await services.auth.signIn(second.id);
    expect(bed.authServer.count({ endpoint: 'registration', method: 'POST' })).toBe(1);

    const result = await services.foresight.removeServer(first.id);
    expect(result.report?.registrations).toEqual([{ issuer: bed.issuer, outcome: 'shared' }]);
    expect(bed.authServer.count({ route: 'client_delete' })).toBe(0);
    const refreshed = await services.auth.refresh(second.id);
    expect(refreshed.refreshHistory.at(-1)).toMatchObject({ outcome: 'ok' });
  });

  it('an authorization server that cannot be reached: the report names each token not revoked, and the secrets go anyway', async () => {
    const { bed, app } = await env.open();
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    await services.auth.signIn(server.id);
    await bed.authServer.close();

    const result = await services.foresight.removeServer(server.id);
    expect(result.removed).toBe(true);
    expect(result.report?.tokens).toEqual([
      { account: 'default', issuer: bed.issuer, kind: 'refresh', outcome: 'failed', code: 'network' },
      { account: 'default', issuer: bed.issuer, kind: 'access', outcome: 'failed', code: 'network' },
    ]);
    expect(result.report?.registrations).toEqual([expect.objectContaining({ issuer: bed.issuer, outcome: 'failed' })]);
    expect(await keychainItems(app)).toEqual([]);
  });
});

describe('the consent list before signing in', () => {
  it('lists what the sign-in will ask for, with meanings; unticking offline_access keeps it out of the request', async () => {
    const { bed, app } = await env.open();
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    const plan = await services.foresight.planSignIn(server.id);
    expect(plan).toEqual({
      issuer: bed.issuer,
      resource: bed.mcpUrl,
      scopes: [
        { scope: 'mcp:read', source: 'challenge', required: true, description: 'Read data through the server’s tools.', describedBy: 'keyport' },
        { scope: 'mcp:write', source: 'challenge', required: true, description: 'Create and change data through the server’s tools.', describedBy: 'keyport' },
        { scope: 'offline_access', source: 'as', required: false, description: expect.stringMatching(/^Stay signed in/), describedBy: 'keyport' },
      ],
    });
    // Planning opened nothing, registered nothing and published no flow.
    expect(app.opened).toEqual([]);
    expect(bed.authServer.count({ endpoint: 'registration' })).toBe(0);
    expect(await services.auth.flows(server.id)).toEqual([]);

    const view = await services.auth.signIn(server.id, 'mcp:read mcp:write', true);
    expect(new URL(app.opened[0]!).searchParams.get('scope')).toBe('mcp:read mcp:write');
    expect(view.scopes).toEqual(['mcp:read', 'mcp:write']);
  });
});
