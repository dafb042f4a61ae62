/**
 * `node dist/bench/run.js scale [--scale 0.01] [--sizes 1,10,100,1000] [--failing 5] [--cold-runs 5]
 * [--out bench-results.json]`: time to verdict against the critical-path bound, and what a run costs,
 * as the load balancer grows while the failing backends stay few (issue #14).
 *
 * Each size runs in observe and fix mode, each in a fresh process (bench/scaleCase.ts), against the
 * in-process sandbox with Azure's per-kind latencies and durations scaled by `--scale`
 * (src/sandbox/timeModel.ts). The bound is computed from the same time model: the longest chain of
 * dependent steps when everything independent runs at once (see {@link criticalPathBoundMs}).
 *
 * Cold start: a fresh `node` process loading every Functions entry point (package.json `main`, a glob
 * or one bundle) against a fresh process doing `require('durable-functions')` alone, each timed from
 * spawn to exit, median of `--cold-runs`.
 *
 * Writes `bench-results.json` (in the working directory unless `--out`) and prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BENCH_SCALE,
  durationMs,
  probeReevaluationMs,
  resolveTimeModel,
  type TimeModel,
} from '../src/sandbox/timeModel';
import type { ScaleCaseInput, ScaleCaseResult } from './scaleCase';

/** The repository root (this file runs from dist/bench). */
const ROOT = resolve(__dirname, '..', '..');
/** A size that has not finished by then is reported as failed rather than hanging the benchmark. */
const CASE_TIMEOUT_MS = 10 * 60_000;

/** One row of `bench-results.json`. */
export interface ScaleRow {
  backends: number;
  failing: number;
  mode: 'observe' | 'fix';
  verdict: string;
  wallMs: number;
  boundMs: number;
  ratio: number;
  armRequests: number;
  runCommands: number;
  historyEvents: number;
  historyBytes: number;
  auditEvents: number;
  peakRssMb: number;
  measuredWallMs: number;
  skippedMs: number;
}

/** The cold-start entry of `bench-results.json`. */
export interface ColdStart {
  coldStartMs: number;
  baselineMs: number;
  ratio: number;
  entryPoints: string[];
  runs: number;
}

export interface ScaleOptions {
  scale: number;
  sizes: number[];
  failing: number;
  coldRuns: number;
  out: string;
}

/**
 * The critical-path bound in sandbox ms: discovery depth (load balancer -> NIC -> VNet -> NSG) x an
 * ARM request, then the rule-health operation, then one Run Command (the failing backends' checks run
 * at once). Fix adds the security rule write, the probe's re-evaluation (interval x threshold), one
 * validation Run Command and a health re-read.
 */
export function criticalPathBoundMs(
  time: TimeModel,
  mode: 'observe' | 'fix',
  probe: { intervalSeconds: number; threshold: number },
): number {
  const discoveryDepth = 4;
  const observe =
    discoveryDepth * durationMs(time, 'armRequest') +
    durationMs(time, 'ruleHealth') +
    durationMs(time, 'runCommand');
  if (mode === 'observe') return observe;
  return (
    observe +
    durationMs(time, 'securityRuleWrite') +
    probeReevaluationMs(time, probe.intervalSeconds, probe.threshold) +
    durationMs(time, 'runCommand') +
    durationMs(time, 'ruleHealth')
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** package.json `main` as files: a glob over one directory (`dist/functions/*.js`) or one file. */
export function functionEntryPoints(root = ROOT): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string };
  const main = pkg.main ?? 'index.js';
  if (!main.includes('*')) return [join(root, main)];
  const dir = join(root, dirname(main));
  const pattern = new RegExp(
    `^${basename(main)
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => pattern.test(f))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

/** Wall ms of a fresh `node -e script` from spawn to exit. */
function processMs(script: string): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`cold-start process failed (${run.status}): ${run.stderr}`);
  return ms;
}

/** Cold start of all entry points vs `require('durable-functions')`, medians of `runs` each. */
export function measureColdStart(runs: number): ColdStart {
  const entryPoints = functionEntryPoints();
  if (entryPoints.length === 0) throw new Error('no Functions entry points: run `npm run build` first');
  const loadAll = entryPoints.map((f) => `require(${JSON.stringify(f)});`).join('');
  const baseline = "require('durable-functions');";
  const cold: number[] = [];
  const base: number[] = [];
  // Interleaved, so load on the machine hits both alike.
  for (let i = 0; i < runs; i++) {
    cold.push(processMs(loadAll));
    base.push(processMs(baseline));
  }
  const coldStartMs = median(cold);
  const baselineMs = median(base);
  return {
    coldStartMs,
    baselineMs,
    ratio: coldStartMs / baselineMs,
    entryPoints: entryPoints.map((f) => f.slice(ROOT.length + 1)),
    runs,
  };
}

/** Runs one size and mode in a fresh process (its own peak RSS). */
function runCase(input: ScaleCaseInput): ScaleCaseResult {
  const run = spawnSync(process.execPath, [join(__dirname, 'scaleCase.js'), JSON.stringify(input)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: CASE_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) {
    throw new Error(
      `scale case ${JSON.stringify(input)} failed (status ${String(run.status)}, signal ${String(run.signal)}): ${run.stderr.slice(-2000)}`,
    );
  }
  return JSON.parse(line) as ScaleCaseResult;
}

const kb = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`;

/** The rows as a Markdown table. */
export function formatScaleTable(rows: readonly ScaleRow[]): string {
  const header = [
    'backends',
    'failing',
    'mode',
    'verdict',
    'wall ms',
    'bound ms',
    'wall / bound',
    'ARM requests',
    'Run Commands',
    'history events',
    'history',
    'audit events',
    'peak RSS MB',
  ];
  const lines = rows.map((r) => [
    r.backends.toLocaleString('en-US'),
    String(r.failing),
    r.mode,
    r.verdict,
    r.wallMs.toFixed(0),
    r.boundMs.toFixed(0),
    `${r.ratio.toFixed(1)}x`,
    r.armRequests.toLocaleString('en-US'),
    String(r.runCommands),
    r.historyEvents.toLocaleString('en-US'),
    kb(r.historyBytes),
    r.auditEvents.toLocaleString('en-US'),
    r.peakRssMb.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}

/** Parses `--scale`, `--sizes`, `--failing`, `--cold-runs`, `--out`; one clear error for a bad one. */
export function parseScaleArgs(args: readonly string[]): ScaleOptions {
  const options: ScaleOptions = {
    scale: BENCH_SCALE,
    sizes: [1, 10, 100, 1000],
    failing: 5,
    coldRuns: 5,
    out: 'bench-results.json',
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    const value = args[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i += 1;
    const number = (min: number, max: number): number => {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
        throw new Error(`${flag} must be a number from ${min} to ${max}, got '${value}'`);
      }
      return n;
    };
    if (flag === '--scale') options.scale = number(0, 100);
    else if (flag === '--failing') options.failing = Math.floor(number(0, 100));
    else if (flag === '--cold-runs') options.coldRuns = Math.floor(number(0, 50));
    else if (flag === '--out') options.out = value;
    else if (flag === '--sizes') {
      options.sizes = value.split(',').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 1 || n > 1000) {
          throw new Error(`--sizes takes backends counts from 1 to 1000, comma-separated, got '${value}'`);
        }
        return n;
      });
    } else
      throw new Error(`unknown option ${flag} (scale takes --scale, --sizes, --failing, --cold-runs, --out)`);
  }
  return options;
}

/** Runs the scale benchmark, writes the results file, prints the table. */
export function runScaleBench(args: readonly string[]): void {
  const options = parseScaleArgs(args);
  const time = resolveTimeModel({ scale: options.scale });
  const rows: ScaleRow[] = [];
  for (const backends of options.sizes) {
    for (const mode of ['observe', 'fix'] as const) {
      process.stderr.write(`  scale: ${backends} backends, ${mode} ...\n`);
      const r = runCase({
        backends,
        failing: Math.min(options.failing, backends),
        mode,
        scale: options.scale,
      });
      const boundMs = criticalPathBoundMs(time, mode, {
        intervalSeconds: r.probeIntervalSeconds,
        threshold: r.probeThreshold,
      });
      rows.push({
        backends: r.backends,
        failing: r.failing,
        mode: r.mode,
        verdict: r.verdict,
        wallMs: Math.round(r.wallMs),
        boundMs,
        ratio: boundMs > 0 ? Math.round((r.wallMs / boundMs) * 100) / 100 : Number.POSITIVE_INFINITY,
        armRequests: r.armRequests,
        runCommands: r.runCommands,
        historyEvents: r.historyEvents,
        historyBytes: r.historyBytes,
        auditEvents: r.auditEvents,
        peakRssMb: Math.round(r.peakRssMb),
        measuredWallMs: Math.round(r.measuredWallMs),
        skippedMs: Math.round(r.skippedMs),
      });
    }
  }
  let coldStart: ColdStart | undefined;
  if (options.coldRuns > 0) {
    process.stderr.write(`  scale: cold start, ${options.coldRuns} runs each ...\n`);
    coldStart = measureColdStart(options.coldRuns);
  }
  const results = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      os: `${platform()} ${release()}`,
    },
    date: new Date().toISOString(),
    scale: options.scale,
    timeModelMs: Object.fromEntries(
      Object.keys(time.azureMs).map((k) => [k, durationMs(time, k as keyof TimeModel['azureMs'])]),
    ),
    rows,
    ...(coldStart ? { coldStart } : {}),
  };
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `probe-doctor scale benchmark: ${results.machine.cpus} CPU(s) (${results.machine.cpuModel}), node ${process.version}, ` +
      `Azure's latencies x ${options.scale}; results in ${options.out}`,
  );
  console.log(formatScaleTable(rows));
  if (coldStart) {
    console.log(
      `\ncold start: ${coldStart.coldStartMs.toFixed(0)} ms loading ${coldStart.entryPoints.length} entry point(s) ` +
        `vs ${coldStart.baselineMs.toFixed(0)} ms for require('durable-functions') alone: ${coldStart.ratio.toFixed(2)}x ` +
        `(median of ${coldStart.runs})`,
    );
  }
}
