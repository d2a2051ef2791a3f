/**
 * Errors that name the fix (issue 12 item 4): each known provider refusal gets its own code and a message naming the
 * setting to change, in the dialog and on the command line; the provider's own text is never repeated.
 */
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../main/oauth/errors.ts';
import { adviseLoginError } from '../../main/oauth/provider-errors.ts';
import { autoBrowserEngine, mockServersPerTest } from './helpers/setup.ts';

const startMock = mockServersPerTest();

describe('provider refusals name the setting that fixes them', () => {
  it('resource rejected (invalid_target) → resource_rejected: Resource parameter: Off / --no-resource-param', async () => {
    const mock = await startMock({ authorizeError: 'invalid_target' });
    const { engine } = autoBrowserEngine();
    const err = await engine.login({ serverUrl: mock.mcpUrl }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'resource_rejected' });
    expect((err as Error).message).toContain('Edit → Advanced → Resource parameter: Off');
    expect((err as Error).message).toContain('keyport servers edit <server> --no-resource-param');
  });

  it('scope rejected (invalid_scope) → scope_rejected, naming the scopes that were asked and how to change them', async () => {
    const mock = await startMock({ authorizeError: 'invalid_scope', challengeScope: 'openid email profile' });
    const { engine } = autoBrowserEngine();
    const err = await engine.login({ serverUrl: mock.mcpUrl }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'scope_rejected' });
    expect((err as Error).message).toContain('"openid email profile"');
    expect((err as Error).message).toContain('--scope');
  });

  it('no dynamic registration → client_id_required: register an app with http://127.0.0.1/callback and enter its client id', async () => {
    const mock = await startMock();
    const { engine, opened } = autoBrowserEngine();
    const settings = { authorizationEndpoint: `${mock.url}/authorize`, tokenEndpoint: `${mock.url}/token`, assumePkceS256: true };
    const err = await engine.login({ serverUrl: mock.mcpUrl, settings }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'client_id_required' });
    expect((err as Error).message).toContain('This authorization server does not support dynamic registration: register an app there with redirect URI http://127.0.0.1/callback (any port) and enter its client id');
    expect((err as Error).message).toContain('--client-id ID');
    expect(opened).toHaveLength(0);
  });

  it('a pre-registered client refused at the token endpoint → client_auth_rejected, naming the method and the setting', async () => {
    const mock = await startMock({ rejectClients: ['figma-app'] });
    const { engine } = autoBrowserEngine();
    const settings = { mode: 'preregistered' as const, clientId: 'figma-app', clientSecret: 'a-secret-value', tokenEndpointAuthMethod: 'client_secret_basic' as const };
    const err = await engine.login({ serverUrl: mock.mcpUrl, settings }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'client_auth_rejected' });
    expect((err as Error).message).toContain('(client_secret_basic)');
    expect((err as Error).message).toContain('--token-auth-method');
    expect((err as Error).message).not.toContain('a-secret-value');
  });

  it('an invalid redirect URI (Entra AADSTS50011) → redirect_uri_rejected, naming the callback settings; the provider text is not repeated', () => {
    const cause = Object.assign(new Error('x'), { error: 'invalid_request', error_description: 'AADSTS50011: The redirect URI \u001b]8;;evil\u0007 does not match' });
    const err = new OAuthError('authorization_failed', 'The authorization server returned an error (invalid_request). Try signing in again.', { oauthError: 'invalid_request', cause });
    const advised = adviseLoginError(err, { resourceSent: true, redirectUri: 'http://127.0.0.1:5555/callback' }) as OAuthError;
    expect(advised.code).toBe('redirect_uri_rejected');
    expect(advised.message).toContain('Callback host, Callback port and Callback path');
    expect(advised.message).toContain('http://127.0.0.1:5555/callback');
    expect(advised.message).not.toContain('AADSTS50011');
    expect(advised.message).not.toContain('\u001b');
  });

  it('Entra’s AADSTS9010010 (resource not allowed) → resource_rejected; without the resource sent it is left alone', () => {
    const cause = Object.assign(new Error('x'), { error: 'invalid_request', error_description: 'AADSTS9010010: The resource parameter provided in the request doesn’t match' });
    const err = new OAuthError('token_request_failed', 'refused', { oauthError: 'invalid_request', cause });
    expect((adviseLoginError(err, { resourceSent: true, redirectUri: 'x' }) as OAuthError).code).toBe('resource_rejected');
    expect(adviseLoginError(err, { resourceSent: false, redirectUri: 'x' })).toBe(err);
  });

  it('a login that times out with a registration stored earlier suggests forgetting it', async () => {
    const mock = await startMock();
    const first = autoBrowserEngine();
    await first.engine.login({ serverUrl: mock.mcpUrl });
    const { createOAuthEngine } = await import('../../main/oauth/index.ts');
    const stuck = createOAuthEngine({ store: first.store, openBrowser: async () => undefined, loginTimeoutMs: 300 });
    await first.engine.logout({ serverUrl: mock.mcpUrl });
    const err = await stuck.login({ serverUrl: mock.mcpUrl }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'login_timeout' });
    expect((err as Error).message).toContain('keyport servers forget-registration <server>');
  });
});
