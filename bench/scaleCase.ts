/**
 * The process of one scale case: `node dist/bench/scaleCase.js '<ScaleCaseInput as JSON>'` prints one
 * JSON line, the {@link ScaleCaseResult} of bench/scaleCaseRun.ts with `alwaysSparkplug`.
 *
 * This process stands for the product's (the Functions host's, the CLI's), so it does first what their
 * entry points do first: V8 compiles with Sparkplug from each function's first call
 * (src/util/sparkplugFromFirstCall.ts; PROBE_DOCTOR_ALWAYS_SPARKPLUG=false leaves V8's defaults), set
 * before the product's code is loaded. A V8 flag is the process's, so the sandbox's worker thread
 * compiles with it too (docs/benchmarks.md, session 17, measures the product's share alone).
 */
import { compileWithSparkplugFromFirstCall } from '../src/util/sparkplugFromFirstCall';
import type { ScaleCaseInput } from './scaleCaseRun';

const alwaysSparkplug = compileWithSparkplugFromFirstCall();
const input = JSON.parse(process.argv[2] ?? '{}') as ScaleCaseInput;
// Loaded only now, with the flag set.
import('./scaleCaseRun')
  .then(({ runScaleCase }) => runScaleCase(input))
  .then((result) => {
    process.stdout.write(`${JSON.stringify({ ...result, alwaysSparkplug })}\n`);
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
