/**
 * The engine's HTTP layer: every request gets a timeout, and, when a flow is being recorded, its exchange is added
 * to the trace (redaction happens in the recorder). Metadata documents are read with a size limit and without
 * following redirects.
 */
import { describeNetworkFailure } from '../net/failures.ts';
import { OAuthError } from './errors.ts';
import { pickHeaders, type ExchangeSink } from './trace.ts';

/** The `fetch` signature the engine and oauth4webapi use. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Default per-request timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Largest metadata document accepted (RFC 8414 / RFC 9728 documents are a few kilobytes). */
export const METADATA_SIZE_LIMIT = 256 * 1024;

/** Largest answer of any OAuth endpoint (token, registration, revocation, introspection, device…): 1 MB. */
export const OAUTH_RESPONSE_LIMIT = 1024 * 1024;

/**
 * Caps what an OAuth endpoint's answer may hold, whoever reads it (oauth4webapi, the trace, a metadata reader): a
 * body over {@link OAUTH_RESPONSE_LIMIT} errors once the limit is reached, before it can fill memory.
 */
function boundBody(response: Response, url: string): Response {
  if (!response.body || response.status === 204 || response.status === 205 || response.status === 304) return response;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooLarge = (): OAuthError => new OAuthError('invalid_response', `${safeOrigin(url)} sent an answer larger than Keyport accepts (1 MB). Nothing of it was used; contact the server's operator.`, { url });
  if (Number.isFinite(declared) && declared <= OAUTH_RESPONSE_LIMIT) return response;
  let seen = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > OAUTH_RESPONSE_LIMIT) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Wraps `base` with a timeout and, when `sink` is given and publishing, trace recording (redaction happens in the
 * recorder).
 */
export function tracedFetch(base: FetchFn, timeoutMs: number, sink?: ExchangeSink): FetchFn {
  return async (input, init = {}) => {
    const recorder = sink?.publishing ? sink : undefined;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const started = performance.now();
    const reqHeaders = recorder ? new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined)) : undefined;
    const requestBody = recorder ? bodyText(init.body) : undefined;
    try {
      const response = boundBody(await base(input, { ...init, signal }), url);
      if (recorder) {
        const exchange = {
          method,
          url,
          status: response.status,
          durationMs: Math.round(performance.now() - started),
          requestHeaders: pickHeaders(reqHeaders),
          responseHeaders: pickHeaders(response.headers),
          ...(requestBody === undefined ? {} : { requestBody }),
        };
        const ct = response.headers.get('content-type') ?? '';
        if (/json|text\/plain|x-www-form-urlencoded|text\/html/.test(ct) && !/event-stream/.test(ct)) {
          // The body is recorded when it has arrived, into the step that made the request, without delaying the caller.
          const complete = recorder.beginExchange();
          response
            .clone()
            .text()
            .then(
              (responseBody) => complete({ ...exchange, responseBody }),
              () => complete(exchange),
            );
        } else {
          recorder.recordExchange(exchange);
        }
      }
      return response;
    } catch (err) {
      recorder?.recordExchange({
        method,
        url,
        durationMs: Math.round(performance.now() - started),
        requestHeaders: pickHeaders(reqHeaders),
        responseHeaders: {},
        ...(requestBody === undefined ? {} : { requestBody }),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      if (init.signal?.aborted) throw err;
      if (headersTooLarge(err)) {
        throw new OAuthError('invalid_response', `${safeOrigin(url)} answered with HTTP headers larger than Keyport accepts (16 KB). Nothing of the answer was used; contact the server's operator.`, { url, cause: err });
      }
      if (timeout.aborted) {
        throw new OAuthError('network', `${new URL(url).origin} did not answer within ${Math.round(timeoutMs / 1000)} s. Check your connection and try again.`, { url, cause: err });
      }
      // A proxy that refused, a private CA that was not given: say which setting to change (main/net/failures.ts).
      const setup = describeNetworkFailure(err, safeOrigin(url));
      if (setup !== undefined) throw new OAuthError('network', setup, { url, cause: err });
      throw new OAuthError('network', `Could not reach ${safeOrigin(url)}. Check your connection and the server URL, then try again.`, { url, cause: err });
    }
  };
}

/** An error and the causes behind it, outermost first (at most a few levels: enough for fetch and oauth4webapi). */
export function* causeChain(err: unknown): Generator<unknown> {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** True when undici refused a response because its headers exceed its limit (a 100 KB `WWW-Authenticate`, say). */
export function headersTooLarge(err: unknown): boolean {
  for (const e of causeChain(err)) if ((e as { code?: unknown }).code === 'UND_ERR_HEADERS_OVERFLOW') return true;
  return false;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}

function bodyText(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  return '[binary body]';
}

/** A metadata document fetched without redirects and with a size limit; `undefined` when not found. */
export interface JsonDocument {
  readonly status: number;
  readonly json?: Record<string, unknown>;
}

/**
 * GETs a JSON document (RFC 8414, RFC 9728): no redirects followed, body capped at {@link METADATA_SIZE_LIMIT}.
 * A 4xx/5xx or a redirect yields `{ status }` without `json`; network errors throw `network`.
 */
export async function getJsonDocument(fetchFn: FetchFn, url: string, signal?: AbortSignal): Promise<JsonDocument> {
  const response = await fetchFn(url, {
    method: 'GET',
    headers: { accept: 'application/json', 'mcp-protocol-version': '2025-11-25' },
    redirect: 'manual',
    ...(signal ? { signal } : {}),
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  }
  let text: string | undefined;
  try {
    text = await readLimited(response, METADATA_SIZE_LIMIT);
  } catch (err) {
    // The headers came, the document did not (a server that trickles it until the timeout, or drops the connection).
    if (signal?.aborted) throw err;
    throw new OAuthError('network', `${url} did not finish sending its metadata document in time. Check the server, then try again.`, { url, cause: err });
  }
  if (text === undefined) return { status: 413 };
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) return { status: 200, json: json as Record<string, unknown> };
  } catch {
    // fall through
  }
  return { status: 422 };
}

/** Reads a response body as text up to `limit` bytes; undefined (and the body cancelled) when it is larger. */
export async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
