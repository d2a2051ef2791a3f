/**
 * Issue 10 items 1 and 3 against the real authorization server (oidc-provider 9, which advertises DPoP by default)
 * and real MCP servers: a Bearer-only MCP server behind it works end to end with Bearer tokens and no proof at the
 * token endpoint; the test bed's DPoP-asking server still gets DPoP-bound tokens; and an OpenID provider with its
 * default refresh-token rule gives a refresh token because Keyport sends `prompt=consent` with `offline_access`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchFn } from '../../main/oauth/index.ts';
import { startTestBed, VARIANT_MCP_SERVERS, type TestBed } from '../servers/testbed.ts';
import { connectionFor, engineFor } from '../mcp/helpers/engine-bed.ts';

/** A fetch that remembers the headers of every request to the token endpoint. */
function recordingTokenRequests(): { readonly fetch: FetchFn; readonly dpopProofs: () => number; readonly count: () => number } {
  const seen: Headers[] = [];
  return {
    fetch: async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith('/token')) seen.push(new Headers(init?.headers));
      return globalThis.fetch(input, init);
    },
    dpopProofs: () => seen.filter((h) => h.has('dpop')).length,
    count: () => seen.length,
  };
}

describe('DPoP only when the resource asks for it (real oidc-provider, DPoP advertised)', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed({ extraMcpServers: { 'bearer-only': VARIANT_MCP_SERVERS['bearer-only'] } });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('a Bearer-only MCP server: sign-in, tools, a call and a refresh all use Bearer, with no proof at the token endpoint', async () => {
    const recording = recordingTokenRequests();
    const serverUrl = bed.extraMcpServers!['bearer-only']!.url;
    const s = engineFor(bed, 'alice', { serverUrl, fetch: recording.fetch });
    const view = await s.engine.login(s.target);
    expect(view.binding).toEqual({ scheme: 'Bearer', reason: 'Bearer — the resource does not ask for DPoP' });
    expect(view.tokens.find((t) => t.kind === 'access')!.tokenType).not.toBe('DPoP');
    const connection = connectionFor(bed, s);
    try {
      await connection.connect();
      const tools = await connection.listTools();
      expect(tools.map((t) => t.name)).toContain('get_user_profile');
      const result = await connection.callTool('get_user_profile', {});
      expect(result.isError).toBe(false);
      await s.engine.refresh(s.target);
      expect((await connection.callTool('get_user_profile', {})).isError).toBe(false);
    } finally {
      await connection.disconnect();
    }
    expect(recording.count()).toBe(2);
    expect(recording.dpopProofs()).toBe(0);
  });

  it('the test bed’s DPoP-asking server still gets DPoP-bound tokens', async () => {
    const recording = recordingTokenRequests();
    const s = engineFor(bed, 'alice', { fetch: recording.fetch });
    const view = await s.engine.login(s.target);
    expect(view.binding?.scheme).toBe('DPoP');
    expect(view.tokens.find((t) => t.kind === 'access')!.dpopJkt).toBeTruthy();
    expect(recording.dpopProofs()).toBe(1);
    const connection = connectionFor(bed, s);
    try {
      await connection.connect();
      expect((await connection.callTool('get_user_profile', {})).isError).toBe(false);
    } finally {
      await connection.disconnect();
    }
  });
});

describe('a refresh token from an OpenID provider with its defaults (OpenID Connect Core §11)', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed({ authServer: { oidcRefreshTokenDefaults: true } });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('asks for offline_access with prompt=consent and gets a refresh token', async () => {
    bed.authServer.clearLog();
    const s = engineFor(bed, 'alice');
    const view = await s.engine.login(s.target);
    const authorization = bed.authServer.log.find((r) => r.endpoint === 'authorization')!;
    expect(authorization.params?.scope?.split(' ')).toContain('offline_access');
    expect(authorization.params?.prompt).toBe('consent');
    expect(view.tokens.map((t) => t.kind)).toContain('refresh');
  });

  it('leaves prompt alone when the server’s settings set it, and then says no refresh token came', async () => {
    bed.authServer.clearLog();
    const s = engineFor(bed, 'alice');
    const target = { ...s.target, settings: { ...s.target.settings, authorizationParams: { prompt: 'login' } } };
    const view = await s.engine.login(target);
    expect(bed.authServer.log.find((r) => r.endpoint === 'authorization')!.params?.prompt).toBe('login');
    expect(view.tokens.map((t) => t.kind)).not.toContain('refresh');
  });
});
