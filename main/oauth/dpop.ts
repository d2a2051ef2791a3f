/**
 * DPoP key handling (RFC 9449): a key pair per token family, generated extractable so it can be stored as JWK with
 * the tokens (another process must be able to use it), and re-imported into an oauth4webapi `DPoPHandle`.
 */
import * as oauth from 'oauth4webapi';
import type { AuthorizationServer } from 'oauth4webapi';
import type { DPoPKeyRecord } from './store.ts';

/** The algorithms Keyport can sign DPoP proofs with, in preference order. */
export const SUPPORTED_DPOP_ALGS = ['ES256', 'EdDSA', 'PS256', 'RS256'] as const;

/** Picks the DPoP algorithm from the AS metadata (RFC 9449 §5.1), or undefined when the AS does not offer DPoP. */
export function selectDPoPAlg(as: AuthorizationServer): string | undefined {
  const offered = as.dpop_signing_alg_values_supported;
  if (!Array.isArray(offered) || offered.length === 0) return undefined;
  return SUPPORTED_DPOP_ALGS.find((alg) => offered.includes(alg));
}

/** Generates a new DPoP key pair: the storable JWK form and the live keys. */
export async function generateDPoPKey(alg: string): Promise<{ readonly record: DPoPKeyRecord; readonly pair: CryptoKeyPair }> {
  const pair = await oauth.generateKeyPair(alg, { extractable: true });
  const [publicJwk, privateJwk] = await Promise.all([crypto.subtle.exportKey('jwk', pair.publicKey), crypto.subtle.exportKey('jwk', pair.privateKey)]);
  return { record: { alg, publicJwk, privateJwk }, pair };
}

function importParams(alg: string): AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'EdDSA':
      return { name: 'Ed25519' };
    case 'PS256':
      return { name: 'RSA-PSS', hash: 'SHA-256' };
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    default:
      throw new Error(`unsupported DPoP algorithm ${alg}`);
  }
}

/** Re-imports a stored key pair. */
export async function importDPoPKey(record: DPoPKeyRecord): Promise<CryptoKeyPair> {
  const params = importParams(record.alg);
  const { key_ops: _a, ext: _b, ...pub } = record.publicJwk as JsonWebKey & { key_ops?: unknown; ext?: unknown };
  const { key_ops: _c, ext: _d, ...priv } = record.privateJwk as JsonWebKey & { key_ops?: unknown; ext?: unknown };
  const publicKey = await crypto.subtle.importKey('jwk', pub, params, true, ['verify']);
  const privateKey = await crypto.subtle.importKey('jwk', priv, params, false, ['sign']);
  return { publicKey, privateKey };
}

/** The RFC 7638 thumbprint of the public key (what `cnf.jkt` must equal). */
export async function dpopThumbprint(record: DPoPKeyRecord): Promise<string> {
  const jwk = record.publicJwk as Record<string, string>;
  const members: Record<string, string> =
    jwk.kty === 'EC'
      ? { crv: jwk.crv!, kty: 'EC', x: jwk.x!, y: jwk.y! }
      : jwk.kty === 'OKP'
        ? { crv: jwk.crv!, kty: 'OKP', x: jwk.x! }
        : { e: jwk.e!, kty: 'RSA', n: jwk.n! };
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(members)));
  return Buffer.from(digest).toString('base64url');
}

/** A cache of DPoP handles per stored key, so server nonces survive between requests of one process. */
export class DPoPHandles {
  #handles = new Map<string, Promise<oauth.DPoPHandle>>();

  /** Registers the live keys of a freshly generated record, so its handle needs no re-import. */
  add(record: DPoPKeyRecord, pair: CryptoKeyPair): Promise<oauth.DPoPHandle> {
    const handle = Promise.resolve(oauth.DPoP({}, pair));
    this.#handles.set(keyId(record), handle);
    return handle;
  }

  /** The handle for a stored key (created once per process). */
  get(record: DPoPKeyRecord): Promise<oauth.DPoPHandle> {
    const id = keyId(record);
    let handle = this.#handles.get(id);
    if (!handle) {
      handle = importDPoPKey(record).then((pair) => oauth.DPoP({}, pair));
      this.#handles.set(id, handle);
    }
    return handle;
  }
}

function keyId(record: DPoPKeyRecord): string {
  return `${record.publicJwk.x ?? record.publicJwk.n}`;
}
