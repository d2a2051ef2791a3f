/**
 * Bounds on what an MCP server sends over HTTP, applied to every response body before the SDK reads it: one JSON
 * response, and each SSE event of a stream, may hold at most `maxMessageBytes`, and no JSON in them may nest deeper
 * than `maxDepth`. Before, a 50 MB tool list or an endless SSE event took the CLI from ~130 MB to 400–570 MB, and
 * 100,000 nested arrays ended in "Maximum call stack size exceeded". A response that breaks a bound fails with a
 * typed error naming the server and the limit; nothing of it is parsed.
 */
import { DEFAULT_MAX_MESSAGE_BYTES, JsonDepthScanner, MAX_JSON_DEPTH, MAX_LIST_ITEMS, jsonDepthExceeds } from '../limits.ts';
import type { FetchLike } from './auth.ts';
import { McpConnectionError, hostOf, limitErrorData } from './errors.ts';

/** The bounds (defaults from main/limits.ts). */
export interface ResponseLimits {
  readonly maxMessageBytes?: number;
  readonly maxDepth?: number;
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** The error for a message over the size limit. */
export function messageTooLarge(host: string, limit: number): McpConnectionError {
  return new McpConnectionError('message_too_large', `${host} sent a message larger than Keyport accepts (${megabytes(limit)}). Nothing of it was used. Report it to the server's maintainer.`);
}

/** The error for JSON nested too deeply. */
export function nestedTooDeeply(host: string, depth: number): McpConnectionError {
  return new McpConnectionError('message_too_large', `${host} sent JSON nested deeper than ${depth} levels, which Keyport refuses. Nothing of it was used. Report it to the server's maintainer.`);
}

/** The ids of the JSON-RPC requests in a POST body (the answers that must not be left waiting). */
function requestIds(body: unknown): unknown[] {
  if (typeof body !== 'string' || body.length > 1024 * 1024) return [];
  try {
    const parsed = JSON.parse(body) as unknown;
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.filter((m): m is { id: unknown } => m !== null && typeof m === 'object' && 'method' in m && 'id' in m).map((m) => m.id);
  } catch {
    return [];
  }
}

/** SSE events answering each waiting request with a JSON-RPC error that stands for `err`. */
function answeringEvents(ids: readonly unknown[], err: McpConnectionError): Uint8Array {
  let text = '\n\n';
  for (const id of ids) {
    text += `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'Refused by Keyport (message limit)', data: limitErrorData(err) } })}\n\n`;
  }
  return new TextEncoder().encode(text);
}

/**
 * A stream that passes bytes through while counting them per message (per SSE event when `events`, else the whole
 * body) and scanning JSON depth. When a bound is broken it cancels the source and, for an SSE answer to requests,
 * ends with an error answer for each of them; otherwise it errors.
 */
function boundedBody(body: ReadableStream<Uint8Array>, host: string, events: boolean, ids: readonly unknown[], maxBytes: number, maxDepth: number): ReadableStream<Uint8Array> {
  const scanner = new JsonDepthScanner(maxDepth);
  let messageBytes = 0;
  let afterNewline = false;
  const refuse = (controller: TransformStreamDefaultController<Uint8Array>, err: McpConnectionError): void => {
    if (events && ids.length > 0) {
      controller.enqueue(answeringEvents(ids, err));
      controller.terminate();
    } else {
      controller.error(err);
    }
  };
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (!events) {
          messageBytes += chunk.byteLength;
          if (messageBytes > maxBytes) return refuse(controller, messageTooLarge(host, maxBytes));
          if (!scanner.push(chunk)) return refuse(controller, nestedTooDeeply(host, maxDepth));
          return controller.enqueue(chunk);
        }
        // SSE (text/event-stream): an event ends at a blank line; bytes and depth are counted per event.
        let start = 0;
        for (let i = 0; i < chunk.length; i++) {
          const b = chunk[i]!;
          messageBytes++;
          if (b === 0x0a) {
            if (afterNewline) {
              if (!scanner.push(chunk.subarray(start, i + 1))) return refuse(controller, nestedTooDeeply(host, maxDepth));
              start = i + 1;
              scanner.reset();
              messageBytes = 0;
            }
            afterNewline = true;
          } else if (b !== 0x0d) {
            afterNewline = false;
          }
          if (messageBytes > maxBytes) return refuse(controller, messageTooLarge(host, maxBytes));
        }
        if (!scanner.push(chunk.subarray(start))) return refuse(controller, nestedTooDeeply(host, maxDepth));
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Wraps a transport's fetch so every response body is bounded. A JSON response whose declared length is within the
 * limit is still depth-scanned; one declared over the limit is refused before its body is read.
 */
export function limitResponses(fetchFn: FetchLike, limits: ResponseLimits = {}): FetchLike {
  const maxBytes = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  return async (url, init) => {
    const response = await fetchFn(url, init);
    if (!response.body || response.status === 204 || response.status === 205 || response.status === 304) return response;
    const host = hostOf(url);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw messageTooLarge(host, maxBytes);
    }
    const events = /text\/event-stream/i.test(response.headers.get('content-type') ?? '');
    return new Response(boundedBody(response.body, host, events, events ? requestIds(init?.body) : [], maxBytes, maxDepth), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The list fields of MCP results whose total length is capped. */
const LIST_FIELDS = ['tools', 'resources', 'resourceTemplates', 'prompts', 'contents', 'content', 'messages'] as const;

/**
 * Checks a parsed result before anything walks it (views, schema compilers, the renderer's forms, structured clone
 * for IPC): no JSON nested deeper than {@link MAX_JSON_DEPTH} (a stdio server is not bounded by the HTTP scanner),
 * no list longer than {@link MAX_LIST_ITEMS} (all pages together).
 */
export function checkResult<T>(value: T, host: string): T {
  if (value !== null && typeof value === 'object') {
    for (const field of LIST_FIELDS) {
      const list = (value as Record<string, unknown>)[field];
      if (Array.isArray(list) && list.length > MAX_LIST_ITEMS) {
        throw new McpConnectionError('message_too_large', `${host} sent a list of more than ${MAX_LIST_ITEMS.toLocaleString('en-US')} items, which Keyport refuses. Report it to the server's maintainer.`);
      }
    }
  }
  if (jsonDepthExceeds(value)) throw nestedTooDeeply(host, MAX_JSON_DEPTH);
  return value;
}
