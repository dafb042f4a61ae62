import type { RunOutcome, WorkflowInput, WorkflowStatus } from '../../src/workflow/contracts';
import { HistoryEventType, type HistoryEvent } from '../../src/workflow/host/events';
import { APPROVAL_EVENT, ORCHESTRATOR_NAME } from '../../src/workflow/names';
import { InlineRunStore } from '../../src/runstore/inlineRunStore';
import { fakeHost, LB_ID, reportIn, type FakeOptions } from './fakes';

const T0 = new Date('2026-11-25T10:00:00.000Z');

const setup = (options: FakeOptions) => fakeHost(options, T0);

const input = (mode: WorkflowInput['mode']): WorkflowInput => ({
  loadBalancerId: LB_ID,
  mode,
  alertId: 'alert-1',
});
const of = (history: HistoryEvent[], type: HistoryEventType) => history.filter((e) => e.EventType === type);

describe('probeDoctorOrchestrator', () => {
  it('fixes an NSG block without approval, waits for the probe, validates: resolved', async () => {
    // Prepare
    const { world, host, store } = setup({ backends: 3, down: [0, 2] });

    // Act
    await host.start(ORCHESTRATOR_NAME, 'run-1', input('fix'));
    const status = await host.waitForCompletion('run-1');

    // Assess
    const report = await reportIn(store, status);
    expect(status.runtimeStatus).toBe('Completed');
    expect(report.verdict).toBe('resolved');
    // One run id per execution: the instance id with the execution's start time, from the durable clock.
    expect(report.runId).toBe('20261125T100000000Z-run-1');
    expect(report.alertId).toBe('alert-1');
    expect(report.fixes.map((f) => [f.kind, f.status])).toEqual([['nsg-allow-probe', 'applied']]);
    expect(report.backends.map((b) => b.probeState)).toEqual(['up', 'up', 'up']);
    expect(report.escalation).toBeUndefined();
    // probe 5 s x threshold 2 + 30 s margin, measured from the durable clock only (the other timers
    // are the activities' 600 s deadlines, each raced against its activity and cancelled)
    const timers = of(status.history, HistoryEventType.TimerCreated).filter(
      (t) => (t['FireAt'] as Date).getTime() - t.Timestamp.getTime() !== 600_000,
    );
    expect(timers.map((t) => (t['FireAt'] as Date).toISOString())).toEqual(['2026-11-25T10:00:40.000Z']);
    expect(status.customStatus).toEqual<WorkflowStatus>({
      runId: '20261125T100000000Z-run-1',
      phase: 'done',
      backendsTotal: 3,
      backendsDown: 0,
      checked: 2,
      fixesPlanned: 1,
    });
    expect(world.audit.map((e) => e.activity)).toEqual([
      'getPolicy',
      'discoverTopology',
      'checkBackend',
      'checkBackend',
      'diagnose',
      'planFixes',
      'applyFixes',
      'validate',
      'finalizeReport',
    ]);
    expect(new Set(world.audit.map((e) => `${e.runId}|${e.alertId}`))).toEqual(
      new Set(['20261125T100000000Z-run-1|alert-1']),
    );
  });

  it('in observe mode plans without applying and asks the customer to act on their own NSG: no ticket', async () => {
    // Prepare
    const { world, host, store } = setup({ backends: 2, down: [1] });

    // Act
    await host.start(ORCHESTRATOR_NAME, 'run-o', input('observe'));
    const report = await reportIn(store, await host.waitForCompletion('run-o'));

    // Assess
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.fixes.map((f) => f.status)).toEqual(['planned']);
    expect(report.escalation).toBeUndefined();
    expect(world.calls['escalate']).toBeUndefined();
    expect(world.calls['applyFixes']).toBeUndefined();
    expect(world.calls['validate']).toBeUndefined();
  });

  it('reports healthy and checks nothing when no backend is down', async () => {
    // Prepare
    const { world, host, store } = setup({ backends: 4, down: [] });

    // Act
    await host.start(ORCHESTRATOR_NAME, 'run-h', input('fix'));
    const report = await reportIn(store, await host.waitForCompletion('run-h'));

    // Assess
    expect(report.verdict).toBe('healthy');
    expect(report.fixes).toEqual([]);
    expect(world.calls['checkBackend']).toBeUndefined();
  });

  it('turns a failing checkBackend into a finding and checks the other backends', async () => {
    // Prepare
    const { world, host, store } = setup({ backends: 4, down: [0, 1, 2], broken: [1] });

    // Act
    await host.start(ORCHESTRATOR_NAME, 'run-b', input('fix'));
    const report = await reportIn(store, await host.waitForCompletion('run-b'));

    // Assess
    expect(world.calls['checkBackend']).toBe(3);
    expect(report.backends[1]?.causes).toEqual([
      { id: 'unknown', summary: 'checks failed: Run Command on 10.0.0.5 failed: VM agent not ready' },
    ]);
    expect(report.backends.map((b) => b.probeState)).toEqual(['up', 'down', 'up', 'up']);
    expect(report.verdict).toBe('escalated');
    expect(world.audit.filter((e) => e.activity === 'checkBackend' && e.outcome === 'failed')).toHaveLength(
      1,
    );
  });

  describe('approval', () => {
    it.each([
      ['approve', { decision: 'approve', by: 'ops@example.com' }, 'resolved', 'applied', undefined],
      [
        'reject',
        { decision: 'reject', by: 'ops@example.com' },
        'action-required',
        'skipped',
        'approval rejected by ops@example.com',
      ],
      [
        'a malformed decision (counts as reject)',
        { decision: 'yes' },
        'action-required',
        'skipped',
        'approval rejected by malformed approval event',
      ],
    ])('%s', async (_case, event, verdict, fixStatus, reason) => {
      // Prepare
      const { world, host, store } = setup({ backends: 2, down: [0], fixKind: 'start-vm' });
      await host.start(ORCHESTRATOR_NAME, 'run-a', input('fix'));
      const waiting = await host.waitForIdle('run-a');

      // Act
      await host.raiseEvent('run-a', APPROVAL_EVENT, event);
      const report = await reportIn(store, await host.waitForCompletion('run-a'));

      // Assess
      expect(waiting.runtimeStatus).toBe('Running');
      expect(waiting.customStatus).toMatchObject({
        phase: 'awaiting-approval',
        approvalDeadline: '2026-11-25T11:00:00.000Z',
      });
      expect(report.verdict).toBe(verdict);
      expect(report.fixes[0]?.status).toBe(fixStatus);
      expect(report.fixes[0]?.reason).toBe(reason);
      expect(world.applied()).toBe(fixStatus === 'applied');
    });

    it('times out on the durable timer and skips the fix', async () => {
      // Prepare
      const { world, host, store } = setup({
        backends: 2,
        down: [0],
        fixKind: 'guest-firewall-allow',
        policy: { approvalTimeoutMinutes: 15 },
      });
      await host.start(ORCHESTRATOR_NAME, 'run-t', input('fix'));
      await host.waitForIdle('run-t');

      // Act
      await host.fastForward('run-t');
      const status = await host.waitForCompletion('run-t');

      // Assess
      const report = await reportIn(store, status);
      expect(report.fixes[0]).toMatchObject({
        status: 'skipped',
        reason: 'awaiting approval: the approval wait timed out',
      });
      expect([report.verdict, report.whoMustAct]).toEqual(['awaiting-approval', 'customer']);
      expect(report.escalation).toBeUndefined();
      expect(world.applied()).toBe(false);
      const fired = of(status.history, HistoryEventType.TimerFired);
      expect(fired.map((e) => (e['FireAt'] as Date).toISOString())).toEqual(['2026-11-25T10:15:00.000Z']);
    });

    it('does not wait when nobody can approve (the CLI without --approve): awaiting-approval', async () => {
      // Prepare
      const { world, host, store } = setup({ backends: 2, down: [0], fixKind: 'start-vm' });

      // Act
      await host.start(ORCHESTRATOR_NAME, 'run-n', { ...input('fix'), approver: 'none' });
      const status = await host.waitForCompletion('run-n');

      // Assess
      const report = await reportIn(store, status);
      expect([report.verdict, report.whoMustAct]).toEqual(['awaiting-approval', 'customer']);
      expect(report.fixes[0]).toMatchObject({
        status: 'skipped',
        reason: 'awaiting approval: this run had nobody to ask (with the CLI, run again with --approve)',
      });
      expect(report.fixes[0]?.reason).not.toMatch(/reject/);
      expect(world.applied()).toBe(false);
      // No approval wait (the other timers are the activities' 600 s deadlines).
      expect(
        of(status.history, HistoryEventType.TimerCreated).filter(
          (t) => (t['FireAt'] as Date).getTime() - t.Timestamp.getTime() !== 600_000,
        ),
      ).toEqual([]);
      expect(of(status.history, HistoryEventType.EventRaised)).toEqual([]);
    });
  });

  it('fans out 300 failing backends in batches of the configured size', async () => {
    // Prepare
    const all = Array.from({ length: 300 }, (_, i) => i);
    const { world, host, store } = setup({ backends: 300, down: all, policy: { fanoutBatchSize: 20 } });

    // Act
    await host.start(ORCHESTRATOR_NAME, 'run-300', input('observe'));
    const status = await host.waitForCompletion('run-300');

    // Assess
    expect(world.calls['checkBackend']).toBe(300);
    expect(world.maxConcurrentChecks()).toBe(20);
    // every episode schedules at most one batch: history per episode stays bounded
    const episodes: number[] = [];
    let scheduled = 0;
    for (const e of status.history) {
      if (e.EventType === HistoryEventType.TaskScheduled) scheduled += 1;
      if (e.EventType === HistoryEventType.OrchestratorCompleted) {
        episodes.push(scheduled);
        scheduled = 0;
      }
    }
    expect(Math.max(...episodes)).toBe(20);
    expect(episodes.filter((n) => n === 20)).toHaveLength(15);
    expect((await reportIn(store, status)).backends).toHaveLength(300);
    expect(status.customStatus).toMatchObject({ checked: 300, backendsTotal: 300 });
  });

  it.each([
    [
      { loadBalancerId: 'lb-web', mode: 'fix' },
      "Invalid orchestration input: $.loadBalancerId: resource id must start with /subscriptions/: got 'lb-web'",
    ],
    [
      { loadBalancerId: LB_ID, mode: 'repair' },
      'Invalid orchestration input: $.mode: expected observe or fix',
    ],
    [undefined, 'Invalid orchestration input: $: Invalid input: expected object, received undefined'],
  ])('fails on invalid input %j', async (bad, message) => {
    // Prepare
    const { world, host } = setup({ backends: 1, down: [] });

    // Act
    await host.start(ORCHESTRATOR_NAME, 'run-bad', bad);
    const status = await host.waitForCompletion('run-bad');

    // Assess
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.error).toBe(message);
    expect(world.audit).toEqual([]);
  });
});

describe('durable history for a pool of hundreds', () => {
  const third = Array.from({ length: 100 }, (_, i) => i * 3);
  const all = Array.from({ length: 300 }, (_, i) => i);
  const historyBytes = (history: HistoryEvent[]) => JSON.stringify(history).length;

  // What the orchestrator holds grows with the failing backends only: per failing backend its check
  // input (~1.6 KB: backend, probes, health) and diagnosis summary; healthy backends stay in the run
  // store (topology, health, report), so the history does not see them.
  it.each([
    ['observe, a third down: under 700 KB', 'observe', third, 700_000],
    ['fix, a third down: under 700 KB', 'fix', third, 700_000],
    ['observe, all down: under 1.3 MB', 'observe', all, 1_300_000],
  ] as [string, WorkflowInput['mode'], number[], number][])(
    'the history of 300 backends, %s',
    async (_case, mode, down, bound) => {
      // Prepare
      const { host, store } = setup({ backends: 300, down });

      // Act
      await host.start(ORCHESTRATOR_NAME, 'run-h300', input(mode));
      const status = await host.waitForCompletion('run-h300');

      // Assess
      expect(status.runtimeStatus).toBe('Completed');
      expect((await reportIn(store, status)).backends).toHaveLength(300);
      expect(historyBytes(status.history)).toBeLessThan(bound);
      // No activity input carries the full topology (its NIC map) or the full diagnosis (cause summaries).
      const inputs = of(status.history, HistoryEventType.TaskScheduled).map((e) => JSON.stringify(e));
      expect(inputs.filter((i) => i.includes('nics'))).toHaveLength(0);
      expect(inputs.filter((i) => i.includes('rule deny-all blocks the probe'))).toHaveLength(0);
    },
  );

  it.each(['observe', 'fix'] as const)(
    '%s: the history of 1,000 backends with 5 failing is within 10%% of 10 backends with 5 failing, and under 100 KB',
    async (mode) => {
      // Prepare
      const failing = [0, 1, 2, 3, 4];
      const small = setup({ backends: 10, down: failing });
      const large = setup({ backends: 1000, down: failing });

      // Act
      await small.host.start(ORCHESTRATOR_NAME, 'run-10', input(mode));
      await large.host.start(ORCHESTRATOR_NAME, 'run-1000', input(mode));
      const [a, b] = [
        await small.host.waitForCompletion('run-10'),
        await large.host.waitForCompletion('run-1000'),
      ];

      // Assess
      expect((await reportIn(large.store, b)).backends).toHaveLength(1000);
      expect(historyBytes(b.history)).toBeLessThan(100_000);
      expect(Math.abs(historyBytes(b.history) - historyBytes(a.history))).toBeLessThanOrEqual(
        historyBytes(a.history) * 0.1,
      );
    },
  );

  it('reports the same whether the values go to the memory store or inline in the history', async () => {
    // Prepare
    const options = { backends: 300, down: third };
    const stored = setup(options);
    const inline = fakeHost(options, T0, new InlineRunStore());

    // Act
    await stored.host.start(ORCHESTRATOR_NAME, 'run-s', input('fix'));
    await inline.host.start(ORCHESTRATOR_NAME, 'run-s', input('fix'));
    const a = await stored.host.waitForCompletion('run-s');
    const b = await inline.host.waitForCompletion('run-s');

    // Assess
    const summaryA = a.output as RunOutcome;
    const summaryB = b.output as RunOutcome;
    expect({ ...summaryA, reportRef: '' }).toEqual({ ...summaryB, reportRef: '' });
    expect(await reportIn(stored.store, a)).toEqual(await reportIn(inline.store, b));
    expect(summaryA.verdict).toBe('resolved');
    expect(a.customStatus).toEqual(b.customStatus);
    // Inline, the history holds the values again and breaks the bound above.
    expect(historyBytes(b.history)).toBeGreaterThan(1_000_000);
  });
});
