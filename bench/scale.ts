/**
 * `node dist/bench/run.js scale [--scale 0.01] [--sizes 1,10,100,1000] [--failing 5] [--runs 5] [--cold-runs 5]
 * [--warmup 1] [--sandbox worker|in-process] [--out bench-results.json]`: time to verdict against the critical-path bound, and what a run costs,
 * as the load balancer grows while the failing backends stay few (issue #14).
 *
 * Each size runs in observe and fix mode, `--runs` times, in interleaved rounds ({@link interleavedRounds}),
 * each run in a fresh process (bench/scaleCase.ts), against the
 * sandbox with Azure's per-kind latencies and durations scaled by `--scale`
 * (src/sandbox/timeModel.ts), hosted in a worker thread so Azure's CPU is not charged to the product
 * (`--sandbox in-process` puts it back on the product's thread, to compare). The bound is computed from the same time model: the longest chain of
 * dependent steps when everything independent runs at once (see {@link criticalPathBoundMs}).
 *
 * Cold start: bench/coldStart.ts's `measureColdStart` (the bundle package.json `main` names, loaded
 * in a fresh process as the Functions worker loads it, against `require('durable-functions')` alone
 * in a fresh process), median of `--cold-runs`.
 *
 * Writes `bench-results.json` (in the working directory unless `--out`) and prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_SCALE,
  durationMs,
  probeReevaluationMs,
  resolveTimeModel,
  type TimeModel,
} from '../src/sandbox/timeModel';
import { measureColdStart, REPO_ROOT, type ColdStartFigures } from './coldStart';
import type { SandboxPlacement, ScaleCaseInput, ScaleCaseResult } from './scaleCaseRun';
/** A size that has not finished by then is reported as failed rather than hanging the benchmark. */
const CASE_TIMEOUT_MS = 10 * 60_000;

/**
 * One row of `bench-results.json`: the median run's own figures (ScaleCaseResult's, wall and busy times
 * rounded to whole milliseconds), the bound and the ratio.
 */
export interface ScaleRow extends Pick<
  ScaleCaseResult,
  | 'backends'
  | 'failing'
  | 'mode'
  | 'verdict'
  | 'wallMs'
  | 'armRequests'
  | 'runCommands'
  | 'historyEvents'
  | 'historyBytes'
  | 'auditEvents'
  | 'peakRssMb'
  | 'measuredWallMs'
  | 'skippedMs'
  | 'productLoopActiveMs'
  | 'sandboxLoopActiveMs'
> {
  boundMs: number;
  ratio: number;
  /**
   * Every run's time to verdict, sorted, when the row is the median of several (`--runs`): the row's
   * other figures are the median run's own.
   */
  wallMsRuns?: number[];
}

export interface ScaleOptions {
  scale: number;
  sizes: number[];
  failing: number;
  coldRuns: number;
  out: string;
  /** One untimed 1-backend run in each case process before the measured one. */
  warmup: boolean;
  /** Where each case hosts the sandbox (bench/scaleCase.ts). */
  sandbox: SandboxPlacement;
  /** Fresh processes per size and mode; the row is the run with the median time to verdict. */
  runs: number;
}

/** What the critical path of a case holds besides its mode: see {@link criticalPathBoundMs}. */
export interface ChainShape {
  /** A healthy peer exists to run the validation from (fix mode); default true. */
  peer?: boolean;
  /** Failing backends; default 1. With none, nothing is read in depth, checked or fixed. */
  failing?: number;
}

/**
 * The critical-path bound in sandbox ms: discovery depth (load balancer -> NIC -> VNet -> NSG) x an
 * ARM request, then the rule-health operation, then one Run Command (the failing backends' checks run
 * at once). Fix adds the security rule write, the probe's re-evaluation (interval x threshold), one
 * validation Run Command (only when a healthy peer exists to run it from: `peer`) and a health re-read.
 * With no failing backend the chain, in either mode, is the load balancer's GET and the rule-health
 * operation: nothing is read in depth, checked or written.
 */
export function criticalPathBoundMs(
  time: TimeModel,
  mode: 'observe' | 'fix',
  probe: { intervalSeconds: number; threshold: number },
  { peer = true, failing = 1 }: ChainShape = {},
): number {
  if (failing === 0) return durationMs(time, 'armRequest') + durationMs(time, 'ruleHealth');
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
    (peer ? durationMs(time, 'runCommand') : 0) +
    durationMs(time, 'ruleHealth')
  );
}

/** Runs one size and mode in a fresh process (its own peak RSS). */
function runCase(input: ScaleCaseInput): ScaleCaseResult {
  const run = spawnSync(process.execPath, [join(__dirname, 'scaleCase.js'), JSON.stringify(input)], {
    cwd: REPO_ROOT,
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
    'wall ms (runs)',
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
    r.wallMsRuns && r.wallMsRuns.length > 1
      ? `${r.wallMs.toFixed(0)} (${r.wallMsRuns[0] ?? ''}-${r.wallMsRuns[r.wallMsRuns.length - 1] ?? ''})`
      : r.wallMs.toFixed(0),
    r.boundMs.toFixed(0),
    // Two decimals: the done-when line is 1.3, and 1.32 must not print as "1.3x".
    `${r.ratio.toFixed(2)}x`,
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

/**
 * Parses `--scale`, `--sizes`, `--failing`, `--runs`, `--cold-runs`, `--warmup`, `--sandbox` and `--out`;
 * one clear error for a bad one (a size listed twice among them).
 */
export function parseScaleArgs(args: readonly string[]): ScaleOptions {
  const options: ScaleOptions = {
    scale: BENCH_SCALE,
    sizes: [1, 10, 100, 1000],
    failing: 5,
    coldRuns: 5,
    out: 'bench-results.json',
    warmup: true,
    sandbox: 'worker',
    runs: 5,
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
    else if (flag === '--runs') options.runs = Math.floor(number(1, 51));
    else if (flag === '--out') options.out = value;
    else if (flag === '--warmup') options.warmup = number(0, 1) === 1;
    else if (flag === '--sandbox') {
      if (value !== 'worker' && value !== 'in-process') {
        throw new Error(`--sandbox must be 'worker' or 'in-process', got '${value}'`);
      }
      options.sandbox = value;
    } else if (flag === '--sizes') {
      options.sizes = value.split(',').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 1 || n > 1000) {
          throw new Error(`--sizes takes backends counts from 1 to 1000, comma-separated, got '${value}'`);
        }
        return n;
      });
      const twice = options.sizes.find((n, i) => options.sizes.indexOf(n) !== i);
      if (twice !== undefined) throw new Error(`--sizes lists ${twice} more than once, got '${value}'`);
    } else
      throw new Error(
        `unknown option ${flag} (scale takes --scale, --sizes, --failing, --runs, --cold-runs, --warmup, --sandbox, --out)`,
      );
  }
  return options;
}

/**
 * A warning when this `node` is older than the one the Functions app runs on (package.json
 * `engines.node`, `>=22`, as infra/app/function.bicep's runtime): the figures would be that version's
 * V8 and Node's, not the product's as deployed (at 1,000 backends, observe, one run on Node 20 took
 * 365 ms where Node 22 took 269-297 ms; docs/benchmarks.md, session 18). Only a `>=N` range is read,
 * and only majors are compared: a newer major is not warned of (the range allows it). Undefined when
 * the node is not older, or when either version cannot be read.
 *
 * @param version - `process.version`, e.g. `v20.20.2`.
 * @param engines - package.json's `engines.node`, e.g. `>=22`.
 */
export function olderNodeWarning(version: string, engines: string | undefined): string | undefined {
  const wanted = /^>=\s*v?(\d+)/.exec(engines ?? '')?.[1];
  const major = /^v?(\d+)\./.exec(version)?.[1];
  if (wanted === undefined || major === undefined || Number(major) >= Number(wanted)) return undefined;
  return (
    `node ${version} is older than the app's (package.json engines.node ${engines ?? ''}): these figures ` +
    'are not the product as deployed; `npm run bench -- scale` runs the node devDependency'
  );
}

/** package.json's `engines.node`, or undefined. */
function enginesNode(): string | undefined {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    engines?: { node?: unknown };
  };
  return typeof manifest.engines?.node === 'string' ? manifest.engines.node : undefined;
}

/** One size and mode of the benchmark: a row of its table. */
export interface ScaleCaseKey {
  backends: number;
  mode: 'observe' | 'fix';
}

/**
 * The order the cases run in: `runs` rounds, each running every size and mode once (sizes in the
 * order given, observe then fix: the table's rows). Interleaved rather than row by row, because this
 * benchmark's machines drift: on the 2-core VM of docs/benchmarks.md every row slows by 10-30 ms for a
 * minute or so at a time. Run row by row, a slow minute lands on all the runs of one row and decides
 * its median; run round by round, it lands on one or two runs of every row, and each row's median is
 * a run of the machine's usual pace. No run is dropped or repeated: each row is still the median of
 * its `runs` runs.
 */
export function interleavedRounds(sizes: readonly number[], runs: number): ScaleCaseKey[][] {
  const round = sizes.flatMap((backends) =>
    (['observe', 'fix'] as const).map((mode) => ({ backends, mode })),
  );
  return Array.from({ length: runs }, () => round);
}

/** The row of one size and mode from its runs: the median run's own figures, the bound and the ratio. */
function rowOf(runsOfCase: readonly ScaleCaseResult[], time: TimeModel): ScaleRow {
  const runs = [...runsOfCase].sort((a, b) => a.wallMs - b.wallMs);
  // The median run (the lower middle of an even count): one run's own figures, not a mix.
  const r = runs[Math.floor((runs.length - 1) / 2)] as ScaleCaseResult;
  // With every backend failing there is no healthy peer to validate from: no validation Run Command.
  const boundMs = criticalPathBoundMs(
    time,
    r.mode,
    { intervalSeconds: r.probeIntervalSeconds, threshold: r.probeThreshold },
    { peer: r.backends > r.failing, failing: r.failing },
  );
  return {
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
    productLoopActiveMs: Math.round(r.productLoopActiveMs),
    ...(r.sandboxLoopActiveMs === undefined
      ? {}
      : { sandboxLoopActiveMs: Math.round(r.sandboxLoopActiveMs) }),
    ...(runs.length > 1 ? { wallMsRuns: runs.map((run) => Math.round(run.wallMs)) } : {}),
  };
}

/** Runs one case: in a fresh process for the benchmark ({@link runCase}). */
export type CaseRunner = (input: ScaleCaseInput) => ScaleCaseResult;

/**
 * Runs every case of `options` through `run`, in {@link interleavedRounds}, and makes the
 * table's rows (sizes as given, observe then fix), each from its own runs. `progress` is told of each
 * case before it runs.
 *
 * @returns the rows, and whether every run compiled with Sparkplug from the first call.
 */
export function runScaleCases(
  options: Pick<ScaleOptions, 'sizes' | 'runs' | 'failing' | 'scale' | 'warmup' | 'sandbox'>,
  time: TimeModel,
  run: CaseRunner,
  progress: (line: string) => void = (line) => process.stderr.write(line),
): { rows: ScaleRow[]; alwaysSparkplug: boolean } {
  const rounds = interleavedRounds(options.sizes, options.runs);
  // Each round is the table's rows in order: its j-th case is row j's.
  const runsOfRow: ScaleCaseResult[][] = (rounds[0] ?? []).map(() => []);
  rounds.forEach((round, r) =>
    round.forEach((c, j) => {
      progress(`  scale: round ${r + 1} of ${options.runs}: ${c.backends} backends, ${c.mode} ...\n`);
      const result = run({
        backends: c.backends,
        failing: Math.min(options.failing, c.backends),
        mode: c.mode,
        scale: options.scale,
        warmup: options.warmup,
        sandbox: options.sandbox,
      });
      runsOfRow[j]?.push(result);
    }),
  );
  return {
    rows: runsOfRow.map((runs) => rowOf(runs, time)),
    // Whether every case's process compiled with Sparkplug from the first call (scaleCase.ts sets it as the
    // product's entry points do; PROBE_DOCTOR_ALWAYS_SPARKPLUG=false in the environment turns it off).
    alwaysSparkplug: runsOfRow.every((runs) => runs.every((r) => r.alwaysSparkplug === true)),
  };
}

/** Runs the scale benchmark, writes the results file, prints the table. */
export async function runScaleBench(args: readonly string[]): Promise<void> {
  const options = parseScaleArgs(args);
  const time = resolveTimeModel({ scale: options.scale });
  const nodeWarning = olderNodeWarning(process.version, enginesNode());
  if (nodeWarning) process.stderr.write(`  scale: warning: ${nodeWarning}\n`);
  const { rows, alwaysSparkplug } = runScaleCases(options, time, runCase);
  let coldStart: ColdStartFigures | undefined;
  if (options.coldRuns > 0) {
    process.stderr.write(`  scale: cold start, ${options.coldRuns} runs each ...\n`);
    coldStart = await measureColdStart({ runs: options.coldRuns });
  }
  const results = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      ...(nodeWarning ? { nodeWarning } : {}),
      os: `${platform()} ${release()}`,
    },
    date: new Date().toISOString(),
    scale: options.scale,
    warmup: options.warmup,
    sandbox: options.sandbox,
    runs: options.runs,
    alwaysSparkplug,
    timeModelMs: Object.fromEntries(
      Object.keys(time.azureMs).map((k) => [k, durationMs(time, k as keyof TimeModel['azureMs'])]),
    ),
    rows,
    ...(coldStart ? { coldStart } : {}),
  };
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `probe-doctor scale benchmark: ${results.machine.cpus} CPU(s) (${results.machine.cpuModel}), node ${process.version}, ` +
      `Azure's latencies x ${options.scale}, sandbox ${options.sandbox === 'worker' ? 'in a worker thread' : 'in-process'}, ` +
      `V8 Sparkplug from the first call ${alwaysSparkplug ? 'on' : 'off'}, ` +
      `each row the median of ${options.runs} run(s), run in interleaved rounds; results in ${options.out}`,
  );
  if (nodeWarning) console.log(`warning: ${nodeWarning}`);
  console.log(formatScaleTable(rows));
  if (coldStart) {
    console.log(
      `\ncold start: ${coldStart.coldStartMs.toFixed(0)} ms loading the Functions app (${coldStart.functions} functions) ` +
        `vs ${coldStart.baselineMs.toFixed(0)} ms for require('durable-functions') alone: ${coldStart.ratio.toFixed(2)}x ` +
        `(median of ${coldStart.runs})`,
    );
  }
}
