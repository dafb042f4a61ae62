/**
 * The discoverTopology activity: what it asks discovery for (a validation peer only in fix mode) and
 * when it stores the probe health (once discovery is done: the Run Commands it started are running by
 * then, and the copy must not hold up the failing backends' reads), through the activities over fake
 * dependencies.
 */
import { MemoryRunStore } from '../../src/runstore/memoryRunStore';
import type { RunStore } from '../../src/runstore/runStore';
import { createActivities, type DiscoverOptions } from '../../src/workflow/activities';
import type { WorkflowTopology } from '../../src/workflow/contracts';
import type { RunContext } from '../../src/model/run';
import { ACTIVITY } from '../../src/workflow/names';
import { fakeWorld, LB_ID } from './fakes';

const run = (mode: RunContext['mode']): RunContext => ({
  runId: `run-${mode}`,
  loadBalancerId: LB_ID,
  mode,
  trigger: 'cli',
});

/** The activity over a fake world whose discovery says when it reads in depth; puts are logged. */
function activityWith(events: string[], asked: DiscoverOptions[]) {
  const world = fakeWorld({ backends: 6, down: [1, 4] });
  const inner = new MemoryRunStore();
  const store: RunStore = {
    put: (runId, name, value) => {
      events.push(`put ${name}`);
      return inner.put(runId, name, value);
    },
    get: (ref) => inner.get(ref),
  };
  const activities = createActivities(
    {
      ...world.deps,
      discover: async (id, options) => {
        asked.push(options);
        const discovered = await world.deps.discover(id, options);
        events.push('failing backends: reads started');
        await new Promise((resolve) => setImmediate(resolve));
        events.push('failing backends: reads done');
        return discovered;
      },
    },
    store,
  );
  return { activity: activities[ACTIVITY.discoverTopology], inner };
}

describe('the discoverTopology activity', () => {
  it.each([
    ['observe', false],
    ['fix', true],
  ] as const)('in %s mode asks for a validation peer: %s', async (mode, peers) => {
    // Prepare
    const asked: DiscoverOptions[] = [];
    const { activity } = activityWith([], asked);

    // Act
    await activity({ run: run(mode) });

    // Assess
    expect(asked.map((o) => o.validationPeers)).toEqual([peers]);
  });

  it('starts Run Commands for the first batch the orchestrator sent, and none without one', async () => {
    // Prepare
    const asked: DiscoverOptions[] = [];
    const world = fakeWorld({ backends: 6, down: [1, 4] });
    const activities = createActivities({
      ...world.deps,
      startGuestCheck: () => true,
      discover: async (id, options) => {
        asked.push(options);
        return world.deps.discover(id, options);
      },
    });

    // Act
    await activities[ACTIVITY.discoverTopology]({ run: run('observe'), firstBatch: 3 });
    await activities[ACTIVITY.discoverTopology]({ run: run('observe') });

    // Assess: the orchestrator's batch size, not the host's current settings, bounds it.
    expect(asked.map((o) => o.failingVmsFirst?.count)).toEqual([3, undefined]);
  });

  it('stores the health after the failing backends are read, and refers to it', async () => {
    // Prepare
    const events: string[] = [];
    const { activity, inner } = activityWith(events, []);

    // Act
    const result = (await activity({ run: run('observe') })) as WorkflowTopology;

    // Assess
    expect(events).toEqual([
      'failing backends: reads started',
      'failing backends: reads done',
      'put topology',
      'put health',
    ]);
    const health = await inner.get<unknown[]>(result.healthRef);
    expect(health).toHaveLength(1);
    expect(result.failing).toHaveLength(2);
  });
});
