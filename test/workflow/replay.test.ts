import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { ActionType } from 'durable-functions/lib/src/actions/ActionType';
import { createActivities } from '../../src/workflow/activities';
import { findNonDeterminism, episodeEnds } from '../../src/workflow/host/determinism';
import { historyEvents } from '../../src/workflow/host/events';
import { LocalDurableHost } from '../../src/workflow/host/localDurableHost';
import { replayOnce } from '../../src/workflow/host/replay';
import { ACTIVITY, APPROVAL_EVENT, ORCHESTRATOR_NAME } from '../../src/workflow/names';
import { probeDoctorOrchestrator } from '../../src/workflow/orchestrator';
import { fakeWorld, LB_ID, type FakeOptions } from './fakes';

const T0 = new Date('2026-11-25T10:00:00.000Z');

async function record(
  orchestrator: OrchestrationHandler,
  options: FakeOptions,
  mode: 'observe' | 'fix',
  approval?: unknown,
) {
  const world = fakeWorld(options);
  const host = new LocalDurableHost({
    orchestrators: { [ORCHESTRATOR_NAME]: orchestrator },
    activities: createActivities(world.deps),
    clock: () => T0,
  });
  const runInput = { loadBalancerId: LB_ID, mode };
  await host.start(ORCHESTRATOR_NAME, 'replay-1', runInput);
  await host.waitForIdle('replay-1');
  if (approval !== undefined) await host.raiseEvent('replay-1', APPROVAL_EVENT, approval);
  const status = await host.waitForCompletion('replay-1');
  return { status, runInput };
}

describe('replaying recorded histories', () => {
  it.each([
    ['fix, no approval', { backends: 5, down: [1, 3] }, 'fix', undefined],
    ['observe', { backends: 5, down: [0] }, 'observe', undefined],
    [
      'approval granted',
      { backends: 3, down: [0, 1], fixKind: 'start-vm' },
      'fix',
      { decision: 'approve', by: 'ops' },
    ],
    [
      'approval rejected',
      { backends: 3, down: [2], fixKind: 'start-vm' },
      'fix',
      { decision: 'reject', by: 'ops' },
    ],
    [
      'a broken backend, batches of 2',
      { backends: 7, down: [0, 1, 2, 3, 4], broken: [2], policy: { fanoutBatchSize: 2 } },
      'fix',
      undefined,
    ],
  ] as [string, FakeOptions, 'observe' | 'fix', unknown][])(
    '%s: every episode prefix schedules exactly what the history recorded',
    async (_case, options, mode, approval) => {
      // Prepare
      const { status, runInput } = await record(probeDoctorOrchestrator, options, mode, approval);

      // Act
      const divergences = await findNonDeterminism(
        probeDoctorOrchestrator,
        'replay-1',
        runInput,
        status.history,
      );

      // Assess
      expect(status.runtimeStatus).toBe('Completed');
      expect(episodeEnds(status.history).length).toBeGreaterThan(5);
      expect(divergences).toEqual([]);
    },
  );

  it('catches an orchestrator that reads Math.random', async () => {
    // Prepare: a variant whose second activity depends on randomness, recorded with one value ...
    const flaky: OrchestrationHandler = function* (context: OrchestrationContext) {
      yield context.df.callActivity(ACTIVITY.getPolicy, { run: { runId: 'x', loadBalancerId: LB_ID } });
      const backend = Math.random() < 0.5 ? 'a' : 'b';
      yield context.df.callActivity(ACTIVITY.getPolicy, { run: { runId: backend, loadBalancerId: LB_ID } });
      return backend;
    };
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.1);
    const { status, runInput } = await record(flaky, { backends: 1, down: [] }, 'observe');

    // Act: ... and replayed with another.
    random.mockReturnValue(0.9);
    const divergences = await findNonDeterminism(flaky, 'replay-1', runInput, status.history);
    random.mockRestore();

    // Assess
    expect(status.output).toBe('a');
    expect(divergences).toEqual([
      `episode 2: #1 is getPolicy({"run":{"runId":"b","loadBalancerId":"${LB_ID}"}}), recorded getPolicy({"run":{"runId":"a","loadBalancerId":"${LB_ID}"}})`,
    ]);
  });

  it('catches an orchestrator that takes its timer from the wall clock', async () => {
    // Prepare
    let wall = Date.parse('2026-11-25T09:00:00.000Z');
    const wallClock: OrchestrationHandler = function* (context: OrchestrationContext) {
      yield context.df.createTimer(new Date(wall + 1000));
      return 'done';
    };
    const { status, runInput } = await record(wallClock, { backends: 1, down: [] }, 'observe');

    // Act
    wall += 5000;
    const divergences = await findNonDeterminism(wallClock, 'replay-1', runInput, status.history);

    // Assess
    expect(divergences).toEqual([
      'episode 1: timer #0 fires at 2026-11-25T09:00:06.000Z, recorded 2026-11-25T09:00:01.000Z',
    ]);
  });
});

describe('the orchestrator over hand-built histories', () => {
  const runInput = { loadBalancerId: LB_ID, mode: 'fix' };
  // No alertId and no requestedBy: the run was started over HTTP.
  const run = {
    runId: `${T0.toISOString().replace(/[-:.]/g, '')}-hand-1`,
    loadBalancerId: LB_ID,
    mode: 'fix',
    trigger: 'http',
  };
  const policy = {
    approvalRequiredFor: [],
    approvalTimeoutMinutes: 60,
    probeWaitMarginSeconds: 30,
    fanoutBatchSize: 20,
    runDeadlineSeconds: 1800,
    activityDeadlineSeconds: 600,
  };
  const started = [
    historyEvents.orchestratorStarted(T0),
    historyEvents.executionStarted(T0, ORCHESTRATOR_NAME, runInput),
  ];

  it('first asks for the policy', async () => {
    // Act
    const outcome = await replayOnce(probeDoctorOrchestrator, 'hand-1', started, runInput);

    // Assess
    expect(outcome.status).toBe('running');
    expect(outcome.actions).toEqual([
      { actionType: ActionType.CallActivity, functionName: ACTIVITY.getPolicy, input: { run } },
    ]);
    expect(outcome.customStatus).toEqual({
      runId: run.runId,
      phase: 'discovering',
      backendsTotal: 0,
      backendsDown: 0,
      checked: 0,
    });
  });

  it('then discovers the topology, with no durable retry on top of the SDK pipeline', async () => {
    // Prepare
    const history = [
      ...started,
      historyEvents.taskScheduled(T0, 0, ACTIVITY.getPolicy, { run }),
      historyEvents.orchestratorCompleted(T0),
      historyEvents.orchestratorStarted(T0),
      historyEvents.taskCompleted(T0, 0, policy),
    ];

    // Act
    const outcome = await replayOnce(probeDoctorOrchestrator, 'hand-1', history, runInput);

    // Assess
    expect(outcome.actions[1]).toEqual({
      actionType: ActionType.CallActivity,
      functionName: ACTIVITY.discoverTopology,
      input: { run, firstBatch: 20 },
    });
    // Raced against its deadline: a durable timer at the activity deadline (600 s) from the episode.
    expect(outcome.status === 'running' ? outcome.work : []).toEqual([
      {
        kind: 'activity',
        id: 1,
        name: ACTIVITY.discoverTopology,
        input: { run, firstBatch: 20 },
        attempt: 1,
      },
      { kind: 'timer', id: 2, fireAt: new Date(T0.getTime() + 600_000) },
    ]);
  });

  it('stops at the deadline: when the timer wins the race, the run closes with what it knows', async () => {
    // Prepare: discovery scheduled with its deadline timer; the timer fires first.
    const deadline = new Date(T0.getTime() + 600_000);
    const history = [
      ...started,
      historyEvents.taskScheduled(T0, 0, ACTIVITY.getPolicy, { run }),
      historyEvents.orchestratorCompleted(T0),
      historyEvents.orchestratorStarted(T0),
      historyEvents.taskCompleted(T0, 0, policy),
      historyEvents.taskScheduled(T0, 1, ACTIVITY.discoverTopology, { run }),
      historyEvents.timerCreated(T0, 2, deadline),
      historyEvents.orchestratorCompleted(T0),
      historyEvents.orchestratorStarted(deadline),
      historyEvents.timerFired(deadline, 2, deadline),
    ];

    // Act
    const outcome = await replayOnce(probeDoctorOrchestrator, 'hand-1', history, runInput);

    // Assess: discovery is abandoned (still open: its late answer is ignored), closeRun is scheduled.
    expect(outcome.status).toBe('running');
    expect(outcome.status === 'running' ? outcome.work : []).toEqual([
      {
        kind: 'activity',
        id: 1,
        name: ACTIVITY.discoverTopology,
        input: { run, firstBatch: 20 },
        attempt: 1,
      },
      {
        kind: 'activity',
        id: 3,
        name: ACTIVITY.closeRun,
        input: {
          run,
          mode: 'fix',
          stop: {
            kind: 'deadline',
            message: 'discovering the topology did not finish within the activity deadline (600 s)',
            phase: 'discovering',
          },
          fixes: [],
        },
        attempt: 1,
      },
    ]);
  });

  it('closes the run (closeRun, hence RunFinished) when the policy activity failed', async () => {
    // Prepare
    const history = [
      ...started,
      historyEvents.orchestratorCompleted(T0),
      historyEvents.orchestratorStarted(T0),
      historyEvents.taskFailed(T0, 0, new Error('settings unreadable')),
    ];

    // Act
    const outcome = await replayOnce(probeDoctorOrchestrator, 'hand-1', history, runInput);

    // Assess: no failed orchestration without a report: the run is closed with the reason.
    expect(outcome.status === 'running' ? outcome.work : []).toMatchObject([
      {
        kind: 'activity',
        name: ACTIVITY.closeRun,
        input: {
          run,
          stop: { kind: 'failed', message: 'settings unreadable', phase: 'discovering' },
          fixes: [],
        },
      },
    ]);
  });
});
