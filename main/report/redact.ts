/**
 * The second net of a report (the flow trace is the first): before anything leaves Keyport in a file, every string in
 * it is scrubbed again — each live secret Keyport holds for the server is masked wherever it appears, secret form,
 * JSON and query fields are masked by name (the trace's own rules), and anything shaped like a JWT is masked, since a
 * signed token in a shared file is a credential whoever finds it.
 */
import { REDACTED, redactBody, redactUrl } from '../oauth/index.ts';

/** A compact JWS/JWT (three base64url parts, the first a JSON header): masked wherever it appears. */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g;

/** Secrets shorter than this are not searched for (they would mask ordinary words; the trace masks them by field). */
const MIN_SECRET_LENGTH = 6;

/** Masks JWT-shaped strings and every given secret (longest first, so a secret containing another goes whole). */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text.replace(JWT_LIKE, REDACTED);
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
    // A secret may also appear form- or URL-encoded (a client secret in a request body).
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && encoded.length >= MIN_SECRET_LENGTH && out.includes(encoded)) out = out.split(encoded).join(REDACTED);
  }
  return out;
}

/** Scrubs every string of a JSON-like value (objects, arrays), keys included; depth-bounded. */
export function scrubDeep<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (typeof value === 'string') return scrubText(value, secrets) as T;
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, secrets, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[scrubText(k, secrets)] = scrubDeep(v, secrets, depth + 1);
  return out as T;
}

/** Re-applies the trace's field rules to a URL and a body, then scrubs them. */
export function scrubUrl(url: string, secrets: readonly string[]): string {
  return scrubText(redactUrl(url), secrets);
}

/** The same for an HTTP body (form or JSON fields by name, then values). */
export function scrubBody(body: string, secrets: readonly string[]): string {
  return scrubText(redactBody(body), secrets);
}
