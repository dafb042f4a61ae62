/**
 * The process of one scale case: `node dist/bench/scaleCase.js '<ScaleCaseInput as JSON>'` prints one
 * JSON line, the {@link ScaleCaseResult} of bench/scaleCaseRun.ts with `alwaysSparkplug`.
 *
 * This process stands for the Functions host's (a warm host: bench/scaleCaseRun.ts warms it up first),
 * so it does what that entry point does: once the code is loaded and before the work, V8 compiles with
 * Sparkplug from each function's first call (src/util/sparkplugFromFirstCall.ts;
 * PROBE_DOCTOR_ALWAYS_SPARKPLUG=false leaves V8's defaults). A V8 flag is the process's, so the
 * sandbox's worker thread compiles with it too (docs/benchmarks.md, session 17, measures the product's
 * share alone).
 */
import { runScaleCase, type ScaleCaseInput } from './scaleCaseRun';
import { compileWithSparkplugFromFirstCall } from '../src/util/sparkplugFromFirstCall';

// The Functions host's default: its warm runs are what this process measures.
const alwaysSparkplug = compileWithSparkplugFromFirstCall(process.env, true);
runScaleCase(JSON.parse(process.argv[2] ?? '{}') as ScaleCaseInput)
  .then((result) => {
    process.stdout.write(`${JSON.stringify({ ...result, alwaysSparkplug })}\n`);
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
