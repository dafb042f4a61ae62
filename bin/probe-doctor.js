#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
require('../dist/src/cli/main.js')
  .main(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
