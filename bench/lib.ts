/**
 * What every benchmark shares: reading a numeric `--name N` argument, the median of a sample, and the JSON line that
 * ends each run (scripts/bench.mjs and CI read it).
 */

/** The value of `--name N` on the command line, or `fallback` when it is absent, not a number, or not above 0. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
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
  /** Further figures a benchmark reports next to its metric (e.g. warm-start's OAuth request count). */
  readonly [extra: string]: unknown;
}

/** Prints the final JSON line; it must be the last line a benchmark writes. */
export function printResult(result: BenchResult): void {
  console.log(JSON.stringify(result));
}
