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
 * first call; V8's own test runner runs its suites under it as a standard variant (`always_sparkplug`
 * in tools/testrunner/local/variants.py). Measured with the sandbox in a process of its own, on V8's
 * defaults, so that only the product's code changes (docs/benchmarks.md, session 17): the product's
 * thread is busy 11-26% less per run, and time to verdict falls 9 ms at 10 backends and 13 ms at 100.
 *
 * What it costs: each function called is compiled once more (Sparkplug's pass is cheap), and its
 * machine code is kept beside its bytecode (more code space; `peakRssMb` in the benchmark).
 *
 * How: `v8.setFlagsFromString` (node:v8), which acts on the functions compiled after it, so the entry
 * points (bin/probe-doctor.js, the Functions bundle's first import, the demo) call this before they
 * load the rest. Node's own documentation warns that a flag changed after V8 started may do nothing or
 * misbehave; this one is read each time a function is compiled. Node does not accept V8 flags in
 * `NODE_OPTIONS`; on the Functions host the same flag can instead be given from process start with the
 * app setting `languageWorkers__node__arguments` (Azure Functions Node.js developer guide).
 *
 * `PROBE_DOCTOR_ALWAYS_SPARKPLUG=off` leaves V8's defaults (docs/configuration.md).
 */
import { setFlagsFromString } from 'node:v8';

/** The setting that turns it off, and the values it takes. */
export const ALWAYS_SPARKPLUG_SETTING = 'PROBE_DOCTOR_ALWAYS_SPARKPLUG';
const ON = ['on', 'true', '1'];
const OFF = ['off', 'false', '0'];

/**
 * Whether `env` asks for Sparkplug from the first call: unset or empty is on.
 *
 * @throws Error naming the setting and the values it takes, for any other value.
 */
export function alwaysSparkplugWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  const raw = env[ALWAYS_SPARKPLUG_SETTING];
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || ON.includes(value)) return true;
  if (OFF.includes(value)) return false;
  throw new Error(
    `Setting ${ALWAYS_SPARKPLUG_SETTING} is invalid: expected on or off (got ${JSON.stringify(raw)}).`,
  );
}

/**
 * Has V8 compile every function called from now on with Sparkplug at its first call, unless `env`
 * turns it off. Call it before the code it should apply to is loaded.
 *
 * @returns whether the flag was set
 * @throws Error from {@link alwaysSparkplugWanted} for a value it does not take (nothing is set)
 */
export function compileWithSparkplugFromFirstCall(
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  if (!alwaysSparkplugWanted(env)) return false;
  setFlagsFromString('--always-sparkplug');
  return true;
}
