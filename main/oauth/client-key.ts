/**
 * The client's own signing key for `private_key_jwt` (RFC 7523 §2.2) and client-credentials assertions. Users have
 * keys in many shapes, so this reads every common one with node:crypto — a PKCS #8 PEM, a PKCS #1 (`RSA PRIVATE KEY`)
 * or SEC 1 (`EC PRIVATE KEY`) PEM, or a private JWK — infers the JWS algorithm from the key when the settings name
 * none, and imports it for oauth4webapi. Every refusal says what the user has and what to do instead.
 */
import { createPrivateKey } from 'node:crypto';
import type { JsonWebKeyInput, KeyObject } from 'node:crypto';
import { OAuthError } from './errors.ts';

/** A readable client key: the key, the algorithm its assertions are signed with, and the JWK `kid` if it had one. */
export interface ClientKey {
  readonly key: KeyObject;
  readonly alg: string;
  readonly kid?: string;
}

const EC_ALGS: Readonly<Record<string, string>> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const CURVE_NAMES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function refuse(message: string): never {
  throw new OAuthError('invalid_client', message);
}

/** The JWS algorithm a key signs with by default (RFC 7518 §3.1). */
function defaultAlg(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
      return EC_ALGS[curve] ?? refuse(`The private key is on the elliptic curve ${curve || '(unknown)'}; use a P-256, P-384 or P-521 key.`);
    }
    default:
      return refuse(`Keyport cannot sign with a ${key.asymmetricKeyType ?? 'this kind of'} key; use an RSA, EC (P-256/384/521) or Ed25519 key.`);
  }
}

/** Whether `alg` can be used with `key` (so a wrong setting fails here, not as a vague `invalid_client`). */
function fits(key: KeyObject, alg: string): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg.startsWith('ES')) return type === 'ec' && defaultAlg(key) === alg;
  if (alg === 'EdDSA' || alg === 'Ed25519') return type === 'ed25519';
  return false;
}

function readJwk(text: string): { key: KeyObject; kid?: string; alg?: string } {
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return refuse('The private key looks like JSON but is not valid JSON. Paste the whole JWK.');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) refuse('The private key JSON is not a JWK object.');
  if (Array.isArray(jwk.keys)) refuse('This is a JWK set; paste the one private JWK the client signs with.');
  if (jwk.d === undefined) refuse('This JWK is a public key (it has no "d"). Keyport needs the private key; the authorization server keeps the public one.');
  try {
    const key = createPrivateKey({ key: jwk as unknown as JsonWebKeyInput['key'], format: 'jwk' });
    return { key, ...(typeof jwk.kid === 'string' && { kid: jwk.kid }), ...(typeof jwk.alg === 'string' && { alg: jwk.alg }) };
  } catch {
    return refuse('The JWK could not be read as a private key. Check that it is complete (kty, and for EC crv, x, y, d; for RSA n, e, d, p, q, dp, dq, qi).');
  }
}

function readPem(text: string): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    refuse('The private key is protected by a passphrase. Export it without one (for example `openssl pkey -in key.pem -out key-plain.pem`) and use that.');
  }
  if (/-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(text)) {
    refuse('This is a public key or certificate. Keyport needs the private key; the authorization server keeps the public one.');
  }
  try {
    return createPrivateKey(text);
  } catch {
    return refuse('The PEM could not be read as a private key. Paste the whole key, including its BEGIN and END lines.');
  }
}

/**
 * Reads a client private key (PEM or JWK text) and picks its signing algorithm: `alg` when the settings name one
 * (checked against the key), else the JWK's own `alg`, else the key type's default. Throws `invalid_client`.
 */
export function readClientKey(text: string, alg?: string): ClientKey {
  const trimmed = text.trim();
  let parsed: { key: KeyObject; kid?: string; alg?: string };
  if (trimmed.startsWith('{')) parsed = readJwk(trimmed);
  else if (trimmed.includes('-----BEGIN')) parsed = { key: readPem(trimmed) };
  else refuse('The private key is neither a PEM (-----BEGIN … PRIVATE KEY-----) nor a JWK.');
  const chosen = alg ?? parsed.alg ?? defaultAlg(parsed.key);
  if (!fits(parsed.key, chosen)) {
    refuse(`The private key is ${describe(parsed.key)}, which cannot sign ${chosen}. Use a matching key or algorithm.`);
  }
  return { key: parsed.key, alg: chosen, ...(parsed.kid !== undefined && { kid: parsed.kid }) };
}

function describe(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === 'ec') return `an EC key on ${curve === undefined ? 'an unknown curve' : (CURVE_NAMES[curve] ?? curve)}`;
  return type === 'ed25519' ? 'an Ed25519 key' : `an ${type.toUpperCase()} key`;
}

function webCryptoParams(alg: string): AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams {
  if (alg === 'ES256') return { name: 'ECDSA', namedCurve: 'P-256' };
  if (alg === 'ES384') return { name: 'ECDSA', namedCurve: 'P-384' };
  if (alg === 'ES512') return { name: 'ECDSA', namedCurve: 'P-521' };
  if (alg === 'EdDSA' || alg === 'Ed25519') return { name: 'Ed25519' };
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', hash: `SHA-${alg.slice(2)}` };
  return { name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${alg.slice(2)}` };
}

/** Reads the key and imports it as a non-extractable signing key, with the `kid` to put in the assertion header. */
export async function importClientKey(text: string, alg?: string): Promise<{ readonly key: CryptoKey; readonly kid?: string }> {
  const read = readClientKey(text, alg);
  const der = read.key.export({ type: 'pkcs8', format: 'der' });
  const key = await crypto.subtle.importKey('pkcs8', der, webCryptoParams(read.alg), false, ['sign']);
  return { key, ...(read.kid !== undefined && { kid: read.kid }) };
}
