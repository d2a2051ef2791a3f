/**
 * The compatibility settings in the server list (issue 12): what the dialog and the CLI send is stored, an edit's
 * `null` removes one, and a value that would weaken a sign-in is refused — also in a hand-edited servers.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addServerFromInput, updateServerFromInput } from '../../main/config/servers.ts';
import { toAuthSettingsView } from '../../main/config/schema.ts';
import { ConfigStore } from '../../main/config/store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function store(): ConfigStore {
  const d = mkdtempSync(join(tmpdir(), 'keyport-compat-config-'));
  dirs.push(d);
  return new ConfigStore(d);
}

describe('compatibility settings in servers.json', () => {
  it('are stored as given, shown in the view, and an edit with null removes exactly that setting', async () => {
    const config = store();
    const added = await addServerFromInput(config, undefined, {
      url: 'https://mcp.example.com/mcp',
      auth: { audience: 'https://api.example.com', authorizationParams: { access_type: 'offline' }, callbackHost: 'localhost', callbackPath: '/cb', assumePkceS256: true, resourceOverride: null },
    });
    expect(toAuthSettingsView(added.auth)).toMatchObject({ audience: 'https://api.example.com', authorizationParams: { access_type: 'offline' }, callbackHost: 'localhost', callbackPath: '/cb', assumePkceS256: true });
    expect(added.auth).not.toHaveProperty('resourceOverride');
    const edited = await updateServerFromInput(config, undefined, added.id, { url: added.url!, auth: { audience: null, callbackPath: '/other', scope: null } });
    expect(edited.auth).not.toHaveProperty('audience');
    expect(edited.auth).toMatchObject({ callbackPath: '/other', callbackHost: 'localhost', assumePkceS256: true, authorizationParams: { access_type: 'offline' } });
    expect((await config.load())[0]?.auth).toEqual(edited.auth);
  });

  it.each([
    [{ authorizationParams: { state: 'x' } }, /extra authorization parameters \(--auth-param\) setting cannot be used: state is set by Keyport itself/],
    [{ authorizationParams: { Code_Challenge: 'x' } }, /code_challenge is set by Keyport itself/],
    [{ authorizationEndpoint: 'http://login.example.com/a', tokenEndpoint: 'https://login.example.com/t' }, /does not use https/],
    [{ tokenEndpoint: 'https://login.example.com/t' }, /give both the authorization endpoint and the token endpoint/],
    [{ acceptedIssuer: 'https://user:pw@login.example.com' }, /user name and password/],
    [{ callbackPath: '//evil' }, /plain absolute path/],
  ])('refuses %j with the setting named', async (auth, message) => {
    await expect(addServerFromInput(store(), undefined, { url: 'https://mcp.example.com/mcp', auth })).rejects.toMatchObject({ code: 'invalid_server', message: expect.stringMatching(message) });
  });

  it('a hand-edited servers.json with a reserved parameter is refused as damaged, not used', async () => {
    const config = store();
    writeFileSync(
      config.file,
      JSON.stringify({ version: 1, servers: [{ id: 's', name: 's', transport: 'streamable-http', url: 'https://mcp.example.com/mcp', auth: { mode: 'automatic', authorizationParams: { redirect_uri: 'https://evil.example/' } }, createdAt: 0 }] }),
    );
    await expect(config.load()).rejects.toMatchObject({ code: 'config_damaged', message: expect.stringContaining('redirect_uri is set by Keyport itself') });
  });
});
