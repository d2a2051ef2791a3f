/**
 * What every benchmark shares: reading `--name N` / `--name a,b,c` arguments, the median of a sample, the JSON line
 * that ends each run (scripts/bench.mjs and CI read it), and timing HTTP requests to count the round trips on a
 * flow's critical path.
 */
import { getHeapSpaceStatistics } from 'node:v8';

/** The value of `--name N` on the command line, or `fallback` when it is absent, not a number, or not above 0. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** The value of `--name N` for a count that may be 0 (e.g. warm-up rounds), or `fallback`. */
export function countArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isInteger(v) && v >= 0 ? v : fallback;
}

/** The numbers of `--name a,b,c` (each above 0), or `fallback` when the argument is absent or has none. */
export function listArg(name: string, fallback: readonly number[]): readonly number[] {
  const i = process.argv.indexOf(`--${name}`);
  const values = i >= 0 ? (process.argv[i + 1] ?? '').split(',').map(Number).filter((v) => Number.isFinite(v) && v > 0) : [];
  return values.length > 0 ? values : fallback;
}

/** The median of a sample (the mean of the two middle values for an even count; 0 for an empty sample). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The line each benchmark ends with: what was measured, the figure, its target and whether it was met. */
export interface BenchResult {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly target: number;
  readonly pass: boolean;
  /** Further targets of the same run, each shown as its own row by `npm run bench -- all`. */
  readonly checks?: readonly BenchCheck[];
  /** Further figures a benchmark reports next to its metric (e.g. warm-start's OAuth request count). */
  readonly [extra: string]: unknown;
}

/** One more measured figure with its own target (e.g. login's critical-path round trips next to its time ratio). */
export interface BenchCheck {
  readonly metric: string;
  readonly value: number;
  /** The bound, or for an exact target the expected value; `relation` says which. */
  readonly target: number;
  readonly relation: '<=' | '==';
  readonly pass: boolean;
}

/** Builds a check, computing `pass` from the relation. */
export function check(metric: string, value: number, relation: BenchCheck['relation'], target: number): BenchCheck {
  return { metric, value, target, relation, pass: relation === '<=' ? value <= target : value === target };
}

/**
 * Prints the final JSON line of a benchmark with several targets: the first check is its metric, and it passes when
 * every check does.
 */
export function printChecks(bench: string, checks: readonly [BenchCheck, ...BenchCheck[]], extra: Readonly<Record<string, unknown>> = {}): void {
  const [first] = checks;
  printResult({ bench, metric: first.metric, value: first.value, target: first.target, pass: checks.every((c) => c.pass), checks, ...extra });
}

/** One HTTP request a client made: when it started and when its response (headers) arrived. */
export interface RequestSpan {
  /** Method and path (never the query, which may carry a secret). */
  readonly label: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Wraps a fetch so that every request it makes is recorded in `spans` (start = the call, end = the response headers,
 * or the failure). Nothing of the request or response is kept beyond its method and path.
 */
export function recordingFetch<F extends (input: string | URL | Request, init?: RequestInit) => Promise<Response>>(inner: F, spans: RequestSpan[]): F {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const label = `${(init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()} ${url.host}${url.pathname}`;
    const start = performance.now();
    try {
      return await inner(input, init);
    } finally {
      spans.push({ label, start, end: performance.now() });
    }
  }) as F;
}

/**
 * The sequential round trips on a flow's critical path: the longest chain of requests in which each one started
 * after the previous one's response had arrived. Requests that overlap (sent together) count once.
 */
export function criticalPath(spans: readonly RequestSpan[]): readonly RequestSpan[] {
  const byEnd = [...spans].sort((a, b) => a.end - b.end);
  const best: { length: number; previous: number }[] = [];
  byEnd.forEach((span, i) => {
    let entry = { length: 1, previous: -1 };
    for (let j = 0; j < i; j++) {
      const before = byEnd[j]!;
      if (before.end <= span.start && best[j]!.length + 1 > entry.length) entry = { length: best[j]!.length + 1, previous: j };
    }
    best.push(entry);
  });
  let at = best.reduce((top, entry, i) => (entry.length > (best[top]?.length ?? 0) ? i : top), -1);
  const chain: RequestSpan[] = [];
  while (at >= 0) {
    chain.unshift(byEnd[at]!);
    at = best[at]!.previous;
  }
  return chain;
}

/** Memory figures after forced garbage collection, in bytes. */
export interface SettledMemory {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly rss: number;
  readonly external: number;
  /**
   * The part of `heapUsed` that is compiled code, bytecode and their metadata (V8's code and trusted spaces): it grows
   * as V8 compiles and optimizes more paths, not with the data a program keeps.
   */
  readonly code: number;
}

/** V8 heap spaces that hold code and its metadata rather than program data. */
const CODE_SPACES = new Set(['code_space', 'code_large_object_space', 'trusted_space', 'trusted_large_object_space']);

/** Reads the process's memory after forcing garbage collection (the process must run with `--expose-gc`). */
export async function settledMemory(): Promise<SettledMemory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  // Several passes with turns of the loop in between, so finalizers and weak references settle.
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, heapTotal, rss, external } = process.memoryUsage();
  const code = getHeapSpaceStatistics()
    .filter((space) => CODE_SPACES.has(space.space_name))
    .reduce((sum, space) => sum + space.space_used_size, 0);
  return { heapUsed, heapTotal, rss, external, code };
}

/** Prints the final JSON line; it must be the last line a benchmark writes. */
export function printResult(result: BenchResult): void {
  console.log(JSON.stringify(result));
}
