/**
 * Issue 11 §4: JSON nested 100,000 levels deep from an authorization server (a metadata document in a trace, the
 * claims of a token) is refused before any recursive walk; before, building the trace or the token view ended in
 * "Maximum call stack size exceeded".
 */
import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, JsonDepthScanner } from '../../main/limits.ts';
import { redactBody } from '../../main/oauth/trace.ts';
import { tokenView } from '../../main/oauth/views.ts';
import type { TokenSetRecord } from '../../main/oauth/store.ts';

const DEPTH = 100_000;
const deepText = `{"a":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;

describe('deep JSON', () => {
  it('is measured without recursion, whole or streamed', () => {
    expect(jsonDepthExceeds(JSON.parse(deepText))).toBe(true);
    expect(jsonDepthExceeds({ a: [[{ b: 1 }]] })).toBe(false);
    const scanner = new JsonDepthScanner(100);
    const bytes = new TextEncoder().encode(deepText);
    expect(scanner.push(bytes.subarray(0, 50)) && scanner.push(bytes.subarray(50))).toBe(false);
    // Brackets inside strings do not count.
    expect(new JsonDepthScanner(3).push(new TextEncoder().encode(`{"s":"${'['.repeat(50)}"}`))).toBe(true);
  });

  it('a metadata document nested 100,000 levels deep is left out of the trace, not a stack overflow', () => {
    expect(() => redactBody(deepText)).not.toThrow();
    expect(redactBody(deepText)).toMatch(/nested deeper than 100 levels: not shown/);
  });

  it('a token whose claims nest 100,000 levels deep is shown as opaque, not decoded', () => {
    const part = (v: string) => Buffer.from(v).toString('base64url');
    const jwt = `${part('{"alg":"RS256"}')}.${part(deepText)}.sig`;
    const record = { accessToken: jwt, tokenType: 'Bearer', scopes: [], resource: 'https://r.example/mcp' } as unknown as TokenSetRecord;
    const view = tokenView('access', jwt, record);
    expect(view.format).toBe('opaque');
    expect(() => JSON.stringify(view)).not.toThrow();
  });
});
