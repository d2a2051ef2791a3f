import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../main/oauth/errors.ts';
import { assertSafeBrowserUrl, insecureOptionFor, isLoopbackHost } from '../../main/oauth/url-safety.ts';

describe('URL safety', () => {
  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1', 'app.localhost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.1', 'example.com', '127.0.0.1.nip.io', 'localhost.evil.com']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('opens only https or loopback http in the browser', () => {
    expect(assertSafeBrowserUrl('https://as.example/authorize').href).toBe('https://as.example/authorize');
    expect(assertSafeBrowserUrl('http://127.0.0.1:8080/authorize').protocol).toBe('http:');
    for (const bad of ['http://as.example/authorize', 'javascript:alert(1)', 'file:///etc/passwd', 'ms-settings:', 'not a url']) {
      expect(() => assertSafeBrowserUrl(bad)).toThrow(OAuthError);
      try {
        assertSafeBrowserUrl(bad);
      } catch (e) {
        expect((e as OAuthError).code).toBe('unsafe_url');
      }
    }
  });

  it('grants oauth4webapi\'s insecure-request opt-in only to loopback http', () => {
    expect(insecureOptionFor('http://127.0.0.1/token')).toBe(true);
    expect(insecureOptionFor('http://as.example/token')).toBe(false);
    expect(insecureOptionFor('https://as.example/token')).toBe(false);
    expect(insecureOptionFor(undefined)).toBe(false);
  });
});
