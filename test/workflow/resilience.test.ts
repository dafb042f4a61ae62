/**
 * The orchestration keeps going, and reports, when a step after the writes fails; a backend still
 * climbing to the healthy threshold gets one more probe interval before it is judged.
 */
import { verdictOf } from '../../src/workflow/buildReport';
import type { FinalizeReportInput, RunOutcome } from '../../src/workflow/contracts';
import { HistoryEventType } from '../../src/workflow/host/events';
import type { LocalDurableHost } from '../../src/workflow/host/localDurableHost';
import { ORCHESTRATOR_NAME } from '../../src/workflow/names';
import type { Report } from '../../src/model/report';
import { backendKey, fakeHost, LB_ID, reportIn, topologyWith, type FakeOptions } from './fakes';
import type { RunStore } from '../../src/runstore/runStore';

const T0 = new Date('2026-11-25T10:00:00.000Z');

const setup = (options: FakeOptions) => fakeHost(options, T0);

async function runFix(host: LocalDurableHost, id: string, store: RunStore): Promise<Report> {
  await host.start(ORCHESTRATOR_NAME, id, { loadBalancerId: LB_ID, mode: 'fix' });
  const status = await host.waitForCompletion(id);
  expect(status.runtimeStatus).toBe('Completed');
  return reportIn(store, status);
}

describe('the orchestration after a failure past the writes', () => {
  it('reports the fixes failed and asks the customer to make the change when the apply activity throws', async () => {
    // Prepare
    const { world, host, store } = setup({ backends: 2, down: [0] });
    world.deps.applyFixes = () => Promise.reject(new Error('audit sink refused the after-record'));

    // Act
    const report = await runFix(host, 'run-apply', store);

    // Assess: the cause is the customer's NSG rule; the change failed, so a person makes it: no ticket.
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.fixes).toMatchObject([
      {
        kind: 'nsg-allow-probe',
        status: 'failed',
        reason: 'applying the fixes failed: audit sink refused the after-record',
      },
    ]);
    expect(report.escalation).toBeUndefined();
    expect(report.nextSteps?.[0]).toMatch(
      /^add to NSG nsg-web rule allow-azure-lb-probe at priority 3990: .*\(failed: applying the fixes failed/,
    );
    expect(world.calls['validate']).toBeUndefined();
  });

  it('neither rolls back nor escalates when validation cannot run, and says why', async () => {
    // Prepare
    const { world, host, store } = setup({ backends: 2, down: [0] });
    world.deps.validate = () => Promise.reject(new Error('health API answered 500 three times'));
    let rollbacks = 0;
    world.deps.rollbackFixes = (input) => {
      rollbacks += 1;
      return Promise.resolve(input.fixes);
    };

    // Act
    const report = await runFix(host, 'run-validate', store);

    // Assess: nobody saw whether the fix helped, so Microsoft is not asked; a person checks.
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.escalation).toBeUndefined();
    expect(rollbacks).toBe(0);
    expect(report.fixes.map((f) => f.status)).toEqual(['applied']);
    expect(report.problems).toEqual([
      { kind: 'validation', message: 'validation could not run: health API answered 500 three times' },
    ]);
  });

  it('waits one more probe interval for a backend still approaching the healthy threshold', async () => {
    // Prepare
    const { world, host } = setup({ backends: 2, down: [0] });
    let validations = 0;
    world.deps.validate = (input) => {
      validations += 1;
      return Promise.resolve(
        validations === 1
          ? { health: [], stillDown: [], recovering: [...input.backendKeys] }
          : { health: [], stillDown: [] },
      );
    };

    // Act
    await host.start(ORCHESTRATOR_NAME, 'run-recover', { loadBalancerId: LB_ID, mode: 'fix' });
    const status = await host.waitForCompletion('run-recover');

    // Assess
    expect((status.output as RunOutcome).verdict).toBe('resolved');
    expect(validations).toBe(2);
    // The probe waits (the other timers are the activities' 600 s deadlines).
    const timers = status.history.filter(
      (e) =>
        e.EventType === HistoryEventType.TimerCreated &&
        (e['FireAt'] as Date).getTime() - e.Timestamp.getTime() !== 600_000,
    );
    expect(timers.map((t) => (t['FireAt'] as Date).toISOString())).toEqual([
      '2026-11-25T10:00:40.000Z',
      '2026-11-25T10:01:20.000Z',
    ]);
  });

  it('judges a backend that never leaves the approaching state as still down, and rolls back', async () => {
    // Prepare
    const { world, host, store } = setup({ backends: 2, down: [0] });
    world.deps.validate = (input) =>
      Promise.resolve({ health: [], stillDown: [], recovering: [...input.backendKeys] });

    // Act
    const report = await runFix(host, 'run-stuck', store);

    // Assess
    expect(report.verdict).toBe('escalated');
    expect(world.calls['rollbackFixes']).toBe(1);
  });
});

describe('verdictOf', () => {
  const topology = topologyWith(2);
  const base = (backends: FinalizeReportInput['diagnosis']['backends']): FinalizeReportInput => ({
    run: { runId: 'r', loadBalancerId: LB_ID, mode: 'observe', trigger: 'cli' },
    mode: 'observe',
    topology,
    diagnosis: { causes: [], backends },
    fixes: [],
    approvalPending: false,
  });

  it.each([
    [
      'an admin Down alone (set on purpose)',
      [{ key: backendKey(0), probeState: 'down' as const, healthReason: 'Down_Admin', causes: [] }],
      'healthy',
      'nobody',
    ],
    [
      'a probe Down that nothing explains (observe mode never escalates)',
      [
        {
          key: backendKey(0),
          probeState: 'down' as const,
          healthReason: 'Down_Probe_TcpProbeTimeout',
          causes: [],
        },
      ],
      'action-required',
      'microsoft',
    ],
    [
      'a stopped VM (not probed, but a cause the customer owns)',
      [
        {
          key: backendKey(0),
          probeState: 'unknown' as const,
          causes: [{ id: 'vm-not-running' as const, summary: 'deallocated' }],
        },
      ],
      'action-required',
      'customer',
    ],
  ])('%s -> %s, %s acts', (_case, backends, verdict, who) => {
    // Act
    const decided = verdictOf(base(backends));

    // Assess
    expect([decided.verdict, decided.whoMustAct]).toEqual([verdict, who]);
  });
});
