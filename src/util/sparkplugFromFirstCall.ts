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
 * What it costs: each function called is compiled once more (Sparkplug's pass is cheap, but not free),
 * and its machine code is kept beside its bytecode (6-10 MB more peak RSS in the scale benchmark). A
 * long-lived process pays the compiling once and gains on every run after it: the Functions host, which
 * the scale benchmark's warm runs stand for. A process that runs once pays it in the same run: a CLI
 * `diagnose` of a scenario took 2,338 ms with it against 2,040 ms without (median of 6 each). So the
 * Functions app turns it on by default, and the CLI only when asked.
 *
 * How: `v8.setFlagsFromString` (node:v8), which acts on the functions compiled after it. The entry
 * points set it once their code is loaded and before it does its work, so the code that only runs
 * while loading is not compiled with it: the Functions bundle's entry after its registrations
 * (scripts/bundleFunctions.mjs), bin/probe-doctor.js before `main`, bench/scaleCase.ts before the run.
 * Node's documentation warns that a flag changed after V8 started may behave unpredictably,
 * "including crashes and data loss; or it may simply do nothing"; this one is read each time a
 * function is compiled, and only picks the tier its code is compiled to. Node refuses
 * `--always-sparkplug` in `NODE_OPTIONS`; on the Functions host the same flag could instead be given
 * from process start with the app setting `languageWorkers__node__arguments` (Azure Functions Node.js
 * developer guide).
 *
 * `PROBE_DOCTOR_ALWAYS_SPARKPLUG` (`true` or `false`, any case, spaces around it) overrides the entry
 * point's default. It is validated with the other settings when a run reads its configuration
 * (src/config.ts); here, before any of that, a value that is neither leaves the default.
 */
import { setFlagsFromString } from 'node:v8';

/** The environment variable that overrides an entry point's default (`true` or `false`). */
export const ALWAYS_SPARKPLUG_SETTING = 'PROBE_DOCTOR_ALWAYS_SPARKPLUG';

/**
 * Whether `env` asks for Sparkplug from the first call: `true` or `false` as it says, otherwise
 * `byDefault` (the entry point's: on in the Functions app, off at the CLI).
 */
export function alwaysSparkplugWanted(
  env: Readonly<Record<string, string | undefined>>,
  byDefault: boolean,
): boolean {
  const value = env[ALWAYS_SPARKPLUG_SETTING]?.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : byDefault;
}

/**
 * Has V8 compile every function called from now on with Sparkplug at its first call, if
 * {@link alwaysSparkplugWanted}. Call it before the code it should apply to runs.
 *
 * @param byDefault - whether to set it when the environment does not say
 * @returns whether the flag was set
 */
export function compileWithSparkplugFromFirstCall(
  env: Readonly<Record<string, string | undefined>>,
  byDefault: boolean,
): boolean {
  if (!alwaysSparkplugWanted(env, byDefault)) return false;
  setFlagsFromString('--always-sparkplug');
  return true;
}
