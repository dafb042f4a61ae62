/**
 * `npm run demo`: the demo's process entry. Like bin/probe-doctor.js it has V8 compile with Sparkplug
 * from each function's first call (src/util/sparkplugFromFirstCall.ts) before it loads the demo, then
 * runs it (src/cli/demo.ts).
 */
import { compileWithSparkplugFromFirstCall } from '../util/sparkplugFromFirstCall';

compileWithSparkplugFromFirstCall();

// Loaded only now, so that its code (and the SDKs, the sandbox, the durable host it loads) is compiled
// with the flag set.
import('./demo')
  .then(async ({ runDemo }) => {
    const code = await runDemo({
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    });
    process.exit(code);
  })
  .catch((err: unknown) => {
    process.stderr.write(
      `probe-doctor demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    // EXIT_ERROR of src/cli/main.ts, not imported: that would load the CLI before the flag.
    process.exit(2);
  });
