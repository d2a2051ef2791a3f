/**
 * Issue 10 item 3: a sign-in that ended without a refresh token says so in `keyport status`, with when the user will
 * have to sign in again; other lifetimes keep their short form.
 */
import { describe, expect, it } from 'vitest';
import { describeLifetimes, lifetimeNotes } from '../../main/cli/lifetimes.ts';
import { DEFAULT_EXPIRY_WARNINGS } from '../../main/oauth/index.ts';

const now = Date.parse('2026-12-06T10:00:00Z');

describe('keyport status lifetimes', () => {
  it('a grant that ends with its access token (no refresh token) says the user will sign in again, and when', () => {
    const notes = lifetimeNotes([{ subject: 'grant', source: 'access-token', expiresAt: now + 3_600_000 }], now, DEFAULT_EXPIRY_WARNINGS);
    expect(describeLifetimes(notes, now)).toBe('; no refresh token: you will have to sign in again when this token expires at 2026-12-06T11:00:00Z (in 1h 0m) (!)');
  });

  it('a refresh token with a known end keeps the short form', () => {
    const notes = lifetimeNotes([{ subject: 'grant', source: 'refresh_token_expires_in', expiresAt: now + 30 * 24 * 3_600_000 }], now, DEFAULT_EXPIRY_WARNINGS);
    expect(describeLifetimes(notes, now)).toMatch(/^; sign-in ends in /);
  });
});
