/**
 * The bounds Keyport puts on what servers send, in one place so the security model can list them and every layer
 * (OAuth, MCP, traces, views) applies the same numbers. Depth is checked without recursion, before any recursive walk
 * (schema forms, views, redaction) could run out of stack on a hostile document.
 */

/** Largest single MCP message (a JSON response, one SSE event, one stdio line) accepted by default: 8 MB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Deepest nesting of arrays and objects accepted in any JSON a server sends. */
export const MAX_JSON_DEPTH = 100;

/** Most items a paginated MCP list (tools, resources, prompts, templates) may hold in total. */
export const MAX_LIST_ITEMS = 10_000;

/**
 * True when `value` nests arrays/objects deeper than `max` levels. Iterative (an explicit stack), so a value nested
 * 100,000 levels deep is judged without a stack overflow.
 */
export function jsonDepthExceeds(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  let visited = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > max) return true;
    // A hostile value can be wide as well as deep; each node is visited once, so the walk stays linear.
    if (++visited > 5_000_000) return true;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

/**
 * A streaming scanner of JSON text (possibly split across chunks, possibly several documents in a row as in an SSE
 * stream) that tracks the nesting depth of `[`/`{` outside strings. `push` returns false as soon as the depth goes
 * over `max`, before anything is parsed.
 */
export class JsonDepthScanner {
  #depth = 0;
  #inString = false;
  #escaped = false;
  readonly #max: number;

  constructor(max = MAX_JSON_DEPTH) {
    this.#max = max;
  }

  /** Feeds bytes (UTF-8: brackets and quotes are single bytes) and says whether the depth is still within bounds. */
  push(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (b === 0x5c) this.#escaped = true;
        else if (b === 0x22 || b === 0x0a) this.#inString = false;
        continue;
      }
      if (b === 0x22) this.#inString = true;
      else if (b === 0x7b || b === 0x5b) {
        if (++this.#depth > this.#max) return false;
      } else if (b === 0x7d || b === 0x5d) {
        if (this.#depth > 0) this.#depth--;
      }
    }
    return true;
  }

  /** Starts over (a new message begins, e.g. after an SSE event boundary). */
  reset(): void {
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
  }
}
