/**
 * The status machine as a pure function: every transition the UI relies on, without a server.
 */
import { describe, expect, it } from 'vitest';
import { createStatusHolder, nextStatus } from '../../main/mcp/status.ts';
import type { StatusMemory } from '../../main/mcp/status.ts';
import { McpConnectionError, toMcpError } from '../../main/mcp/errors.ts';
import type { ServerStatus } from '../../preload/contract.ts';

const at = (status: ServerStatus): StatusMemory => ({ status });
const NOW = 1_000;

describe('nextStatus', () => {
  it('connect → connecting → connected → disconnected', () => {
    let m = nextStatus(at({ state: 'disconnected' }), { type: 'connect' }, NOW);
    expect(m.status).toEqual({ state: 'connecting' });
    m = nextStatus(m, { type: 'open' }, NOW);
    expect(m.status).toEqual({ state: 'connected', since: NOW });
    m = nextStatus(m, { type: 'disconnect' }, NOW);
    expect(m.status).toEqual({ state: 'disconnected' });
  });

  it('maps failures by code: sign-in, step-up (with tool), error with what to do', () => {
    const signIn = new McpConnectionError('needs_sign_in', 'Sign in again.');
    expect(nextStatus(at({ state: 'connecting' }), { type: 'fail', error: signIn }, NOW).status).toEqual({ state: 'needs-sign-in', reason: 'Sign in again.' });
    const stepUp = new McpConnectionError('insufficient_scope', 'More.', { scopes: ['a', 'b'], tool: 'write_data' });
    expect(nextStatus(at({ state: 'connected', since: 1 }), { type: 'fail', error: stepUp }, NOW).status).toEqual({
      state: 'step-up-needed',
      scopes: ['a', 'b'],
      tool: 'write_data',
    });
    const down = new McpConnectionError('server_unreachable', 'Nothing answers.');
    expect(nextStatus(at({ state: 'connected', since: 1 }), { type: 'fail', error: down }, NOW).status).toEqual({
      state: 'error',
      error: { code: 'server_unreachable', message: 'Nothing answers.' },
    });
  });

  it('refreshing returns to where it was', () => {
    const connected: ServerStatus = { state: 'connected', since: 5 };
    let m = nextStatus(at(connected), { type: 'auth', event: { type: 'refreshing' } }, NOW);
    expect(m.status).toEqual({ state: 'refreshing' });
    m = nextStatus(m, { type: 'auth', event: { type: 'refreshing' } }, NOW);
    m = nextStatus(m, { type: 'auth', event: { type: 'refreshed' } }, NOW);
    expect(m.status).toEqual(connected);
    // a stray "refreshed" changes nothing
    expect(nextStatus(at(connected), { type: 'auth', event: { type: 'refreshed' } }, NOW).status).toEqual(connected);
  });

  it('signing-in → signed-in goes back to connecting', () => {
    let m = nextStatus(at({ state: 'needs-sign-in' }), { type: 'auth', event: { type: 'signing-in', authorizationServer: 'https://as' } }, NOW);
    expect(m.status).toEqual({ state: 'signing-in', authorizationServer: 'https://as', since: NOW });
    m = nextStatus(m, { type: 'auth', event: { type: 'signed-in' } }, NOW);
    expect(m.status).toEqual({ state: 'connecting' });
  });

  it('a successful request clears step-up-needed and error, and nothing else', () => {
    expect(nextStatus(at({ state: 'step-up-needed', scopes: ['x'] }), { type: 'request-ok' }, NOW).status).toEqual({ state: 'connected', since: NOW });
    const m = at({ state: 'refreshing' });
    expect(nextStatus(m, { type: 'request-ok' }, NOW)).toBe(m);
  });

  it('engine failures become error statuses with their code', () => {
    expect(nextStatus(at({ state: 'connected', since: 1 }), { type: 'auth', event: { type: 'failed', code: 'invalid_grant', message: 'Sign in again.' } }, NOW).status).toEqual({
      state: 'error',
      error: { code: 'invalid_grant', message: 'Sign in again.' },
    });
  });
});

describe('createStatusHolder', () => {
  it('emits only real changes', () => {
    const h = createStatusHolder(() => NOW);
    const seen: ServerStatus[] = [];
    h.subscribe((s) => seen.push(s));
    h.dispatch({ type: 'connect' });
    h.dispatch({ type: 'connect' });
    h.dispatch({ type: 'open' });
    h.dispatch({ type: 'request-ok' });
    expect(seen).toEqual([{ state: 'connecting' }, { state: 'connected', since: NOW }]);
  });
});

describe('toMcpError', () => {
  it('understands the engine\'s challenge codes without importing it', () => {
    expect(toMcpError(Object.assign(new Error('x'), { code: 'not_signed_in' })).code).toBe('needs_sign_in');
    const e = toMcpError(Object.assign(new Error('x'), { code: 'insufficient_scope', scopes: ['read', 'write'] }), { tool: 't' });
    expect(e).toMatchObject({ code: 'insufficient_scope', scopes: ['read', 'write'], tool: 't' });
    expect(toMcpError(Object.assign(new Error('x'), { code: 'step_up_limit' })).code).toBe('access_denied');
  });

  it('never puts the original (server-controlled) message in its own', () => {
    const e = toMcpError(new Error('<script>alert(1)</script>'), { url: 'http://127.0.0.1:9/mcp' });
    expect(e.message).not.toContain('<script>');
    expect(e.toJSON()).toEqual({ code: e.code, message: e.message });
  });
});
