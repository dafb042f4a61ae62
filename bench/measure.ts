/**
 * Timing and the printed table. Wall time from `performance.now()` (monotonic); a benchmark's result
 * is one row: how many operations, how long they took, and the counts that explain the time.
 */
import { performance } from 'node:perf_hooks';

/** One line of the benchmark table. */
export interface BenchRow {
  name: string;
  /** Operations measured (evaluations, parses, runs). */
  n: number;
  totalMs: number;
  /** What explains the figure: requests, events, bytes, duplicates. Printed as `key=value`. */
  counts: Record<string, number | string>;
}

/** Runs `fn` once and returns its result and the wall time in milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

/** Per-operation time in the unit that keeps it readable: µs below a millisecond, ms above. */
export function perOp(row: Pick<BenchRow, 'n' | 'totalMs'>): string {
  const ms = row.totalMs / row.n;
  return ms < 1 ? `${(ms * 1000).toFixed(2)} µs` : `${ms.toFixed(1)} ms`;
}

/** Operations per second; one decimal for slow operations (whole runs). */
export function opsPerSecond(row: Pick<BenchRow, 'n' | 'totalMs'>): string {
  const rate = (row.n * 1000) / row.totalMs;
  return rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(2);
}

/** The table as Markdown, so the same text reads in a terminal and pastes into docs/benchmarks.md. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'n', 'total ms', 'per op', 'ops/s', 'counts'];
  const lines = rows.map((r) => [
    r.name,
    r.n.toLocaleString('en-US'),
    r.totalMs.toFixed(0),
    perOp(r),
    opsPerSecond(r),
    Object.entries(r.counts)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
      .join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}
