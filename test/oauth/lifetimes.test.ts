/**
 * The lifetimes a token set carries (issue 14, item 2) that the test bed cannot produce: a refresh token that is a JWT
 * with `exp`, a client secret with `client_secret_expires_at` (RFC 7591 §3.2.1), an access token without a refresh
 * token, a hostile `refresh_token_expires_in`, and where each stands against the warning spans.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPIRY_WARNINGS, lifetimeState, parseSpan, warningSpansFrom } from '../../main/oauth/index.ts';
import { refreshedLifetime } from '../../main/oauth/lifetimes.ts';
import type { TokenSetRecord } from '../../main/oauth/store.ts';
import { idJagLifetime } from '../../main/oauth/views.ts';
import { mockServersPerTest, autoBrowserEngine } from './helpers/setup.ts';

const startMock = mockServersPerTest();

function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('lifetimes of a signed-in token set', () => {
  it('a JWT refresh token: the grant ends at its exp', async () => {
    const exp = Math.floor(Date.now() / 1000) + 7200;
    const mock = await startMock({ tokenResponseOverride: { refresh_token: jwt({ exp, sub: 'u' }) } });
    const { engine } = autoBrowserEngine();
    const view = await engine.login({ serverUrl: mock.mcpUrl });
    expect(view.lifetimes).toEqual([{ subject: 'grant', expiresAt: exp * 1000, source: 'refresh-token-jwt' }]);
  });

  it('a dynamic registration whose secret expires: its end is listed, and refresh_token_expires_in wins for the grant', async () => {
    const secretEnds = Math.floor(Date.now() / 1000) + 3 * 86_400;
    const mock = await startMock({
      tokenAuthMethods: ['client_secret_basic'],
      registrationOverride: { client_secret_expires_at: secretEnds },
      tokenResponseOverride: { refresh_token_expires_in: 600 },
    });
    const { engine } = autoBrowserEngine();
    const before = Date.now();
    const view = await engine.login({ serverUrl: mock.mcpUrl });
    const grant = view.lifetimes?.find((l) => l.subject === 'grant');
    expect(grant?.source).toBe('refresh_token_expires_in');
    expect(grant!.expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(view.lifetimes?.find((l) => l.subject === 'client-secret')).toEqual({ subject: 'client-secret', expiresAt: secretEnds * 1000, source: 'client_secret_expires_at' });
    // Three days ahead: within the week a client secret is warned about, not within a grant's day.
    expect(lifetimeState(view.lifetimes!.find((l) => l.subject === 'client-secret')!, Date.now())).toBe('warning');
    expect(lifetimeState(grant!, Date.now())).toBe('warning');
    expect(lifetimeState(grant!, Date.now(), { grantMs: 60_000, clientSecretMs: 0 })).toBe('ok');
  });

  it('no refresh token: the grant ends with the access token', async () => {
    const mock = await startMock({ issueRefreshToken: false, tokenLifetimeSec: 300 });
    const { engine } = autoBrowserEngine();
    const view = await engine.login({ serverUrl: mock.mcpUrl });
    const access = view.tokens.find((t) => t.kind === 'access');
    expect(view.lifetimes).toEqual([{ subject: 'grant', expiresAt: access!.expiresAt, source: 'access-token' }]);
  });

  it('a hostile refresh_token_expires_in (negative, a string, absurd) is not taken as a lifetime that already ended', async () => {
    for (const value of [-5, 'soon', 0]) {
      const mock = await startMock({ tokenResponseOverride: { refresh_token_expires_in: value } });
      const { engine } = autoBrowserEngine();
      const view = await engine.login({ serverUrl: mock.mcpUrl });
      expect(view.lifetimes ?? [], String(value)).toEqual([]);
    }
  });
});

describe('lifetime helpers', () => {
  const current = { refreshToken: 'old-refresh-token', refreshTokenExpiresAt: 5_000 } as TokenSetRecord;

  it('after a refresh: a new lifetime wins, a kept token keeps its own, a rotated one without a lifetime has none', () => {
    expect(refreshedLifetime({ access_token: 'a', token_type: 'bearer', refresh_token_expires_in: 10 }, 1_000, current)).toEqual({ refreshTokenExpiresAt: 11_000 });
    expect(refreshedLifetime({ access_token: 'a', token_type: 'bearer' }, 1_000, current)).toEqual({ refreshTokenExpiresAt: 5_000 });
    expect(refreshedLifetime({ access_token: 'a', token_type: 'bearer', refresh_token: 'new-refresh-token' }, 1_000, current)).toEqual({ refreshTokenExpiresAt: undefined });
  });

  it('an ID-JAG’s exp is kept; an assertion that is not a JWT has none', () => {
    expect(idJagLifetime(jwt({ exp: 1_900_000_000 }))).toEqual({ idJagExpiresAt: 1_900_000_000_000 });
    expect(idJagLifetime('opaque-assertion')).toEqual({});
  });

  it('the warning spans: 24 h and 7 d by default, changed by the environment, malformed values ignored', () => {
    expect(warningSpansFrom({})).toEqual(DEFAULT_EXPIRY_WARNINGS);
    expect(warningSpansFrom({ KEYPORT_WARN_BEFORE_GRANT_EXPIRY: '48h', KEYPORT_WARN_BEFORE_SECRET_EXPIRY: '14d' })).toEqual({ grantMs: 48 * 3600_000, clientSecretMs: 14 * 86_400_000 });
    expect(warningSpansFrom({ KEYPORT_WARN_BEFORE_GRANT_EXPIRY: 'tomorrow' })).toEqual(DEFAULT_EXPIRY_WARNINGS);
    expect([parseSpan('90m'), parseSpan('3600'), parseSpan('1.5h'), parseSpan('-1h')]).toEqual([5_400_000, 3_600_000, 5_400_000, undefined]);
  });
});
