/**
 * Cold start of the Functions app: how long a fresh Node.js process takes to load every function
 * registration the way the Functions worker does (one `require` of package.json "main", with the
 * worker's `@azure/functions-core` module present so every registration really registers), compared
 * with `require('durable-functions')` alone in a fresh process (the floor any Durable Functions app
 * pays). Each figure is the median of N fresh processes, the two kinds interleaved so that a busy
 * machine slows both alike.
 *
 * `node dist/bench/coldStart.js [runs]` prints the figures (after `npm run build`, which writes the
 * bundle); `measureColdStart` is what the scale benchmark calls (`node dist/bench/run.js scale`).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root: bench/ from the sources (jest), dist/bench/ after the build. */
export const REPO_ROOT = resolve(
  __dirname,
  existsSync(join(__dirname, '..', 'package.json')) ? '..' : '../..',
);

/** The bundle the Functions host loads (package.json "main"; written by scripts/bundleFunctions.mjs). */
export const BUNDLE_FILE = join(REPO_ROOT, 'dist', 'deploy', 'functions.mjs');

/** One function as the app registered it with the worker. */
export interface Registration {
  name: string;
  /** The trigger binding's type, e.g. `httpTrigger`, `activityTrigger`, `orchestrationTrigger`. */
  trigger: string;
}

/** What one fresh process saw while loading a target. */
export interface LoadReport {
  /** Wall time of the `require` calls, in milliseconds (monotonic clock). */
  ms: number;
  registrations: Registration[];
  /**
   * Every module file node loaded (absolute paths): CommonJS modules from `require.cache`, and with
   * `COLD_START_TRACE=1` in `env` every module required or imported, through a module-load hook
   * (`module.registerHooks`, node >= 22.15). Code inlined in the bundle is not a module of its own and
   * does not appear here.
   */
  loadedFiles: string[];
  /**
   * With `--allow-natives-syntax` in `nodeArgs`: whether a function first called after the load was
   * compiled with Sparkplug at that call (the targets set `--always-sparkplug`). Absent otherwise.
   */
  sparkplugAfterLoad?: boolean;
  /**
   * With `--allow-natives-syntax` in `nodeArgs`: how many functions had registered when the targets
   * first set V8 flags (`v8.setFlagsFromString`); absent when they set none.
   */
  registrationsBeforeFlags?: number;
}

/**
 * The child's program: stands in for the Functions worker's `@azure/functions-core` (the module the
 * worker injects into `require` for `@azure/functions`; it is not on npm), records each
 * `registerFunction` call, times the `require` of every target, and prints a LoadReport as JSON.
 */
const CHILD = `
const Module = require('node:module');
const registrations = [];
const core = {
  setProgrammingModel() {},
  registerHook() { return { dispose() {} }; },
  log() {},
  registerFunction(metadata) {
    const trigger = Object.values(metadata.bindings || {}).find((b) => b.direction === 'in' && /Trigger$/.test(b.type));
    registrations.push({ name: metadata.name, trigger: trigger ? trigger.type : '' });
    return { dispose() {} };
  },
};
// With COLD_START_TRACE=1 (tests; never while timing, a hook slows every resolution): every module node
// resolves, required or imported (node >= 22.15 has synchronous in-thread hooks; older nodes report
// require.cache only).
const resolved = new Set();
if (process.env.COLD_START_TRACE === '1' && typeof Module.registerHooks === 'function') {
  Module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      if (result.url && result.url.startsWith('file:')) resolved.add(require('node:url').fileURLToPath(result.url));
      return result;
    },
  });
}
// With --allow-natives-syntax (tests; never while timing): how many functions had registered when V8's
// flags were set (the bundle sets --always-sparkplug once every registration has loaded,
// src/util/sparkplugFromFirstCall.ts). node:v8's ES module exports are synced with the patched function
// before anything imports it.
let registrationsBeforeFlags;
if (process.execArgv.includes('--allow-natives-syntax')) {
  const v8 = require('node:v8');
  const setFlags = v8.setFlagsFromString;
  v8.setFlagsFromString = function (flags) {
    registrationsBeforeFlags ??= registrations.length;
    return setFlags.call(this, flags);
  };
  Module.syncBuiltinESMExports();
}
const originalRequire = Module.prototype.require;
Module.prototype.require = function (id) {
  return id === '@azure/functions-core' ? core : originalRequire.apply(this, arguments);
};
const { pathToFileURL } = require('node:url');
(async () => {
  const targets = JSON.parse(process.env.COLD_START_TARGETS);
  const start = process.hrtime.bigint();
  // An ES module (the bundle) is imported, as the worker imports an .mjs "main"; CommonJS is required.
  for (const target of targets) {
    if (target.endsWith('.mjs')) await import(pathToFileURL(target).href);
    else require(target);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  for (const file of Object.keys(require.cache)) resolved.add(file);
  // With --allow-natives-syntax (tests; never while timing): whether a function first called after the
  // load runs as Sparkplug code (V8's OptimizationStatus bit kBaseline, 1 << 15), i.e. whether the
  // targets set --always-sparkplug (src/util/sparkplugFromFirstCall.ts).
  let sparkplugAfterLoad;
  if (process.execArgv.includes('--allow-natives-syntax')) {
    const statusOf = new Function('f', 'return %GetOptimizationStatus(f)');
    const calledOnce = function () { return 1; };
    calledOnce();
    sparkplugAfterLoad = (statusOf(calledOnce) & (1 << 15)) !== 0;
  }
  process.stdout.write(JSON.stringify({ ms, registrations, loadedFiles: [...resolved], sparkplugAfterLoad, registrationsBeforeFlags }));
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
`;

/**
 * Loads `targets` (module ids or absolute paths, resolved from the repository root; `.mjs` files are
 * imported, others required) in one fresh node process and reports what it saw. `env` is added to this process's environment;
 * `nodeArgs` go to node before the program.
 *
 * @throws Error with the child's stderr when it fails to load a target.
 */
export async function loadInFreshProcess(
  targets: readonly string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: readonly string[] = [],
): Promise<LoadReport> {
  const { stdout } = await run(process.execPath, [...nodeArgs, '-e', CHILD], childOptions(targets, env));
  return JSON.parse(stdout) as LoadReport;
}

function childOptions(targets: readonly string[], env: NodeJS.ProcessEnv) {
  return {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, COLD_START_TARGETS: JSON.stringify(targets) },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  };
}

/** tsc's output of every registration file, loaded one by one: how the app was deployed before the bundle. */
export function unbundledEntryPoints(): string[] {
  const dir = join(REPO_ROOT, 'dist', 'functions');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Every function registers only with its settings present: the fleet sweep's timer exists only with
 * a schedule, so the measurement sets one (the most the app ever loads).
 */
export const ALL_FUNCTIONS_ENV: NodeJS.ProcessEnv = { PROBE_DOCTOR_SWEEP_SCHEDULE: '0 */15 * * * *' };

/** The cold-start figures: medians in milliseconds over `runs` fresh processes each. */
export interface ColdStartFigures {
  /** Loading the bundle (every function entry point) in a fresh process. */
  coldStartMs: number;
  /** `require('durable-functions')` alone in a fresh process. */
  baselineMs: number;
  /** coldStartMs / baselineMs (the bound: <= 2). */
  ratio: number;
  /** Loading tsc's unbundled output (the app before the bundle), when asked for. */
  unbundledMs?: number;
  /** Functions the bundle registered. */
  functions: number;
  runs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Measures the cold start of the bundle against `require('durable-functions')`, `runs` fresh
 * processes each, interleaved. With `unbundled`, tsc's per-file output is measured too.
 */
export async function measureColdStart(
  options: { runs?: number; unbundled?: boolean; bundleFile?: string } = {},
): Promise<ColdStartFigures> {
  const runs = options.runs ?? 9;
  const bundle: number[] = [];
  const baseline: number[] = [];
  const unbundled: number[] = [];
  let functions = 0;
  for (let i = 0; i < runs; i++) {
    const report = await loadInFreshProcess([options.bundleFile ?? BUNDLE_FILE], ALL_FUNCTIONS_ENV);
    bundle.push(report.ms);
    functions = report.registrations.length;
    baseline.push((await loadInFreshProcess(['durable-functions'])).ms);
    if (options.unbundled) {
      unbundled.push((await loadInFreshProcess(unbundledEntryPoints(), ALL_FUNCTIONS_ENV)).ms);
    }
  }
  const coldStartMs = median(bundle);
  const baselineMs = median(baseline);
  return {
    coldStartMs,
    baselineMs,
    ratio: coldStartMs / baselineMs,
    ...(options.unbundled ? { unbundledMs: median(unbundled) } : {}),
    functions,
    runs,
  };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 9);
  const figures = await measureColdStart({ runs, unbundled: true });
  const f = (ms: number | undefined) => `${(ms ?? 0).toFixed(0)} ms`;
  console.log(`cold start, node ${process.version}, median of ${runs} fresh processes each:`);
  console.log(`  bundle (${figures.functions} functions): ${f(figures.coldStartMs)}`);
  console.log(`  require('durable-functions'):  ${f(figures.baselineMs)}`);
  console.log(`  ratio: ${figures.ratio.toFixed(2)} (bound: 2)`);
  console.log(
    `  unbundled dist/functions/*.js: ${f(figures.unbundledMs)} (${((figures.unbundledMs ?? 0) / figures.baselineMs).toFixed(2)}x)`,
  );
  console.log(JSON.stringify(figures));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
