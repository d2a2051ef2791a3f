import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, readChallenge } from '../../main/oauth/www-authenticate.ts';

describe('WWW-Authenticate grammar (RFC 9110 §11.6.1)', () => {
  it('reads a Bearer challenge with quoted parameters in any order', () => {
    const c = parseWwwAuthenticate('Bearer scope="a b", resource_metadata="https://x/.well-known/oauth-protected-resource", error="invalid_token"');
    expect(c).toEqual([{ scheme: 'bearer', params: { scope: 'a b', resource_metadata: 'https://x/.well-known/oauth-protected-resource', error: 'invalid_token' } }]);
  });

  it('splits several challenges, including one with a comma inside a quoted string', () => {
    const c = parseWwwAuthenticate('Basic realm="a, b", DPoP algs="ES256 RS256", error="use_dpop_nonce", Bearer realm=api');
    expect(c.map((x) => x.scheme)).toEqual(['basic', 'dpop', 'bearer']);
    expect(c[0]!.params.realm).toBe('a, b');
    expect(c[1]!.params).toEqual({ algs: 'ES256 RS256', error: 'use_dpop_nonce' });
    expect(c[2]!.params.realm).toBe('api');
  });

  it('unescapes quoted-pairs and lower-cases scheme and parameter names', () => {
    const c = parseWwwAuthenticate('BEARER Error_Description="say \\"hi\\"", Scope=read');
    expect(c).toEqual([{ scheme: 'bearer', params: { error_description: 'say "hi"', scope: 'read' } }]);
  });

  it('accepts a scheme without parameters and token68 credentials', () => {
    expect(parseWwwAuthenticate('Negotiate')).toEqual([{ scheme: 'negotiate', params: {} }]);
    const c = parseWwwAuthenticate('Negotiate abc123==, Bearer');
    expect(c[0]).toEqual({ scheme: 'negotiate', params: {}, token68: 'abc123==' });
    expect(c[1]!.scheme).toBe('bearer');
  });

  it('returns nothing for an empty or missing header and never throws on garbage', () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(() => parseWwwAuthenticate('"""===,,, ;;; Bearer x="unterminated')).not.toThrow();
  });

  it('summarises the DPoP or Bearer challenge first, whatever the scheme order', () => {
    const info = readChallenge('Basic realm="x", DPoP resource_metadata="https://rs/.well-known/oauth-protected-resource/mcp", scope="mcp:read", error="insufficient_scope"');
    expect(info).toEqual({
      schemes: ['basic', 'dpop'],
      resourceMetadata: 'https://rs/.well-known/oauth-protected-resource/mcp',
      scope: 'mcp:read',
      error: 'insufficient_scope',
    });
  });
});
