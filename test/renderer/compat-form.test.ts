/**
 * The server dialog's compatibility fields (issue 12): what the user types becomes the contract's settings and comes
 * back unchanged when the dialog is opened again; mistakes are named next to the field.
 */
import { describe, expect, it } from 'vitest';
import type { AuthSettingsView } from '../../preload/contract.ts';
import { compatInput, compatProblems, initialCompatState, parseParams } from '../../renderer/src/components/dialogs/compat-form.ts';
import { initialFormState, toServerInput } from '../../renderer/src/components/dialogs/server-form.ts';

describe('compatibility fields of the server dialog', () => {
  it('round-trip: settings → form → input → the same settings', () => {
    const auth: AuthSettingsView = {
      mode: 'preregistered',
      clientId: 'c',
      sendResourceParameter: true,
      dpop: 'auto',
      resourceOverride: 'api://app',
      audience: 'https://api.example.com',
      authorizationParams: { access_type: 'offline', prompt: 'consent' },
      callbackHost: 'localhost',
      callbackPath: '/cb',
      acceptedIssuer: 'https://login.example.com/t/v2.0',
      authorizationEndpoint: 'https://login.example.com/authorize',
      tokenEndpoint: 'https://login.example.com/token',
      assumePkceS256: true,
    };
    const form = initialCompatState(auth);
    expect(compatProblems(form)).toEqual({});
    const { sendResourceParameter, ...rest } = compatInput(form);
    expect(sendResourceParameter).toBe(true);
    const { mode: _m, clientId: _c, sendResourceParameter: _s, dpop: _d, ...expected } = auth;
    expect(rest).toEqual(expected);
  });

  it('emptied fields become null (removed when editing), the default host is not stored, resource off is sent as off', () => {
    const input = toServerInput({ ...initialFormState(undefined, 'https://mcp.example.com/mcp'), resourceChoice: 'off' }).auth!;
    expect(input).toMatchObject({ sendResourceParameter: false, resourceOverride: null, audience: null, authorizationParams: null, callbackHost: null, callbackPath: null, acceptedIssuer: null, authorizationEndpoint: null, tokenEndpoint: null, assumePkceS256: null, scope: null, callbackPort: null });
  });

  it('names the problem next to the field', () => {
    const base = initialCompatState(undefined);
    expect(compatProblems({ ...base, authorizationParams: 'state=x' }).authorizationParams).toBe('Keyport sets state itself; it cannot be overridden.');
    expect(compatProblems({ ...base, authorizationParams: 'scope=x' }).authorizationParams).toBe('Use “Scopes to request” for scope.');
    expect(compatProblems({ ...base, authorizationParams: 'oops' }).authorizationParams).toMatch(/name=value/);
    expect(compatProblems({ ...base, authorizationEndpoint: 'https://a.example/authorize' }).tokenEndpoint).toBe('Enter both endpoints, or neither.');
    expect(compatProblems({ ...base, tokenEndpoint: 'http://a.example/token', authorizationEndpoint: 'https://a.example/authorize' }).tokenEndpoint).toMatch(/only allowed for servers on this computer/);
    expect(compatProblems({ ...base, callbackPath: 'cb' }).callbackPath).toMatch(/starts with \//);
    expect(compatProblems({ ...base, resourceChoice: 'custom', resourceOverride: 'not a uri' }).resourceOverride).toMatch(/absolute URI/);
    expect(parseParams('a=1\n\nb = two words ')).toEqual({ params: { a: '1', b: 'two words' } });
  });
});
