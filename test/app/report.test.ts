/**
 * A sign-in report you can share (issue 14, item 5): "Save sign-in report…" writes one self-contained HTML file (or
 * JSON) of a flow. Fed every secret of real logins against the test bed — access, refresh and ID tokens, the code, the
 * PKCE verifier, a client secret, a registration access token — the files contain none of them; and the HTML is inert
 * (a strict CSP, no script, every server-provided string escaped).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowTraceView } from '../../preload/contract.ts';
import { buildReport } from '../../main/report/build.ts';
import { renderReportHtml } from '../../main/report/html.ts';
import { appAndBedPerTest } from './foresight-helpers.ts';

const env = appAndBedPerTest();
let out: string | undefined;

afterEach(async () => {
  if (out) await rm(out, { recursive: true, force: true });
  out = undefined;
});

const CLIENT_ID = 'keyport-report-confidential';
const CLIENT_SECRET = 'report-test-client-secret-3f9a1c77d2e84b6a';

/** Every secret value that crossed the wire, read from the raw requests and responses (test side only). */
function secretRecorder(): { readonly secrets: Set<string>; readonly fetch: typeof fetch } {
  const secrets = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 8) secrets.add(v);
  };
  return {
    secrets,
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      const auth = headers.get('authorization');
      // RFC 6749 §2.3.1: id:secret, each form-urlencoded; the id is not a secret.
      if (auth?.startsWith('Basic ')) add(decodeURIComponent(Buffer.from(auth.slice(6), 'base64').toString().split(':')[1] ?? ''));
      if (auth && !auth.startsWith('Basic ')) add(auth.split(' ')[1]);
      if (typeof init?.body === 'string' || init?.body instanceof URLSearchParams) {
        const form = new URLSearchParams(String(init.body));
        for (const k of ['code', 'code_verifier', 'client_secret', 'refresh_token', 'token', 'client_assertion']) add(form.get(k));
      }
      const response = await fetch(input, init);
      const text = await response.clone().text().catch(() => '');
      try {
        const json = JSON.parse(text) as Record<string, unknown>;
        for (const k of ['access_token', 'refresh_token', 'id_token', 'registration_access_token', 'client_secret']) add(json[k]);
      } catch {
        // not JSON
      }
      return response;
    },
  };
}

describe('the sign-in report', () => {
  it('of real logins (confidential client with ID token, dynamic registration, a refresh, a denied sign-in) holds no live secret', async () => {
    const wire = secretRecorder();
    // The code and state arrive in the browser's redirect, which the recording fetch does not see: the user agent's does.
    const { bed, app } = await env.open(
      {
        authServer: {
          clients: [
            {
              client_id: CLIENT_ID,
              client_secret: CLIENT_SECRET,
              application_type: 'native',
              token_endpoint_auth_method: 'client_secret_basic',
              redirect_uris: ['http://127.0.0.1/callback'],
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
            },
          ],
        },
        extraMcpServers: { dynamic: {} },
      },
      { core: { fetch: wire.fetch } },
    );
    out = await mkdtemp(join(tmpdir(), 'keyport-report-'));
    const { services } = app.runtime;
    const confidential = await services.servers.add({
      url: bed.mcpUrl,
      name: 'Confidential <b>demo</b>',
      auth: { mode: 'preregistered', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'openid mcp:read mcp:write' },
    });
    const dynamic = await services.servers.add({ url: bed.extraMcpServers!['dynamic']!.url, name: 'Dynamic' });
    const callbackCodes: string[] = [];
    app.browser.options = { fetch: async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const code = url.searchParams.get('code');
      if (code) callbackCodes.push(code);
      return fetch(input, init);
    } };

    const signedIn = await services.auth.signIn(confidential.id);
    expect(signedIn.tokens.map((t) => t.kind)).toEqual(['access', 'refresh', 'id']);
    await services.auth.refresh(confidential.id);
    await services.auth.signIn(dynamic.id);
    app.browser.options = { ...app.browser.options, consent: 'deny' };
    await expect(services.auth.signIn(dynamic.id)).rejects.toMatchObject({ code: 'access_denied' });

    const secrets = [...wire.secrets, ...callbackCodes, CLIENT_SECRET];
    // Each kind of secret was seen, so the search below means something.
    expect(callbackCodes.length).toBeGreaterThanOrEqual(2);
    for (const set of await app.runtime.context.core.secrets().credentials.listTokenSets()) {
      for (const v of [set.accessToken, set.refreshToken, set.idToken]) if (v) expect(secrets).toContain(v);
    }
    const reg = await app.runtime.context.core.secrets().credentials.getRegistration(bed.issuer);
    expect(secrets).toContain(reg!.registrationAccessToken);
    expect([...wire.secrets].some((s) => s.length >= 43 && !s.includes('.'))).toBe(true); // a PKCE verifier

    const written: string[] = [];
    for (const server of [confidential, dynamic]) {
      for (const flow of await services.auth.flows(server.id)) {
        for (const ext of ['html', 'json']) {
          app.saveAs = join(out, `${server.id}-${flow.id}.${ext}`);
          const saved = await services.foresight.saveReport(server.id, flow.id);
          expect(saved).toEqual({ saved: true, file: app.saveAs });
          written.push(app.saveAs);
        }
      }
    }
    expect(written).toHaveLength(8); // 4 flows (2 sign-ins, a refresh, a denied sign-in) × HTML and JSON
    for (const file of written) {
      const text = await readFile(file, 'utf8');
      for (const secret of secrets) {
        const at = text.indexOf(secret);
        expect(at, `${file} contains a live secret: …${text.slice(Math.max(0, at - 120), at)}<SECRET>${text.slice(at + secret.length, at + secret.length + 40)}…`).toBe(-1);
      }
    }

    // The flows kept on disk for `keyport report` are just as clean.
    const kept = (await readdir(app.dataDir, { recursive: true })).filter((f) => f.startsWith('flows') && f.endsWith('.json'));
    expect(kept.length).toBe(4);
    for (const file of kept) {
      const text = await readFile(join(app.dataDir, file), 'utf8');
      for (const secret of secrets) expect(text.includes(secret), file).toBe(false);
    }

    // The failed sign-in's report names the error with its code; the HTML is inert and escapes the server's name.
    const failed = (await services.auth.flows(dynamic.id)).find((f) => f.kind === 'login' && f.outcome === 'failed')!;
    const html = await readFile(join(out, `${dynamic.id}-${failed.id}.html`), 'utf8');
    const json = JSON.parse(await readFile(join(out, `${dynamic.id}-${failed.id}.json`), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ format: 'keyport-sign-in-report', keyport: { version: '0.0.0-test' }, error: { code: 'access_denied' } });
    expect((json['metadata'] as unknown[]).length).toBe(2);
    expect(html).toContain('<code>access_denied</code>');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'none'; script-src 'none'/);
    expect(html).not.toMatch(/<script|<a |<img|<link|<iframe|<form|<[a-z]+ [^>]*\son\w+=/i);
    const confidentialFlow = (await services.auth.flows(confidential.id)).find((f) => f.kind === 'login')!;
    const confidentialHtml = await readFile(join(out, `${confidential.id}-${confidentialFlow.id}.html`), 'utf8');
    expect(confidentialHtml).toContain('Confidential &#60;b&#62;demo&#60;/b&#62;');
    expect(confidentialHtml).not.toContain('<b>demo</b>');
  });

  it('the user cancelling the save dialog writes nothing', async () => {
    const { bed, app } = await env.open();
    const { services } = app.runtime;
    const server = await services.servers.add({ url: bed.mcpUrl, name: 'Demo' });
    await services.auth.signIn(server.id);
    const [flow] = await services.auth.flows(server.id);
    expect(await services.foresight.saveReport(server.id, flow!.id)).toEqual({ saved: false });
  });
});

describe('the report HTML', () => {
  it('escapes hostile server text everywhere and masks token-shaped strings the trace missed', () => {
    const hostile = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>';
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';
    const trace: FlowTraceView = {
      id: 'f1',
      kind: 'login',
      serverUrl: 'https://mcp.example.com/mcp',
      startedAt: 0,
      finishedAt: 10,
      outcome: 'failed',
      steps: [
        {
          name: 'authorization-server-metadata',
          startedAt: 0,
          durationMs: 5,
          outcome: 'ok',
          detail: hostile,
          exchanges: [
            {
              method: 'GET',
              url: `https://as.example.com/.well-known/oauth-authorization-server?x=${encodeURIComponent(hostile)}`,
              status: 200,
              durationMs: 3,
              requestHeaders: { accept: hostile },
              responseHeaders: { 'content-type': 'application/json' },
              responseBody: JSON.stringify({ issuer: 'https://as.example.com', op_policy_uri: hostile, signed: jwt }),
            },
          ],
        },
        { name: 'token-exchange', startedAt: 5, durationMs: 5, outcome: 'failed', error: { code: 'invalid_grant', message: hostile }, exchanges: [] },
      ],
    };
    const report = buildReport({
      flow: { trace },
      server: { name: hostile, url: 'https://mcp.example.com/mcp', transport: 'streamable-http', auth: { mode: 'automatic', sendResourceParameter: true, dpop: 'auto' } },
      keyportVersion: '1.2.3',
      platform: 'linux',
      now: 20,
      secrets: [],
    });
    const html = renderReportHtml(report);
    expect(html).not.toMatch(/<script|<img|onerror=alert\(2\)>/i);
    expect(html).toContain('&#60;/pre&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toContain(jwt);
    expect(report.error).toEqual({ code: 'invalid_grant', message: hostile, step: 'token-exchange' });
    expect(report.metadata).toEqual([{ step: 'authorization-server-metadata', url: expect.any(String), document: { issuer: 'https://as.example.com', op_policy_uri: hostile, signed: '[redacted]' } }]);
  });
});
