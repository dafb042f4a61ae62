/**
 * The deployed artifact: the bundle the Functions host loads (package.json "main", built by
 * `npm run build`). Loaded in fresh node processes with a stand-in for the worker's
 * `@azure/functions-core` (bench/coldStart.ts), the way the worker loads it. Nothing here is timed:
 * the figures are `node dist/bench/coldStart.js`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ALL_FUNCTIONS_ENV,
  BUNDLE_FILE,
  REPO_ROOT,
  loadInFreshProcess,
  unbundledEntryPoints,
  type Registration,
} from '../../bench/coldStart';

const run = promisify(execFile);

/** Every function the app registers today (functions/*.ts), with its trigger kind. */
const EXPECTED: Registration[] = [
  ...[
    'getPolicy',
    'discoverTopology',
    'checkBackend',
    // Still registered for instances of flow version 1 in flight at a deployment (FLOW_VERSION).
    'diagnose',
    'planFixes',
    'diagnoseAndPlan',
    'applyFixes',
    'validate',
    'rollbackFixes',
    'escalate',
    'finalizeReport',
    'closeRun',
  ].map((name) => ({ name, trigger: 'activityTrigger' })),
  { name: 'alertWebhook', trigger: 'httpTrigger' },
  { name: 'approval', trigger: 'httpTrigger' },
  { name: 'manualStart', trigger: 'httpTrigger' },
  { name: 'nsgLock', trigger: 'entityTrigger' },
  { name: 'probeDoctorOrchestrator', trigger: 'orchestrationTrigger' },
  { name: 'fleetSweep', trigger: 'timerTrigger' },
];

/**
 * The SDKs a cold start must not load: the ARM clients, Azure identity (MSAL), Storage, and the
 * telemetry exporter with the OpenTelemetry SDK under it (and the Application Insights packages, should
 * someone bring them back). They are loaded on first use, inside the invocations that need them.
 */
const HEAVY = [
  '@azure/arm-*',
  '@azure/identity',
  '@azure/msal-node',
  '@azure/storage-blob',
  '@azure/monitor-opentelemetry-exporter',
  '@opentelemetry/*',
  'applicationinsights',
  '@azure/monitor-opentelemetry',
];
/**
 * A file of one of those packages. `@opentelemetry/api` (the no-op tracing API) is not one: durable-
 * functions itself loads it at import, so it is part of the baseline every Durable Functions app pays.
 */
const HEAVY_PATH =
  /\/node_modules\/(@azure\/arm-[^/]+|@azure\/identity|@azure\/msal-node|@azure\/storage-blob|@azure\/monitor-opentelemetry(?:-exporter)?|@opentelemetry\/(?!api\/)[^/]+|applicationinsights)\//;

const byName = (a: Registration, b: Registration) => a.name.localeCompare(b.name);
const heavyPackages = (files: readonly string[]) =>
  [...new Set(files.flatMap((f) => HEAVY_PATH.exec(f)?.[1] ?? []))].sort();

describe('the Functions bundle (package.json "main")', () => {
  it('is what package.json names as main, in the deployable folder azure.yaml names', () => {
    // Prepare
    const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
    const pkg = JSON.parse(read('package.json')) as { main: string };
    const deployed = JSON.parse(read('dist/deploy/package.json')) as Record<string, unknown>;

    // Assess
    expect(join(REPO_ROOT, pkg.main)).toBe(BUNDLE_FILE);
    expect(existsSync(BUNDLE_FILE)).toBe(true);
    expect(read('azure.yaml')).toMatch(/^ {4}dist: dist\/deploy$/m);
    // The deployed package: the bundle as main, no dependencies (the bundle carries them), host.json.
    expect(join(REPO_ROOT, 'dist', 'deploy', deployed.main as string)).toBe(BUNDLE_FILE);
    expect(deployed).not.toHaveProperty('dependencies');
    expect(read('dist/deploy/host.json')).toBe(read('host.json'));
  });

  it('registers every function with its trigger kind, as the unbundled registrations do', async () => {
    // Act
    const [bundled, unbundled] = await Promise.all([
      loadInFreshProcess([BUNDLE_FILE], ALL_FUNCTIONS_ENV),
      loadInFreshProcess(unbundledEntryPoints(), ALL_FUNCTIONS_ENV),
    ]);

    // Assess
    expect([...bundled.registrations].sort(byName)).toEqual([...EXPECTED].sort(byName));
    expect([...bundled.registrations].sort(byName)).toEqual([...unbundled.registrations].sort(byName));
  }, 120_000);

  it('needs nothing from node_modules: every file it loads is its own or node built-in', async () => {
    // Act
    const report = await loadInFreshProcess([BUNDLE_FILE], { ...ALL_FUNCTIONS_ENV, COLD_START_TRACE: '1' });

    // Assess
    expect(report.loadedFiles.filter((f) => f.includes('/node_modules/'))).toEqual([]);
    expect(report.registrations).toHaveLength(EXPECTED.length);
  }, 120_000);

  it('evaluates every lazily loaded chunk (what the first invocations load) without error', async () => {
    // Prepare: a chunk that cannot run in node (a missing `require`, `__dirname` or `import.meta`)
    // would fail only at the first invocation that needs it, in Azure; here it fails the load.
    const chunkDir = join(REPO_ROOT, 'dist', 'deploy', 'chunks');
    const chunks = readdirSync(chunkDir)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => join(chunkDir, f));

    // Act
    const report = await loadInFreshProcess([BUNDLE_FILE, ...chunks], ALL_FUNCTIONS_ENV);

    // Assess
    expect(chunks.length).toBeGreaterThan(1);
    expect(report.registrations).toHaveLength(EXPECTED.length);
  }, 120_000);

  describe('with the heavy SDKs left outside the bundle, so a module-load hook sees them', () => {
    let outdir: string;
    let entry: string;

    beforeAll(async () => {
      // The same build as the deployed bundle, with the heavy packages external: esbuild keeps an
      // `import` of each where the product's code has one, eager or lazy, so loading them is visible.
      // Inside the repository, so the external packages resolve from its node_modules.
      outdir = await mkdtemp(join(REPO_ROOT, 'dist', 'bundle-heavy-external-'));
      await run(
        process.execPath,
        [
          join(REPO_ROOT, 'scripts', 'bundleFunctions.mjs'),
          '--outdir',
          outdir,
          ...HEAVY.flatMap((p) => ['--external', p]),
        ],
        { cwd: REPO_ROOT, timeout: 120_000 },
      );
      entry = join(outdir, 'functions.mjs');
    }, 150_000);

    afterAll(async () => {
      if (outdir) await rm(outdir, { recursive: true, force: true });
    });

    it('loads none of them when every function registers (the cold start)', async () => {
      // Act
      const report = await loadInFreshProcess([entry], { ...ALL_FUNCTIONS_ENV, COLD_START_TRACE: '1' });

      // Assess
      expect(report.registrations).toHaveLength(EXPECTED.length);
      expect(heavyPackages(report.loadedFiles)).toEqual([]);
    }, 120_000);

    it('loads them once the lazily loaded chunks run (so the check above can see them)', async () => {
      // Prepare
      const chunks = readdirSync(join(outdir, 'chunks'))
        .filter((f) => f.endsWith('.mjs'))
        .map((f) => join(outdir, 'chunks', f));

      // Act
      const report = await loadInFreshProcess([entry, ...chunks], {
        ...ALL_FUNCTIONS_ENV,
        COLD_START_TRACE: '1',
      });

      // Assess (Storage is not among them: its `import()` runs only when the run store is built)
      expect(heavyPackages(report.loadedFiles)).toEqual(
        expect.arrayContaining([
          '@azure/arm-network',
          '@azure/identity',
          '@azure/monitor-opentelemetry-exporter',
          '@opentelemetry/sdk-logs',
        ]),
      );
    }, 120_000);
  });
});
