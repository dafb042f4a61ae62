/**
 * A backend down by design is not down in the audit queries either (#13 item 2): the trails of real
 * runs, written by the JSON lines sink as `probe-doctor sweep` and `diagnose --fix` ran the shipped
 * scenarios against their sandboxes, go through infra/queries/*.kql (Kusto-checked, then evaluated by
 * kqlEvaluator.ts). The sweep reads health only and records the ETP Local and AG listener load
 * balancers as `down`; only the run it starts learns that every down backend is down by design.
 * nsg-deny-all-blocks-probe is the control: a real fault, which the same queries do count.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../../src/audit/events';
import { parseAuditLines } from '../../src/audit/timeline';
import { main } from '../../src/cli/main';
import { customEvents } from './fixtures/customEvents';
import { runKql, type KqlRow } from './kqlEvaluator';

const ROOT = join(__dirname, '..', '..');
const QUERY = (file: string) => readFileSync(join(ROOT, 'infra', 'queries', file), 'utf8');

const ETP_LOCAL = 'aks-etp-local-no-endpoint.json';
const AG_LISTENER = 'ag-listener-passive-node.json';
const REAL_FAULT = 'nsg-deny-all-blocks-probe.json';

interface Trail {
  loadBalancerId: string;
  events: AuditEvent[];
  rows: KqlRow[];
}

/** `probe-doctor <command> --scenario scenarios/<file> --audit-log <tmp>`, and the trail it wrote. */
async function record(file: string, commands: ('sweep' | 'diagnose --fix')[]): Promise<Trail> {
  const scenarioFile = join(ROOT, 'scenarios', file);
  const { expect: expected } = JSON.parse(readFileSync(scenarioFile, 'utf8')) as {
    expect: { loadBalancerId: string };
  };
  const auditLog = join(mkdtempSync(join(tmpdir(), 'pd-expected-down-')), 'audit.jsonl');
  const io = { out: () => undefined, err: () => undefined };
  for (const command of commands) {
    const args =
      command === 'sweep'
        ? ['sweep', '--scope', expected.loadBalancerId.split('/')[2]!]
        : ['diagnose', '--fix', '--load-balancer', expected.loadBalancerId];
    await main(['node', 'probe-doctor', ...args, '--scenario', scenarioFile, '--audit-log', auditLog], io);
  }
  const events = parseAuditLines(readFileSync(auditLog, 'utf8'), auditLog);
  return { loadBalancerId: expected.loadBalancerId, events, rows: customEvents(events) };
}

const byName = <N extends AuditEvent['name']>(events: readonly AuditEvent[], name: N) =>
  events.filter((e): e is Extract<AuditEvent, { name: N }> => e.name === name);

describe('audit queries over runs with backends down by design', () => {
  const trails: Record<string, Trail> = {};
  beforeAll(async () => {
    // Loading Microsoft's language service takes seconds on a loaded machine: not any one test's time.
    runKql('customEvents | take 1', { customEvents: [] });
    trails[ETP_LOCAL] = await record(ETP_LOCAL, ['sweep', 'diagnose --fix']);
    trails[AG_LISTENER] = await record(AG_LISTENER, ['sweep', 'diagnose --fix']);
    trails[REAL_FAULT] = await record(REAL_FAULT, ['sweep']);
  }, 180_000);

  it('the trails hold what the queries must see through: a sweep that says down, a run that says by design', () => {
    for (const file of [ETP_LOCAL, AG_LISTENER]) {
      // Act
      const { events, loadBalancerId } = trails[file]!;
      const sweep = byName(events, 'ProbeDoctor.SweepCompleted');
      const refs = JSON.parse(sweep[0]!.loadBalancers) as { id: string; state: string }[];
      const checked = byName(events, 'ProbeDoctor.BackendChecked');
      const finished = byName(events, 'ProbeDoctor.RunFinished');

      // Assess
      expect(refs).toEqual([expect.objectContaining({ id: loadBalancerId, state: 'down' })]);
      expect(checked.length).toBeGreaterThan(0);
      expect(checked.every((e) => e.probeState === 'expected-down' && e.downByDesign)).toBe(true);
      expect(finished.map((e) => [e.outcome, e.backendsDown])).toEqual([
        ['healthy', '0'],
        ['healthy', '0'],
      ]);
      expect(finished.every((e) => Number(e.backendsExpectedDown) === checked.length / 2)).toBe(true);
      expect(byName(events, 'ProbeDoctor.Escalated')).toEqual([]);
    }
  });

  it.each([ETP_LOCAL, AG_LISTENER])(
    'load-balancers-down.kql: %s is not down (its run found every down backend down by design)',
    (file) => {
      // Act
      const rows = runKql(QUERY('load-balancers-down.kql'), { customEvents: trails[file]!.rows });

      // Assess
      expect(rows).toEqual([]);
    },
  );

  it('load-balancers-down.kql: a real fault is down, counted by its run', () => {
    // Act
    const rows = runKql(QUERY('load-balancers-down.kql'), { customEvents: trails[REAL_FAULT]!.rows });

    // Assess: the sweep's count, then the run's (observe mode: the fault stays, action required).
    const sweepRef = (
      JSON.parse(byName(trails[REAL_FAULT]!.events, 'ProbeDoctor.SweepCompleted')[0]!.loadBalancers) as {
        down: number;
        backends: number;
      }[]
    )[0]!;
    const run = byName(trails[REAL_FAULT]!.events, 'ProbeDoctor.RunFinished')[0]!;
    expect(rows).toEqual([
      expect.objectContaining({
        loadBalancer: trails[REAL_FAULT]!.loadBalancerId,
        backendsDown: `${run.backendsDown} of ${sweepRef.backends}`,
        downByDesign: 0,
        remediation: 'started',
        runVerdict: 'action-required',
      }),
    ]);
    expect(Number(run.backendsDown)).toBeGreaterThan(0);
  });

  it('load-balancers-down.kql without the run verdict would count the ETP Local load balancer as down', () => {
    // Prepare: the query as it was before (the sweep's state alone): the control shows the test above can fail.
    const query = QUERY('load-balancers-down.kql').replace('| where runVerdict != "healthy"\n', '');

    // Act
    const rows = runKql(query, { customEvents: trails[ETP_LOCAL]!.rows });

    // Assess
    expect(query).not.toBe(QUERY('load-balancers-down.kql'));
    expect(rows.map((r) => r.loadBalancer)).toEqual([trails[ETP_LOCAL]!.loadBalancerId]);
  });

  it.each([
    [ETP_LOCAL, 2, 'externalTrafficPolicy: Local Service, no ready pod on this node', /localEndpoints/],
    [
      AG_LISTENER,
      1,
      'passive node: only the active node holds the listener (AG listener, failover cluster instance)',
      /availability group listener/,
    ],
  ])('expected-down.kql: %s lists its %i backend(s) down by design, with why', (file, count, why, reason) => {
    // Act
    const rows = runKql(QUERY('expected-down.kql'), { customEvents: trails[file]!.rows });

    // Assess: one row per backend, seen by both runs (the sweep's and diagnose --fix).
    const checked = byName(trails[file]!.events, 'ProbeDoctor.BackendChecked');
    expect(rows.map((r) => r.backend)).toEqual([...new Set(checked.map((e) => e.backend))].sort());
    expect(rows).toHaveLength(count);
    for (const row of rows) {
      expect(row).toMatchObject({ loadBalancer: trails[file]!.loadBalancerId, why, runs: 2 });
      expect(row.reason).toMatch(/^Down by design: /);
      expect(row.reason).toMatch(reason);
    }
  });

  it('expected-down.kql lists nothing for a real fault', () => {
    expect(runKql(QUERY('expected-down.kql'), { customEvents: trails[REAL_FAULT]!.rows })).toEqual([]);
  });

  it.each([ETP_LOCAL, AG_LISTENER])(
    'runs.kql, mttr and escalations: %s runs are healthy, with nothing down, resolved or escalated',
    (file) => {
      // Act
      const runs = runKql(QUERY('runs.kql'), { customEvents: trails[file]!.rows });
      const mttr = runKql(QUERY('mttr-per-load-balancer.kql'), { customEvents: trails[file]!.rows });
      const escalations = runKql(QUERY('escalations.kql'), { customEvents: trails[file]!.rows });

      // Assess
      const byDesign = new Set(
        byName(trails[file]!.events, 'ProbeDoctor.BackendChecked').map((e) => e.backend),
      ).size;
      expect(runs.map((r) => [r.mode, r.verdict, r.backendsDown, r.backendsDownByDesign])).toEqual([
        ['fix', 'healthy', 0, byDesign],
        ['observe', 'healthy', 0, byDesign],
      ]);
      expect(mttr).toEqual([]);
      expect(escalations).toEqual([]);
    },
  );
});
