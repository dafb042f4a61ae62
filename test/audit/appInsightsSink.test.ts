/**
 * The Application Insights sink with the REAL Azure Monitor OpenTelemetry exporter, against a local HTTPS ingestion stand-in.
 * The exporter trusts only NODE_EXTRA_CA_CERTS, read when Node starts, so the sink runs in a child
 * process (BOOTSTRAP below -> fixtures/emitRun.ts) started with the stand-in's CA; the child records every
 * socket it opens, and these tests assert on what reached the stand-in and on where the child connected.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersOf, eventIdsOfBatch } from '../../src/audit/appInsightsSink';
import { AUDIT_EVENT_NAMES } from '../../src/audit/events';
import { startIngestionServer, type Envelope, type IngestionServer } from '../helpers/ingestionServer';
import { ALERT_ID, BACKEND_1, LB_ID, NSG_ID, RULE_AFTER, RUN_ID } from './fixtures/runData';

// Generous: transpiling the sources on require takes long on a loaded 2-core machine.
const CHILD_TIMEOUT_MS = 60_000;

/**
 * The child's entry: lets plain node load the TypeScript sources by transpiling them on require (no
 * build step), installs the connection recorder, then runs emitRun.ts.
 */
const BOOTSTRAP = `
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
require(path.join(process.env.FIXTURES_DIR, 'recordConnections.ts'));
require(path.join(process.env.FIXTURES_DIR, 'emitRun.ts'));
`;

interface ChildOutcome {
  exitCode: number | null;
  stderr: string;
  result: { refused?: string };
  connections: { connections: string[]; lookups: string[] };
}

/** Runs the emitting child against `server`; kills it by pid if it outlives the timeout. */
async function runChild(server: IngestionServer, mode: 'full-run' | 'refused'): Promise<ChildOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'probe-doctor-audit-child-'));
  const resultFile = join(dir, 'result.json');
  const connectionsFile = join(dir, 'connections.json');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The child must find its endpoint only in the connection string it is given.
  delete env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  // No phone-home: the exporter's statistics (statsbeat / SDK stats, which would go to a Microsoft host
  // and first ask the VM metadata service 169.254.169.254) are switched off by the SINK itself, which
  // sets these variables when they are unset. They are removed here so that the product's own default is
  // what is tested; the pipeline has no live metrics or resource detectors to switch off. The child
  // records every socket and DNS lookup ("contacts nothing but the configured ingestion endpoint").
  delete env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED;
  delete env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED;
  delete env.APPLICATION_INSIGHTS_NO_STATSBEAT;
  const child = spawn(process.execPath, ['-e', BOOTSTRAP], {
    cwd: join(__dirname, '..', '..'),
    env: {
      ...env,
      FIXTURES_DIR: join(__dirname, 'fixtures'),
      NODE_EXTRA_CA_CERTS: server.caFile,
      INGESTION_CONNECTION_STRING: server.connectionString,
      EMIT_MODE: mode,
      RESULT_FILE: resultFile,
      CONNECTIONS_FILE: connectionsFile,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, CHILD_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearTimeout(timer);
  try {
    return {
      exitCode,
      stderr,
      result: JSON.parse(await readFile(resultFile, 'utf8')) as ChildOutcome['result'],
      connections: JSON.parse(await readFile(connectionsFile, 'utf8')) as ChildOutcome['connections'],
    };
  } catch (err) {
    throw new Error(`child (${mode}) exited ${String(exitCode)} without results: ${stderr}`, { cause: err });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const props = (e: Envelope): Record<string, string> => e.data?.baseData?.properties ?? {};
const named = (events: Envelope[], name: string): Envelope[] =>
  events.filter((e) => e.data?.baseData?.name === name);

describe('AppInsightsAuditSink through the real exporter', () => {
  let full: IngestionServer;
  let refusing: IngestionServer;
  let fullRun: ChildOutcome;
  let refusedRun: ChildOutcome;

  beforeAll(async () => {
    [full, refusing] = await Promise.all([startIngestionServer(), startIngestionServer()]);
    // Ingestion takes the batch but refuses the FixPlanned item, as it does a malformed item (HTTP 206).
    refusing.setAnswerer((batch) => {
      const index = batch.findIndex((e) => e.data?.baseData?.name === 'ProbeDoctor.FixPlanned');
      return {
        status: 206,
        body: {
          itemsReceived: batch.length,
          itemsAccepted: batch.length - 1,
          errors: [{ index, statusCode: 400, message: "Field 'after' is invalid" }],
        },
      };
    });
    // Both children at once: each takes a few seconds to load the exporter.
    [fullRun, refusedRun] = await Promise.all([runChild(full, 'full-run'), runChild(refusing, 'refused')]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([full?.close(), refusing?.close()]);
  });

  it('delivers every event of a full run, in order, as custom events', () => {
    // Prepare
    const expected = [
      'ProbeDoctor.RunStarted',
      'ProbeDoctor.BackendChecked',
      'ProbeDoctor.BackendChecked',
      'ProbeDoctor.CauseFound',
      'ProbeDoctor.FixPlanned',
      'ProbeDoctor.FixApplied',
      'ProbeDoctor.ValidationResult',
      'ProbeDoctor.RunFinished',
      'ProbeDoctor.AlertRejected',
    ];

    // Act
    const names = full.events().map((e) => e.data?.baseData?.name);

    // Assess
    expect(fullRun.exitCode).toBe(0);
    expect(names).toEqual(expected);
    expect(full.envelopes).toHaveLength(expected.length);
    for (const e of full.events()) {
      expect(e.name).toBe('Microsoft.ApplicationInsights.Event');
      expect(e.iKey).toBe(full.instrumentationKey);
      expect(AUDIT_EVENT_NAMES).toContain(e.data?.baseData?.name);
    }
  });

  it('carries the run dimensions on every event of the run, and a unique eventId on each', () => {
    // Prepare
    const runEvents = full.events().filter((e) => e.data?.baseData?.name !== 'ProbeDoctor.AlertRejected');

    // Act
    const ids = full.events().map((e) => props(e).eventId);

    // Assess
    expect(runEvents).toHaveLength(8);
    for (const e of runEvents) {
      expect(props(e)).toMatchObject({
        schemaVersion: '1',
        runId: RUN_ID,
        alertId: ALERT_ID,
        loadBalancerId: LB_ID,
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        mode: 'fix',
      });
    }
    expect(new Set(ids).size).toBe(full.events().length);
  });

  it('sends the change with its before and after as JSON strings', () => {
    // Act
    const [applied] = named(full.events(), 'ProbeDoctor.FixApplied');

    // Assess
    expect(props(applied!)).toMatchObject({
      fixKind: 'nsg-allow-probe',
      target: NSG_ID,
      causeId: 'nsg-blocks-probe',
      backend: BACKEND_1,
      outcome: 'applied',
      before: 'null',
    });
    expect(JSON.parse(props(applied!).after!)).toEqual(RULE_AFTER);
  });

  it('sends a cause with its evidence and a rejected alert with its reason', () => {
    // Act
    const [cause] = named(full.events(), 'ProbeDoctor.CauseFound');
    const [rejected] = named(full.events(), 'ProbeDoctor.AlertRejected');

    // Assess
    expect(JSON.parse(props(cause!).evidence!)).toEqual({
      nsgId: NSG_ID,
      ruleName: 'DenyAllInbound',
      priority: 4000,
      level: 'subnet',
    });
    expect(props(rejected!)).toMatchObject({
      runId: 'invocation-51e0',
      outcome: 'out-of-scope',
      reason: 'subscription 11111111-1111-1111-1111-111111111111 is not in PROBE_DOCTOR_ALLOWED_SCOPES',
    });
    expect(props(rejected!).loadBalancerId).toBeUndefined();
  });

  it('contacts nothing but the configured ingestion endpoint', () => {
    // Assess: every socket the child opened went to the stand-in, and it resolved no host names.
    expect(fullRun.connections.connections.length).toBeGreaterThan(0);
    expect(new Set(fullRun.connections.connections)).toEqual(new Set([`127.0.0.1:${full.port}`]));
    expect(fullRun.connections.lookups).toEqual([]);
    expect(full.requests.every((r) => r.method === 'POST' && r.path === '/v2.1/track')).toBe(true);
  });

  it('rejects a confirmed emit that ingestion refused, naming the reason', () => {
    // Assess
    expect(refusedRun.exitCode).toBe(0);
    expect(refusedRun.result.refused).toBe(
      "AuditWriteError: Application Insights did not accept audit event ProbeDoctor.FixPlanned: rejected by ingestion: 400 Field 'after' is invalid",
    );
    expect(named(refusing.events(), 'ProbeDoctor.FixPlanned')).toHaveLength(1);
    expect(new Set(refusedRun.connections.connections)).toEqual(new Set([`127.0.0.1:${refusing.port}`]));
  });
});

describe('reading ingestion answers', () => {
  const body = JSON.stringify([
    { data: { baseData: { properties: { eventId: 'a' } } } },
    { data: { baseData: { properties: {} } } },
    { data: { baseData: { properties: { eventId: 'c' } } } },
  ]);

  it('finds the eventId of each envelope in batch order', () => {
    // Act
    const ids = eventIdsOfBatch(body);

    // Assess
    expect(ids).toEqual(['a', undefined, 'c']);
  });

  it.each([
    [
      200,
      '{"itemsReceived":3,"itemsAccepted":3,"errors":[]}',
      { a: 'accepted (HTTP 200)', c: 'accepted (HTTP 200)' },
    ],
    [
      206,
      '{"itemsReceived":3,"itemsAccepted":2,"errors":[{"index":2,"statusCode":400,"message":"bad"}]}',
      { a: 'accepted (HTTP 206)', c: 'rejected by ingestion: 400 bad' },
    ],
    [
      429,
      '{"itemsReceived":3,"itemsAccepted":0,"errors":[]}',
      { a: 'ingestion answered HTTP 429', c: 'ingestion answered HTTP 429' },
    ],
    [503, '<html>unavailable</html>', { a: 'ingestion answered HTTP 503', c: 'ingestion answered HTTP 503' }],
  ])('HTTP %i answer %s', (status, text, expected) => {
    // Act
    const answers = answersOf(eventIdsOfBatch(body), status, text);

    // Assess
    expect(Object.fromEntries([...answers].map(([id, a]) => [id, a.detail]))).toEqual(expected);
    expect(answers.get('a')?.accepted).toBe(status === 200 || status === 206);
  });
});
