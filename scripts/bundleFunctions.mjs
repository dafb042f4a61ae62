// Bundles the Functions app into what the Functions host loads (package.json "main":
// dist/deploy/functions.mjs) with the production dependencies inside it, and makes dist/deploy/ the
// deployable package (azure.yaml `dist`): the bundle and its chunks, host.json, and a package.json
// whose `main` is the bundle and which has no dependencies. The worker reads a few files instead of
// resolving ~1,500 modules at a cold start (docs/deploy.md, "The deployed bundle"; figures:
// `node dist/bench/coldStart.js`).
//
// - Every registration file in functions/ is imported by the entry (globbed, so a new function cannot
//   be left out); the entry's body then sets V8's --always-sparkplug for what invocations call
//   (src/util/sparkplugFromFirstCall.ts).
// - ES module output with code splitting: each `await import(...)` in functions/ and src/ (the Azure
//   identity, ARM, Storage and telemetry SDKs, the activities' wiring) becomes a separate chunk in
//   dist/deploy/chunks/, read and evaluated only when first used. The entry holds what registration
//   needs: @azure/functions, durable-functions, the triggers and the orchestrator.
// - Packages resolve through their "import" export condition (their ES module builds). CommonJS
//   packages (durable-functions, @azure/functions) call `require`, which an ES module lacks: the banner
//   gives every output file a `require` (node's createRequire, so the Functions worker's hook that
//   serves `@azure/functions-core` still applies), `__filename` and `__dirname`.
// - `@azure/functions-core` stays external: the worker provides it at run time; it is not on npm.
// - Minified for parse time, with names kept: the error classes take their `name` from `new.target.name`.
//   Source maps sit beside each file.
//
// Usage: node scripts/bundleFunctions.mjs [--metafile FILE] [--outdir DIR] [--external PACKAGE]...
// (--outdir and --external are for test/app/functionsBundle.test.ts: a copy of the bundle that leaves
// the heavy SDKs outside, so a module-load hook can see when they are loaded.)
import { build } from 'esbuild';
import { copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The values that follow each occurrence of `flag` on the command line. */
function option(flag) {
  return process.argv.flatMap((arg, i) => (arg === flag && process.argv[i + 1] ? [process.argv[i + 1]] : []));
}

const outdir = resolve(option('--outdir')[0] ?? join(root, 'dist', 'deploy'));

const registrations = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

// Chunk names carry a content hash: a stale chunk of an earlier build must not ship.
rmSync(outdir, { recursive: true, force: true });

const result = await build({
  stdin: {
    // The registrations, then V8's flag, on by default in this long-lived host: an ES module's body runs
    // after all its imports, so the flag is set once the app is loaded, for the code its invocations
    // call (src/util/sparkplugFromFirstCall.ts).
    contents: [
      ...registrations.map((name) => `import './functions/${name}';`),
      `import { compileWithSparkplugFromFirstCall } from './src/util/sparkplugFromFirstCall';`,
      'compileWithSparkplugFromFirstCall(process.env, true);',
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'functions-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  splitting: true,
  outdir,
  entryNames: 'functions',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  tsconfig: join(root, 'tsconfig.build.json'),
  external: ['@azure/functions-core', ...option('--external')],
  banner: {
    js: [
      "import { createRequire as __pdCreateRequire } from 'node:module';",
      "import { fileURLToPath as __pdFileURLToPath } from 'node:url';",
      "import { dirname as __pdDirname } from 'node:path';",
      'const require = __pdCreateRequire(import.meta.url);',
      'const __filename = __pdFileURLToPath(import.meta.url);',
      'const __dirname = __pdDirname(__filename);',
    ].join(' '),
  },
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});

// The package the host reads at the root of the deployment: `main` names the bundle; no dependencies,
// because the bundle carries them; `type` stays CommonJS (the bundle's .mjs extension makes it ESM).
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(
  join(outdir, 'package.json'),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      private: true,
      main: 'functions.mjs',
      engines: pkg.engines,
    },
    null,
    2,
  )}\n`,
);
copyFileSync(join(root, 'host.json'), join(outdir, 'host.json'));

const [metafile] = option('--metafile');
if (metafile) writeFileSync(metafile, JSON.stringify(result.metafile));
