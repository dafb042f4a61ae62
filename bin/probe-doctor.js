#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
try {
  // Before the CLI is loaded, so that V8 compiles what it calls with Sparkplug at the first call
  // (src/util/sparkplugFromFirstCall.ts); a bad PROBE_DOCTOR_ALWAYS_SPARKPLUG stops here, named.
  require('../dist/src/util/sparkplugFromFirstCall.js').compileWithSparkplugFromFirstCall();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
require('../dist/src/cli/main.js')
  .main(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
