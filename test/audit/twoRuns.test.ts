/**
 * Two incidents on one load balancer are two runs everywhere (#10): in `probe-doctor audit`, in the
 * KQL queries and the workbook run over the recorded trail, and in the support ticket's name.
 *
 * The recording (fixtures/two-incidents.jsonl) is what the JSON lines sink wrote while two `--fix`
 * runs of scenarios/nsg-deny-all-blocks-probe.json ran against one sandbox an hour apart
 * (fixtures/twoIncidents.ts says how; RECORD_TWO_INCIDENTS=1 writes it anew). Each event becomes the
 * `customEvents` row Application Insights would hold (fixtures/customEvents.ts).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { AuditEvent } from '../../src/audit/events';
import { parseAuditLines } from '../../src/audit/timeline';
import type { Report } from '../../src/model/report';
import { instanceIdFor } from '../../src/triggers/instanceId';
import { instanceIdOfRun, RUN_ID } from '../../src/workflow/runId';
import { HOUR_MS, recordIncidents, removeTheFix } from './fixtures/twoIncidents';
import { customEvents } from './fixtures/customEvents';
import { runKql } from './kqlEvaluator';

const ROOT = join(__dirname, '..', '..');
const RECORDING = join(__dirname, 'fixtures', 'two-incidents.jsonl');
const QUERY = (file: string) => readFileSync(join(ROOT, 'infra', 'queries', file), 'utf8');

// Absent only while RECORD_TWO_INCIDENTS=1 writes it for the first time.
const recorded = existsSync(RECORDING) ? parseAuditLines(readFileSync(RECORDING, 'utf8'), RECORDING) : [];
const runsInFile = [...new Set(recorded.map((e) => e.runId))];

/** Each run's own start (its RunStarted) and end (its RunFinished), from the file itself. */
function ownSpans(events: readonly AuditEvent[]) {
  return runsInFile.map((runId) => {
    const time = (name: string) =>
      Date.parse(events.find((e) => e.runId === runId && e.name === name)?.time ?? '');
    return { runId, started: time('ProbeDoctor.RunStarted'), finished: time('ProbeDoctor.RunFinished') };
  });
}

describe('the recorded two-incident trail', () => {
  it('holds two runs of one load balancer, an hour apart, each with its own run id', () => {
    // Act
    const spans = ownSpans(recorded);
    const loadBalancers = new Set(recorded.map((e) => ('loadBalancerId' in e ? e.loadBalancerId : '')));

    // Assess
    expect(loadBalancers.size).toBe(1);
    expect(runsInFile).toHaveLength(2);
    const instance = instanceIdFor([...loadBalancers][0]!);
    for (const id of runsInFile) {
      expect(id).toMatch(RUN_ID);
      expect(id.endsWith(`-${instance}`)).toBe(true);
    }
    expect(spans[1]!.started - spans[0]!.finished).toBeGreaterThanOrEqual(HOUR_MS);
    for (const s of spans) expect(s.finished).toBeGreaterThan(s.started);
    const outcomes = recorded.filter((e) => e.name === 'ProbeDoctor.RunFinished').map((e) => e.outcome);
    expect(outcomes).toEqual(['resolved', 'resolved']);
  });

  it('`probe-doctor audit` lists two runs, and renders each one its own report', async () => {
    // Act
    let out = '';
    const io = { out: (t: string) => void (out += t), err: () => undefined };
    const code = await main(['node', 'probe-doctor', 'audit', '--file', RECORDING], io);
    const timelines = out;
    const reports: Report[] = [];
    for (const runId of runsInFile) {
      out = '';
      await main(
        ['node', 'probe-doctor', 'audit', '--file', RECORDING, '--run', runId, '--format', 'json'],
        io,
      );
      reports.push(JSON.parse(out) as Report);
    }

    // Assess
    expect(code).toBe(0);
    expect(timelines.match(/^Run \S+/gm)).toEqual(runsInFile.map((id) => `Run ${id}`));
    expect(reports.map((r) => r.verdict)).toEqual(['resolved', 'resolved']);
    expect(reports.map((r) => r.runId)).toEqual(runsInFile);
  });

  it('`--run` with the instance id (what sweep and the HTTP trigger print) shows both of its runs', async () => {
    // Prepare
    const lbIds = recorded.map((e) => ('loadBalancerId' in e ? e.loadBalancerId : '')).filter(Boolean);
    const instance = instanceIdFor(lbIds[0]!);
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };

    // Act
    const code = await main(['node', 'probe-doctor', 'audit', '--file', RECORDING, '--run', instance], io);
    const formatted = await main(
      ['node', 'probe-doctor', 'audit', '--file', RECORDING, '--run', instance, '--format', 'json'],
      io,
    );

    // Assess: the timelines of both runs; one report needs one run, and the error names both
    expect(code).toBe(0);
    expect(out.match(/^Run \S+/gm)).toEqual(runsInFile.map((id) => `Run ${id}`));
    expect(formatted).toBe(2);
    expect(err).toContain(`runs of ${instance}: ${runsInFile.join(', ')}`);
  });
});

describe('the audit queries over the recorded trail (Kusto-checked, then run)', () => {
  const rows = customEvents(recorded);
  // Loading Microsoft's language service takes seconds on a loaded machine: not any one test's time.
  beforeAll(() => void runKql('customEvents | take 1', { customEvents: [] }), 120_000);

  it('runs.kql: one row per run, each with its own run id and end', () => {
    // Act
    const result = runKql(QUERY('runs.kql'), { customEvents: rows });

    // Assess
    const spans = ownSpans(recorded);
    expect(
      result
        .map((r) => ({ runId: r.runId, verdict: r.verdict, finished: (r.finished as Date).getTime() }))
        .sort((a, b) => a.finished - b.finished),
    ).toEqual(spans.map((s) => ({ runId: s.runId, verdict: 'resolved', finished: s.finished })));
  });

  it('mttr-per-load-balancer.kql: two resolved runs, each timed from its own start', () => {
    // Act
    const [row, ...more] = runKql(QUERY('mttr-per-load-balancer.kql'), { customEvents: rows });

    // Assess: the minutes each run took by its own RunStarted and RunFinished (datetime_diff counts
    // whole seconds crossed), averaged and rounded as the query does.
    const minutes = ownSpans(recorded).map(
      (s) => (Math.floor(s.finished / 1000) - Math.floor(s.started / 1000)) / 60,
    );
    const round1 = (x: number) => Math.round(x * 10) / 10;
    expect(more).toEqual([]);
    expect(row).toEqual({
      loadBalancer: recorded[0] && 'loadBalancerId' in recorded[0] ? recorded[0].loadBalancerId : '',
      resolvedRuns: 2,
      meanMinutesToResolve: round1((minutes[0]! + minutes[1]!) / 2),
      maxMinutesToResolve: round1(Math.max(...minutes)),
    });
    // Not the first run's start: the second run would then have taken more than an hour.
    expect(row!.maxMinutesToResolve).toBeLessThan(60);
  });

  it("mttr-per-load-balancer.kql would take the first run's start if both runs shared one id", () => {
    // Prepare: the trail as it was before each run had its own id (run id = instance id).
    const shared = recorded.map((e) => ({ ...e, runId: instanceIdOfRun(e.runId) ?? '' }));

    // Act
    const [row] = runKql(QUERY('mttr-per-load-balancer.kql'), { customEvents: customEvents(shared) });

    // Assess: the control shows the test above can fail.
    expect(new Set(shared.map((e) => e.runId)).size).toBe(1);
    expect(row!.maxMinutesToResolve).toBeGreaterThan(60);
  });

  it.each([0, 1])(
    "run-timeline.kql for run %i: that run's events alone, from its own start to its own end",
    (i) => {
      // Prepare
      const runId = runsInFile[i]!;
      const query = QUERY('run-timeline.kql').replace("'{RunId}'", `'${runId}'`);

      // Act
      const timeline = runKql(query, { customEvents: rows });

      // Assess
      const own = recorded.filter((e) => e.runId === runId);
      expect(timeline).toHaveLength(own.length);
      expect(timeline[0]).toMatchObject({ event: 'RunStarted' });
      expect(timeline[timeline.length - 1]).toMatchObject({ event: 'RunFinished', outcome: 'resolved' });
      const span = ownSpans(recorded)[i]!;
      expect((timeline[0]!.emitted as Date).getTime()).toBe(span.started);
      expect((timeline[timeline.length - 1]!.emitted as Date).getTime()).toBe(span.finished);
    },
  );

  it("changes.kql: each run's fix under its own run id", () => {
    // Act
    const changes = runKql(QUERY('changes.kql'), { customEvents: rows });

    // Assess
    const applied = changes.filter((r) => r.event === 'FixApplied' && r.outcome === 'applied');
    expect(applied.map((r) => r.runId).sort()).toEqual([...runsInFile].sort());
  });
});

describe('the workbook over the recorded trail', () => {
  interface Item {
    type: number;
    name: string;
    content: { query?: string };
  }
  const workbook = JSON.parse(readFileSync(join(ROOT, 'infra', 'workbook.json'), 'utf8')) as {
    items: Item[];
  };
  const queries = workbook.items.filter((i) => i.type === 3 && i.content.query);
  const rows = customEvents(recorded);
  /** Every workbook query, its {RunId} parameter set to `runId`, run over the trail. */
  const results = (runId: string) =>
    queries.map((item) => ({
      item: item.name,
      rows: runKql((item.content.query ?? '').replace(/\{RunId\}/g, runId), { customEvents: rows }),
    }));

  it('every tile that shows runs keeps the two runs apart by run id', () => {
    // Act
    const all = results(runsInFile[0]!);

    // Assess: each tile with a runId column shows exactly the runs in the trail; the timeline tile
    // (its RunId parameter set) shows one run, the MTTR tile counts two resolved runs.
    const withRunIds = all.filter((r) => r.rows.some((row) => 'runId' in row));
    expect(withRunIds.length).toBeGreaterThanOrEqual(2);
    for (const r of withRunIds) {
      expect({ item: r.item, runIds: [...new Set(r.rows.map((row) => row.runId))].sort() }).toEqual({
        item: r.item,
        runIds: [...runsInFile].sort(),
      });
    }
    const mttr = all.find((r) => r.rows.some((row) => 'resolvedRuns' in row));
    expect(mttr?.rows.map((row) => row.resolvedRuns)).toEqual([2]);
    const timeline = all.find((r) => r.rows.some((row) => 'emitted' in row));
    expect(timeline?.rows).toHaveLength(recorded.filter((e) => e.runId === runsInFile[0]).length);
  });
});

describe('recording two incidents again', () => {
  it('gives the same shape of trail: two run ids, an hour apart, both resolved', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'pd-two-incidents-'));
    const auditFile = join(dir, 'two-incidents.jsonl');

    // Act
    const recording = await recordIncidents({ auditFile, reopen: removeTheFix });
    if (process.env.RECORD_TWO_INCIDENTS === '1') copyFileSync(auditFile, RECORDING);

    // Assess
    const events = parseAuditLines(readFileSync(auditFile, 'utf8'), auditFile);
    const ids = [...new Set(events.map((e) => e.runId))];
    expect(ids).toEqual(recording.incidents.map((i) => i.report.runId));
    expect(ids).toHaveLength(2);
    expect(recording.incidents.map((i) => i.report.verdict)).toEqual(['resolved', 'resolved']);
    expect(Date.parse(events.find((e) => e.runId === ids[1])!.time)).toBeGreaterThanOrEqual(
      Date.parse(events.filter((e) => e.runId === ids[0]).pop()!.time) + HOUR_MS,
    );
    // The recording predates RunCommandAccepted (session 13): the rest of the trail has the recorded
    // shape, and each incident adds one event per script a VM took (two checks and one peer test).
    const accepted = (e: { name: string }) => e.name === 'ProbeDoctor.RunCommandAccepted';
    expect(events.filter((e) => !accepted(e)).map((e) => e.name)).toEqual(
      recorded.filter((e) => !accepted(e)).map((e) => e.name),
    );
    expect(events.filter(accepted).map((e) => `${e.runId}:${'purpose' in e ? e.purpose : ''}`)).toEqual(
      ids.flatMap((id) => [`${id}:guest-check`, `${id}:guest-check`, `${id}:peer-test`]),
    );
  }, 60_000);
});

describe('support tickets of two incidents', () => {
  it('are named after each run, so the second incident files a ticket of its own', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'pd-two-tickets-'));
    const auditFile = join(dir, 'tickets.jsonl');

    // Act: the unexplained failure is escalated, and with submission on, the ticket is filed.
    const recording = await recordIncidents({
      auditFile,
      scenarioFile: join(ROOT, 'scenarios', 'hidden-failure-unknown.json'),
      env: {
        PROBE_DOCTOR_ESCALATION_SUBMIT: 'true',
        PROBE_DOCTOR_ESCALATION_CONTACT_FIRST_NAME: 'Ada',
        PROBE_DOCTOR_ESCALATION_CONTACT_LAST_NAME: 'Lovelace',
        PROBE_DOCTOR_ESCALATION_CONTACT_EMAIL: 'ada@example.com',
        PROBE_DOCTOR_ESCALATION_CONTACT_COUNTRY: 'GBR',
        PROBE_DOCTOR_ESCALATION_CONTACT_TIMEZONE: 'GMT Standard Time',
        PROBE_DOCTOR_ESCALATION_CONTACT_LANGUAGE: 'en-us',
      },
    });

    // Assess
    const runIds = recording.incidents.map((i) => i.report.runId);
    expect(new Set(runIds).size).toBe(2);
    expect(recording.tickets.sort()).toEqual(runIds.map((id) => `probe-doctor-${id}`).sort());
    const events = parseAuditLines(readFileSync(auditFile, 'utf8'), auditFile);
    const escalated = events.filter((e) => e.name === 'ProbeDoctor.Escalated');
    expect(escalated.map((e) => [e.runId, e.outcome])).toEqual(runIds.map((id) => [id, 'ticket-submitted']));
  }, 60_000);
});
