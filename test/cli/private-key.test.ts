/**
 * `private_key_jwt` end to end through the CLI against oidc-provider. A machine client (client credentials) with an RSA
 * key in the PKCS #1 PEM that `openssl genrsa` writes; and a pre-registered app client signing in a user through the
 * browser with an EC key given as a JWK (its `kid` goes into the assertion header). Each key file goes into the
 * keychain, the server list keeps only its id, and the tokens work at the MCP server.
 */
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { startTestBed } from '../servers/testbed.ts';
import type { TestBed } from '../servers/testbed.ts';
import { runBin } from './helpers.ts';

const CLIENT_ID = 'keyport-machine';
const APP_CLIENT_ID = 'keyport-signed-app';
const appKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const appJwk = { ...appKey.privateKey.export({ format: 'jwk' }), kid: 'app-key-1' };
const agent = fileURLToPath(new URL('../servers/browser-agent.ts', import.meta.url));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1Pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

let bed: TestBed;
let work: string;
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-pkjwt-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  bed = await startTestBed({
    authServer: {
      clients: [
        {
          client_id: CLIENT_ID,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'machine-1', alg: 'RS256', use: 'sig' }] },
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: APP_CLIENT_ID,
          application_type: 'native',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...appKey.publicKey.export({ format: 'jwk' }), kid: 'app-key-1', alg: 'ES256', use: 'sig' }] },
          redirect_uris: ['http://127.0.0.1/callback'],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
    },
  });
  work = mkdtempSync(join(tmpdir(), 'keyport-pkjwt-keys-'));
  writeFileSync(join(work, 'machine.pem'), pkcs1Pem, { mode: 0o600 });
  writeFileSync(join(work, 'machine.pub.pem'), publicPem);
  writeFileSync(join(work, 'app.jwk'), JSON.stringify(appJwk), { mode: 0o600 });
});

afterAll(async () => {
  for (const dir of dirs) {
    const secrets = openKeychainSecrets(dir);
    for (const item of await secrets.store.list()) await secrets.store.delete(item.account);
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
  await bed?.close();
});

describe('private_key_jwt through the CLI', () => {
  it('keeps the key in the keychain, signs in with a client assertion and calls a tool', async () => {
    const d = dataDir();
    const cli = (argv: readonly string[]) => runBin(['--data-dir', d, ...argv], { timeoutMs: 60_000 });
    const add = await cli(['servers', 'add', bed.mcpUrl, '--name', 'machine', '--client-id', CLIENT_ID, '--private-key-file', join(work, 'machine.pem'), '--client-credentials', '--scope', 'mcp:read']);
    expect(add.code, add.stderr).toBe(0);

    const list = JSON.parse((await cli(['--json', 'servers', 'list'])).stdout) as { servers: { auth: Record<string, unknown> }[] };
    expect(list.servers[0]?.auth).toMatchObject({ mode: 'client-credentials', clientId: CLIENT_ID, tokenEndpointAuthMethod: 'private_key_jwt', hasPrivateKey: true });
    const onDisk = readFileSync(join(d, 'servers.json'), 'utf8');
    expect(onDisk).not.toContain('PRIVATE KEY');
    expect(onDisk).toContain('privateKeyRef');

    const login = await cli(['login', 'machine']);
    expect(login.code, login.stderr).toBe(0);
    const [set] = await openKeychainSecrets(d).credentials.listTokenSets();
    expect(decodeJwt(set!.accessToken)).toMatchObject({ sub: CLIENT_ID, aud: bed.mcpUrl, scope: 'mcp:read' });
    const call = await cli(['call', 'machine', 'public_info']);
    expect(call.code, call.stderr).toBe(0);
    for (const out of [add, login, call]) expect(out.stdout + out.stderr).not.toContain('PRIVATE KEY');
  });

  it('signs a user in through the browser as a pre-registered client with a JWK key, and refreshes with it', async () => {
    const d = dataDir();
    const cli = (argv: readonly string[]) => runBin(['--data-dir', d, ...argv], { timeoutMs: 60_000, env: { BROWSER: '' } });
    const add = await cli(['servers', 'add', bed.mcpUrl, '--name', 'app', '--client-id', APP_CLIENT_ID, '--private-key-file', join(work, 'app.jwk')]);
    expect(add.code, add.stderr).toBe(0);
    // A short-lived access token, expired by the next command, which therefore refreshes before using it.
    bed.authServer.setTokenTtls({ accessToken: 2 });
    const login = await cli(['login', 'app', '--browser-command', `"${process.execPath}" "${agent}"`]);
    bed.authServer.setTokenTtls({ accessToken: 3600 });
    expect(login.code, login.stderr).toBe(0);
    const [set] = await openKeychainSecrets(d).credentials.listTokenSets();
    expect(decodeJwt(set!.accessToken)).toMatchObject({ sub: 'alice', client_id: APP_CLIENT_ID, aud: bed.mcpUrl });
    expect(set!.refreshToken).toEqual(expect.any(String));
    // The refresh authenticates with a new assertion from the stored key.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const call = await cli(['call', 'app', 'get_user_profile']);
    expect(call.code, call.stderr).toBe(0);
    const [after] = await openKeychainSecrets(d).credentials.listTokenSets();
    expect(after!.refreshHistory.at(-1)).toMatchObject({ outcome: 'ok' });
    expect(after!.accessToken).not.toBe(set!.accessToken);
    expect(readFileSync(join(d, 'servers.json'), 'utf8')).not.toContain(String(appJwk.d));
  });

  it('refuses a public key with the reason, and adds nothing', async () => {
    const d = dataDir();
    const add = await runBin(['--data-dir', d, 'servers', 'add', bed.mcpUrl, '--client-id', CLIENT_ID, '--private-key-file', join(work, 'machine.pub.pem')]);
    expect(add.code).not.toBe(0);
    expect(add.stderr).toMatch(/public key/);
    expect((await runBin(['--data-dir', d, '--json', 'servers', 'list'])).stdout).toContain('"servers":[]');
    expect((await openKeychainSecrets(d).store.list()).filter((i) => i.account.startsWith('secret:'))).toEqual([]);
  });

  it('says which file it could not read', async () => {
    const d = dataDir();
    const add = await runBin(['--data-dir', d, 'servers', 'add', bed.mcpUrl, '--client-id', CLIENT_ID, '--private-key-file', join(work, 'missing.pem')]);
    expect(add.code).not.toBe(0);
    expect(add.stderr).toContain('missing.pem');
    expect(add.stderr).toContain('ENOENT');
  });
});
