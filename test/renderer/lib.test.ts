/**
 * The renderer's pure helpers: the form generated from a tool's inputSchema (types, nesting, arrays, enums, required
 * markers, defaults, back to arguments), the content safety checks, the time formatting, and the server form's
 * private key rules.
 */
import { describe, expect, it } from 'vitest';
import { buildArguments, draftOfValue, fieldSpecOf, initialDraft, type Draft } from '../../renderer/src/lib/schema-form.ts';
import { audioDataUri, imageDataUri, isOpenableLink } from '../../renderer/src/lib/safe-content.ts';
import { epochToMs, formatDuration, formatSpan, relativeTo } from '../../renderer/src/lib/time.ts';
import { urlProblem } from '../../renderer/src/lib/url-problem.ts';
import { fresher } from '../../renderer/src/store/flows-slice.ts';
import { formProblems, initialFormState, toServerInput } from '../../renderer/src/components/dialogs/server-form.ts';
import type { FlowTraceView, ServerView } from '../../preload/contract.ts';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', title: 'Name', default: 'x' },
    count: { type: 'integer', minimum: 1, default: 3 },
    ratio: { type: 'number' },
    on: { type: 'boolean', default: true },
    colour: { type: 'string', enum: ['red', 'green'] },
    tags: { type: 'array', items: { type: 'string' } },
    nested: { type: 'object', properties: { deep: { type: 'string' }, level: { type: 'integer' } }, required: ['deep'] },
    anything: {},
  },
  required: ['name', 'colour'],
};

describe('schema form', () => {
  it('models every field kind with required markers and defaults', () => {
    const spec = fieldSpecOf(schema);
    expect(spec.kind).toBe('object');
    if (spec.kind !== 'object') return;
    expect(spec.properties.map((p) => [p.name, p.spec.kind, p.required])).toEqual([
      ['name', 'string', true],
      ['count', 'number', false],
      ['ratio', 'number', false],
      ['on', 'boolean', false],
      ['colour', 'enum', true],
      ['tags', 'array', false],
      ['nested', 'object', false],
      ['anything', 'json', false],
    ]);
    expect(initialDraft(spec)).toMatchObject({ name: 'x', count: '3', on: true, colour: '', tags: [] });
  });

  it('builds arguments, leaving empty optional fields out and reporting what is missing or wrong', () => {
    const spec = fieldSpecOf(schema);
    const draft = initialDraft(spec) as Record<string, Draft>;
    expect(buildArguments(spec, draft).problems).toEqual(['colour is required.']);
    const filled = { ...draft, colour: '"green"', tags: ['a', 'b'], nested: { deep: 'yes', level: '2' }, anything: '{"k":[1]}' };
    expect(buildArguments(spec, filled)).toEqual({
      args: { name: 'x', count: 3, on: true, colour: 'green', tags: ['a', 'b'], nested: { deep: 'yes', level: 2 }, anything: { k: [1] } },
      problems: [],
    });
    expect(buildArguments(spec, { ...filled, count: '0', ratio: 'abc', nested: { level: '1' } }).problems).toEqual([
      'count must be at least 1.',
      'ratio must be a number.',
      'nested.deep is required.',
    ]);
    expect(buildArguments(spec, { ...filled, nested: {} }).problems).toEqual([]);
  });

  it('round-trips through the raw JSON editor', () => {
    const spec = fieldSpecOf(schema);
    const value = { name: 'n', colour: 'red', tags: ['t'], nested: { deep: 'd' } };
    expect(buildArguments(spec, draftOfValue(spec, value)).args).toEqual(value);
  });

  it('falls back to raw JSON for schemas it cannot model, and survives hostile schemas', () => {
    expect(fieldSpecOf(undefined).kind).toBe('json');
    expect(fieldSpecOf({ type: 'object' }).kind).toBe('json');
    expect(fieldSpecOf({ oneOf: [{ type: 'string' }] }).kind).toBe('json');
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 50; i += 1) deep = { type: 'object', properties: { x: deep } };
    expect(() => fieldSpecOf(deep)).not.toThrow();
  });
});

describe('content safety', () => {
  it('shows images only from data: URIs of plain image types with base64 data', () => {
    expect(imageDataUri('image/png', 'iVBORw0KGgo=')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(imageDataUri('image/svg+xml', 'PHN2Zz4=')).toBeUndefined();
    expect(imageDataUri('text/html', 'PHNjcmlwdD4=')).toBeUndefined();
    expect(imageDataUri('image/png', '"><script>')).toBeUndefined();
    expect(audioDataUri('audio/wav', 'AAAA')).toBe('data:audio/wav;base64,AAAA');
    expect(audioDataUri('text/html', 'AAAA')).toBeUndefined();
  });

  it('opens only http(s) links', () => {
    expect(isOpenableLink('https://example.com/a')).toBe(true);
    expect(isOpenableLink('http://127.0.0.1:9/')).toBe(true);
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'user://notes/1', 'not a url']) {
      expect(isOpenableLink(bad)).toBe(false);
    }
  });

  it('validates server URLs as the user types', () => {
    expect(urlProblem('https://example.com/mcp')).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:9001/mcp')).toBeUndefined();
    expect(urlProblem('http://example.com/mcp')).toMatch(/only allowed for servers on this computer/);
    expect(urlProblem('ftp://example.com')).toMatch(/https/);
    expect(urlProblem('https://user:pw@example.com')).toMatch(/user name/);
    expect(urlProblem('example')).toMatch(/not a URL/);
  });
});

describe('times', () => {
  it('gives relative hints and durations', () => {
    expect(relativeTo(10_000 + 65_000, 10_000)).toBe('in 1 min 5 s');
    expect(relativeTo(10_000, 10_000 + 3 * 3600_000)).toBe('3 h ago');
    expect(relativeTo(10_000, 10_200)).toBe('just now');
    expect(formatSpan(3 * 86_400_000)).toBe('3 d');
    expect(formatDuration(85.4)).toBe('85 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(epochToMs(1_700_000_000)).toBe(1_700_000_000_000);
    expect(epochToMs(1_700_000_000_000)).toBe(1_700_000_000_000);
  });
});

describe('flow snapshots', () => {
  const step = { name: 's', startedAt: 1, durationMs: 1, outcome: 'ok' as const, exchanges: [] };
  const trace = (outcome: FlowTraceView['outcome'], steps: number): FlowTraceView => ({
    id: 't',
    kind: 'login',
    serverUrl: 'https://example.com/mcp',
    startedAt: 1,
    outcome,
    steps: Array.from({ length: steps }, () => step),
  });

  it('never lets a stale running snapshot replace a finished trace (a list answer can cross a pushed event)', () => {
    expect(fresher(trace('failed', 6), trace('running', 5)).outcome).toBe('failed');
    expect(fresher(trace('running', 5), trace('ok', 7)).outcome).toBe('ok');
    expect(fresher(trace('running', 6), trace('running', 4)).steps).toHaveLength(6);
    expect(fresher(undefined, trace('running', 1)).steps).toHaveLength(1);
  });
});

describe('server form: the private key for private_key_jwt', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
  const client = { ...initialFormState(undefined, 'https://mcp.example.com/mcp'), mode: 'preregistered' as const, clientId: 'c', authMethod: 'private_key_jwt' as const };
  const withStoredKey = { auth: { mode: 'preregistered', clientId: 'c', tokenEndpointAuthMethod: 'private_key_jwt', hasPrivateKey: true } } as unknown as ServerView;

  it('asks for a key unless one is entered or stored, and refuses text that is plainly not a key', () => {
    expect(formProblems(client).privateKey).toBe('private_key_jwt needs the client’s private key (PEM or JWK).');
    expect(formProblems(client, withStoredKey).privateKey).toBeUndefined();
    expect(formProblems({ ...client, privateKey: pem }).privateKey).toBeUndefined();
    expect(formProblems({ ...client, privateKey: ' {"kty":"EC","d":"x"} ' }).privateKey).toBeUndefined();
    expect(formProblems({ ...client, privateKey: 'hunter2' }).privateKey).toBe('Paste the whole key, including its BEGIN and END lines, or a JWK.');
    expect(formProblems({ ...client, authMethod: 'client_secret_basic' }).privateKey).toBeUndefined();
    expect(formProblems({ ...client, mode: 'automatic', privateKey: 'hunter2' }).privateKey).toBeUndefined();
  });

  it('sends the key only for a client mode and only when the field is not empty', () => {
    expect(toServerInput({ ...client, privateKey: pem }).auth?.privateKey).toBe(pem.trim());
    expect(toServerInput({ ...client, mode: 'client-credentials', privateKey: pem }).auth?.privateKey).toBe(pem.trim());
    expect(toServerInput(client).auth).not.toHaveProperty('privateKey');
    expect(toServerInput({ ...client, privateKey: '  \n' }).auth).not.toHaveProperty('privateKey');
    expect(toServerInput({ ...client, mode: 'automatic', privateKey: pem }).auth).not.toHaveProperty('privateKey');
    expect(toServerInput({ ...client, mode: 'none', privateKey: pem }).auth).not.toHaveProperty('privateKey');
  });
});
