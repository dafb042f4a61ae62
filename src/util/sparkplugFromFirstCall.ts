/**
 * V8 compiles each function probe-doctor calls to machine code at its first call, with Sparkplug, its
 * baseline compiler, instead of interpreting its bytecode until the function has been called often.
 *
 * Why: a run calls most of its code only a handful of times (one load balancer, a few failing
 * backends, some 60 ARM requests through the SDK pipeline, a dozen replays of the orchestrator), so
 * with V8's defaults nearly all of it runs in Ignition, the bytecode interpreter: a function is
 * compiled with Sparkplug only once its calls have used up an interrupt budget. Sparkplug compiles
 * bytecode in one linear pass, without speculation, so its code behaves exactly as the interpreter
 * does (same frames, same feedback, nothing to deoptimize), without the interpreter's dispatch per
 * bytecode ("Sparkplug — a non-optimizing JavaScript compiler", v8.dev/blog/sparkplug). V8's flag
 * `--always-sparkplug` ("directly tier up to Sparkplug code", `node --v8-options`) does it at the
 * first call; V8's test runner has a variant that runs its tests under it (`always_sparkplug` in
 * tools/testrunner/local/variants.py). Measured with the sandbox in a process of its own on V8's
 * defaults, so that only the product's code changes (docs/benchmarks.md, session 17): the product's
 * thread was busy 11% less per run at 10 backends and 23% less at 100, and time to verdict fell 9 and
 * 13 ms; at 1,000 backends its busy time fell 5% and its time to verdict did not measurably move.
 *
 * What it costs: each function called is compiled once more (Sparkplug's pass is cheap), and its
 * machine code is kept beside its bytecode (7-10 MB more peak RSS in the scale benchmark).
 *
 * How: `v8.setFlagsFromString` (node:v8). A flag set so acts only on the functions compiled after it,
 * so each entry point sets it before it loads anything else: bin/probe-doctor.js, src/cli/demoMain.ts,
 * the Functions bundle's entry (scripts/bundleFunctions.mjs), bench/scaleCase.ts. Node's documentation
 * warns that a flag changed after V8 started may behave unpredictably, "including crashes and data
 * loss; or it may simply do nothing"; this one is read each time a function is compiled, and only
 * picks the tier its code is compiled to. Node refuses `--always-sparkplug` in `NODE_OPTIONS`; on the
 * Functions host the same flag could instead be given from process start with the app setting
 * `languageWorkers__node__arguments` (Azure Functions Node.js developer guide).
 *
 * `PROBE_DOCTOR_ALWAYS_SPARKPLUG=false` leaves V8's defaults. The setting is validated with the others
 * (src/config.ts: `true` or `false`), when a run reads its configuration; here, before any of that is
 * loaded, only `false` (any case, spaces around it) turns it off.
 */
import { setFlagsFromString } from 'node:v8';

/** The environment variable that turns it off (`false`). */
export const ALWAYS_SPARKPLUG_SETTING = 'PROBE_DOCTOR_ALWAYS_SPARKPLUG';

/** Whether `env` leaves Sparkplug from the first call on: anything but `false` does. */
export function alwaysSparkplugWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return env[ALWAYS_SPARKPLUG_SETTING]?.trim().toLowerCase() !== 'false';
}

/**
 * Has V8 compile every function called from now on with Sparkplug at its first call, unless `env`
 * turns it off. Call it before the code it should apply to is loaded.
 *
 * @returns whether the flag was set
 */
export function compileWithSparkplugFromFirstCall(
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  if (!alwaysSparkplugWanted(env)) return false;
  setFlagsFromString('--always-sparkplug');
  return true;
}
