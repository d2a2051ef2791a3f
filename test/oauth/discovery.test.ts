import { describe, expect, it } from 'vitest';
import {
  assertPkceS256,
  authorizationServerMetadataUrls,
  discoverAuthorizationServer,
  discoverLegacyAuthorizationServer,
  discoverProtectedResource,
  protectedResourceMetadataUrls,
  resourceMatchesServer,
} from '../../main/oauth/discovery.ts';
import { createOAuthEngine } from '../../main/oauth/engine.ts';
import { OAuthError } from '../../main/oauth/errors.ts';
import type { FetchFn } from '../../main/oauth/http.ts';
import type { FlowTraceView } from '../../preload/contract.ts';
import { mockServersPerTest } from './helpers/setup.ts';

const startMock = mockServersPerTest();

const f: FetchFn = (i, init) => fetch(i, init);

describe('discovery URL order (MCP 2025-11-25)', () => {
  it('tries the header URL, then the path-inserted well-known URL, then the root', () => {
    expect(protectedResourceMetadataUrls('https://rs.example/v1/mcp', 'https://rs.example/meta')).toEqual([
      'https://rs.example/meta',
      'https://rs.example/.well-known/oauth-protected-resource/v1/mcp',
      'https://rs.example/.well-known/oauth-protected-resource',
    ]);
    expect(protectedResourceMetadataUrls('https://rs.example/')).toEqual(['https://rs.example/.well-known/oauth-protected-resource']);
  });

  it('orders AS metadata variants: oauth path-insert, OIDC path-insert, OIDC path-append; never the bare root', () => {
    expect(authorizationServerMetadataUrls('https://as.example/tenant1')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant1',
      'https://as.example/.well-known/openid-configuration/tenant1',
      'https://as.example/tenant1/.well-known/openid-configuration',
    ]);
    expect(authorizationServerMetadataUrls('https://as.example')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
  });

  it('stops at the first document', async () => {
    const seen: string[] = [];
    const fake: FetchFn = async (input) => {
      const url = String(input);
      seen.push(url);
      if (url.endsWith('/.well-known/openid-configuration/tenant1')) return Response.json({ issuer: 'https://as.example/tenant1', code_challenge_methods_supported: ['S256'] });
      return new Response('no', { status: 404 });
    };
    const d = await discoverAuthorizationServer(fake, 'https://as.example/tenant1');
    expect(d.as.issuer).toBe('https://as.example/tenant1');
    expect(seen).toEqual(['https://as.example/.well-known/oauth-authorization-server/tenant1', 'https://as.example/.well-known/openid-configuration/tenant1']);
  });
});

describe('resource identity (RFC 9728 §3.3)', () => {
  it('accepts the server URL, its origin or a path prefix on the same origin', () => {
    expect(resourceMatchesServer('https://rs.example/mcp', 'https://rs.example/mcp')).toBe(true);
    expect(resourceMatchesServer('https://rs.example', 'https://rs.example/mcp')).toBe(true);
    expect(resourceMatchesServer('https://rs.example/api/', 'https://rs.example/api/mcp')).toBe(true);
    expect(resourceMatchesServer('https://rs.example/ap', 'https://rs.example/api/mcp')).toBe(false);
    expect(resourceMatchesServer('https://other.example/mcp', 'https://rs.example/mcp')).toBe(false);
    expect(resourceMatchesServer('https://rs.example/other', 'https://rs.example/mcp')).toBe(false);
  });

  it('aborts with resource_mismatch before any authorization request', async () => {
    const mock = await startMock({ prmResource: 'https://evil.example/mcp' });
    await expect(discoverProtectedResource(f, mock.mcpUrl)).rejects.toMatchObject({ code: 'resource_mismatch' });
    expect(mock.count('/authorize')).toBe(0);
  });

  it('falls back to the root document, and to undefined without RFC 9728', async () => {
    let mock = await startMock({ prm: 'root' });
    const d = await discoverProtectedResource(f, mock.mcpUrl);
    expect(d?.url).toBe(`${mock.url}/.well-known/oauth-protected-resource`);
    await mock.close();
    mock = await startMock({ prm: 'none' });
    expect(await discoverProtectedResource(f, mock.mcpUrl)).toBeUndefined();
  });
});

describe('authorization server metadata', () => {
  it('refuses metadata whose issuer differs (issuer_mismatch)', async () => {
    const mock = await startMock({ metadataIssuer: 'https://evil.example' });
    await expect(discoverAuthorizationServer(f, mock.issuer)).rejects.toMatchObject({ code: 'issuer_mismatch' });
  });

  it('refuses an AS without S256 (pkce_unsupported)', () => {
    expect(() => assertPkceS256({ issuer: 'https://as.example', code_challenge_methods_supported: ['plain'] })).toThrow(OAuthError);
    expect(() => assertPkceS256({ issuer: 'https://as.example' })).toThrow(/S256/);
    expect(() => assertPkceS256({ issuer: 'https://as.example', code_challenge_methods_supported: ['S256'] })).not.toThrow();
  });

  it('uses default endpoints for a 2025-03-26 server without metadata', async () => {
    const fake: FetchFn = async () => new Response('', { status: 404 });
    const d = await discoverLegacyAuthorizationServer(fake, 'https://legacy.example/mcp');
    expect(d.source).toBe('legacy-defaults');
    expect(d.as).toMatchObject({ issuer: 'https://legacy.example', authorization_endpoint: 'https://legacy.example/authorize', token_endpoint: 'https://legacy.example/token', registration_endpoint: 'https://legacy.example/register' });
  });

  it('does not follow redirects and caps the document size', async () => {
    const redirect: FetchFn = async (_i, init) => {
      expect(init?.redirect).toBe('manual');
      return new Response(null, { status: 302, headers: { location: 'https://evil.example/meta' } });
    };
    await expect(discoverAuthorizationServer(redirect, 'https://as.example')).rejects.toMatchObject({ code: 'discovery_failed' });
    const huge: FetchFn = async () => new Response('{"issuer":"https://as.example","x":"' + 'a'.repeat(300_000) + '"}', { status: 200 });
    await expect(discoverAuthorizationServer(huge, 'https://as.example')).rejects.toMatchObject({ code: 'discovery_failed' });
  });

  it('refuses non-https endpoints off loopback', async () => {
    await expect(discoverAuthorizationServer(f, 'http://as.example')).rejects.toMatchObject({ code: 'unsafe_url' });
  });
});

describe('the well-known resource metadata request sent with the probe', () => {
  // A server whose probe answer names `headerUrl` (or nothing); its path-inserted well-known document names another AS.
  function fakeServer(headerUrl: string | undefined): { fetch: FetchFn; seen: string[] } {
    const seen: string[] = [];
    const prm = (as: string) => Response.json({ resource: 'https://rs.example/mcp', authorization_servers: [as] });
    const fetchFn: FetchFn = async (input, init) => {
      const url = String(input);
      seen.push(`${init?.method ?? 'GET'} ${url}`);
      if (url === 'https://rs.example/mcp') return new Response(null, { status: 401, headers: headerUrl ? { 'www-authenticate': `Bearer resource_metadata="${headerUrl}"` } : {} });
      if (url === 'https://rs.example/meta') return prm('https://as.example');
      if (url === 'https://rs.example/.well-known/oauth-protected-resource/mcp') return prm(headerUrl ? 'https://other-as.example' : 'https://as.example');
      // No S256: the login stops right after discovery, before any registration or browser.
      if (url === 'https://as.example/.well-known/oauth-authorization-server') return Response.json({ issuer: 'https://as.example', authorization_endpoint: 'https://as.example/auth', token_endpoint: 'https://as.example/token' });
      return new Response('no', { status: 404 });
    };
    return { fetch: fetchFn, seen };
  }

  async function login(server: { fetch: FetchFn }): Promise<FlowTraceView> {
    let trace: FlowTraceView | undefined;
    const engine = createOAuthEngine({ fetch: server.fetch, openBrowser: async () => undefined, onTrace: (t) => (trace = t) });
    await expect(engine.login({ serverUrl: 'https://rs.example/mcp' })).rejects.toMatchObject({ code: 'pkce_unsupported' });
    return trace!;
  }

  it('is not used when the challenge names another metadata URL (the header URL wins), and the trace shows it', async () => {
    const server = fakeServer('https://rs.example/meta');
    const trace = await login(server);
    expect(server.seen).toContain('GET https://as.example/.well-known/oauth-authorization-server');
    expect(server.seen.some((u) => u.includes('other-as.example'))).toBe(false);
    const step = trace.steps.find((s) => s.name === 'protected-resource-metadata')!;
    expect(step.detail).toContain('from https://rs.example/meta');
    expect(step.detail).toContain('was not needed');
    expect(step.exchanges.map((e) => e.url).sort()).toEqual(['https://rs.example/.well-known/oauth-protected-resource/mcp', 'https://rs.example/meta']);
  });

  it('stands in for the path-inserted request when the order reaches it: one request, filed under discovery', async () => {
    const server = fakeServer(undefined);
    const trace = await login(server);
    expect(server.seen.filter((u) => u.includes('/.well-known/oauth-protected-resource'))).toEqual(['GET https://rs.example/.well-known/oauth-protected-resource/mcp']);
    const step = trace.steps.find((s) => s.name === 'protected-resource-metadata')!;
    expect(step.detail).toBe('resource https://rs.example/mcp from https://rs.example/.well-known/oauth-protected-resource/mcp');
    expect(step.exchanges.map((e) => e.url)).toEqual(['https://rs.example/.well-known/oauth-protected-resource/mcp']);
    expect(trace.steps.find((s) => s.name === 'probe')!.exchanges.map((e) => e.url)).toEqual(['https://rs.example/mcp']);
  });
});
