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
// Before the CLI is loaded: V8 compiles what it calls with Sparkplug at the first call
// (src/util/sparkplugFromFirstCall.ts).
sparkplug.compileWithSparkplugFromFirstCall();
require('../dist/src/cli/main.js')
  .main(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
