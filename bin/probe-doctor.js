#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
let sparkplug;
try {
  sparkplug = require('../dist/src/util/sparkplugFromFirstCall.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND') {
    console.error('probe-doctor is not built: run `npm run build` (or `npm ci && npm run demo`) first');
    process.exit(2);
  }
  throw err;
}
const cli = require('../dist/src/cli/main.js');
// Only when PROBE_DOCTOR_ALWAYS_SPARKPLUG=true: a CLI process runs once, and compiling everything it
// calls costs it more than it saves (src/util/sparkplugFromFirstCall.ts). Once the CLI is loaded,
// before it runs.
sparkplug.compileWithSparkplugFromFirstCall(process.env, false);
cli.main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
