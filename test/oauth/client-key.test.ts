import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importClientKey, readClientKey } from '../../main/oauth/client-key.ts';

const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const pem = (key: typeof rsa.privateKey, type: 'pkcs8' | 'pkcs1' | 'sec1') => key.export({ type, format: 'pem' }).toString();

describe('reading the client key for private_key_jwt', () => {
  it('reads the PEM and JWK shapes people have and picks the algorithm from the key', () => {
    expect(readClientKey(pem(ec256.privateKey, 'pkcs8')).alg).toBe('ES256');
    expect(readClientKey(pem(ec384.privateKey, 'sec1')).alg).toBe('ES384');
    expect(readClientKey(pem(rsa.privateKey, 'pkcs1')).alg).toBe('RS256');
    expect(readClientKey(pem(ed.privateKey, 'pkcs8')).alg).toBe('EdDSA');
    const jwk = { ...ec256.privateKey.export({ format: 'jwk' }), kid: 'k-1' };
    expect(readClientKey(`\n  ${JSON.stringify(jwk)}\n`)).toMatchObject({ alg: 'ES256', kid: 'k-1' });
    expect(readClientKey(JSON.stringify({ ...rsa.privateKey.export({ format: 'jwk' }), alg: 'PS256' })).alg).toBe('PS256');
    expect(readClientKey(pem(rsa.privateKey, 'pkcs1'), 'PS384').alg).toBe('PS384');
  });

  it('refuses what cannot sign, saying what it is and what to do', () => {
    const refused = (text: string, alg?: string): string => {
      try {
        readClientKey(text, alg);
      } catch (err) {
        expect(err).toMatchObject({ code: 'invalid_client' });
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toMatch(/public key/);
    expect(refused(JSON.stringify(ec256.publicKey.export({ format: 'jwk' })))).toMatch(/public key.*no "d"/);
    expect(refused(JSON.stringify({ keys: [ec256.privateKey.export({ format: 'jwk' })] }))).toMatch(/JWK set/);
    const encrypted = rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(refused(encrypted)).toMatch(/passphrase.*openssl pkey/);
    expect(refused('-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----')).toMatch(/BEGIN and END lines/);
    expect(refused('hunter2')).toMatch(/neither a PEM .* nor a JWK/);
    expect(refused('{"kty":')).toMatch(/not valid JSON/);
    expect(refused(pem(rsa.privateKey, 'pkcs1'), 'ES256')).toMatch(/RSA key, which cannot sign ES256/);
    expect(refused(pem(ec256.privateKey, 'pkcs8'), 'ES384')).toMatch(/EC key on P-256, which cannot sign ES384/);
  });

  it('imports the key for signing, keeping a JWK kid for the assertion header', async () => {
    const imported = await importClientKey(JSON.stringify({ ...ec256.privateKey.export({ format: 'jwk' }), kid: 'k-2' }));
    expect(imported.kid).toBe('k-2');
    expect(imported.key.usages).toEqual(['sign']);
    expect(imported.key.extractable).toBe(false);
    const fromPkcs1 = await importClientKey(pem(rsa.privateKey, 'pkcs1'));
    expect(fromPkcs1.key.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5' });
  });
});
