import { ActionType } from 'durable-functions/lib/src/actions/ActionType';
import { createActivities } from '../../src/workflow/activities';
import { findNonDeterminism } from '../../src/workflow/host/determinism';
import { HistoryEventType } from '../../src/workflow/host/events';
import { LocalDurableHost } from '../../src/workflow/host/localDurableHost';
import { ORCHESTRATOR_NAME } from '../../src/workflow/names';
import { nsgLockKey } from '../../src/workflow/nsgLock';
import { probeDoctorOrchestrator } from '../../src/workflow/orchestrator';
import { fakeWorld, LB_ID, NSG_ID, reportIn } from './fakes';
import { MemoryRunStore } from '../../src/runstore/memoryRunStore';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const LB_B = LB_ID.replace('lb-web', 'lb-api');
const NSG_B = NSG_ID.replace('nsg-web', 'nsg-api');
/** Ticks an apply waits for another apply to start: enough for a concurrent one to get there. */
const PATIENCE_TICKS = 50;

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Two runs (load balancers A and B) on one host with shared fake deps. applyFixes records its start
 * and end and stays in flight until another apply starts (or PATIENCE_TICKS pass), so overlapping
 * applies are seen whenever they are allowed.
 */
function twoRuns(nsgFor: (lbId: string) => string, applyThrows = false) {
  const world = fakeWorld({ backends: 3, down: [0, 1] });
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const plan = world.deps.planFixes.bind(world.deps);
  world.deps.planFixes = async (input) =>
    (await plan(input)).map((f) => ({ ...f, target: nsgFor(input.topology.loadBalancer.id) }));
  const apply = world.deps.applyFixes.bind(world.deps);
  world.deps.applyFixes = async (input) => {
    const who = input.run.loadBalancerId === LB_ID ? 'A' : 'B';
    log.push(`start ${who}`);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    for (let i = 0; i < PATIENCE_TICKS && inFlight < 2; i++) await tick();
    inFlight -= 1;
    log.push(`end ${who}`);
    if (applyThrows) throw new Error('NSG write broke part-way');
    return apply(input);
  };
  const store = new MemoryRunStore();
  const host = new LocalDurableHost({
    orchestrators: { [ORCHESTRATOR_NAME]: probeDoctorOrchestrator },
    activities: createActivities(world.deps, store),
    clock: () => T0,
  });
  const run = async () => {
    await host.start(ORCHESTRATOR_NAME, 'run-a', { loadBalancerId: LB_ID, mode: 'fix' });
    await host.start(ORCHESTRATOR_NAME, 'run-b', { loadBalancerId: LB_B, mode: 'fix' });
    return Promise.all([host.waitForCompletion('run-a'), host.waitForCompletion('run-b')]);
  };
  return { host, store, log, maxInFlight: () => maxInFlight, run };
}

const nsgByLb = (lbId: string) => (lbId === LB_ID ? NSG_ID : NSG_B);

describe('NSG writes across orchestrations', () => {
  it('serializes the applies of two runs that target the same NSG, and both complete', async () => {
    // Prepare
    const { host, log, maxInFlight, run } = twoRuns(() => NSG_ID);

    // Act
    const [a, b] = await run();

    // Assess
    expect([a.runtimeStatus, b.runtimeStatus]).toEqual(['Completed', 'Completed']);
    expect(maxInFlight()).toBe(1);
    expect(log).toHaveLength(4);
    expect([log.slice(0, 2), log.slice(2)]).toEqual(
      log[0] === 'start A'
        ? [
            ['start A', 'end A'],
            ['start B', 'end B'],
          ]
        : [
            ['start B', 'end B'],
            ['start A', 'end A'],
          ],
    );
    expect(host.lockHolders()).toEqual({});
  });

  it('does not serialize the applies of runs that target different NSGs', async () => {
    // Prepare
    const { host, maxInFlight, run } = twoRuns(nsgByLb);

    // Act
    const [a, b] = await run();

    // Assess
    expect([a.runtimeStatus, b.runtimeStatus]).toEqual(['Completed', 'Completed']);
    expect(maxInFlight()).toBe(2);
    expect(host.lockHolders()).toEqual({});
  });

  it('locks the NSG of the fix by its hashed key and records the request in the history', async () => {
    // Prepare
    const { run } = twoRuns(nsgByLb);

    // Act
    const [a] = await run();

    // Assess
    const sent = a.history.filter((e) => e.EventType === HistoryEventType.EventSent);
    expect(sent.map((e) => (JSON.parse(String(e['Input'])) as { lockset: string[] }).lockset)).toEqual([
      [`@nsglock@${nsgLockKey(NSG_ID)}`],
    ]);
  });

  it('releases the lock right after applyFixes even when the activity throws', async () => {
    // Prepare
    const { host, store, run } = twoRuns(() => NSG_ID, true);

    // Act
    const [a, b] = await run();

    // Assess: in each run a release follows the apply before anything else is scheduled.
    for (const status of [a, b]) {
      // (Timers are the activities' deadlines, raced against each activity.)
      const kinds = status.actions
        .filter((x) => x.actionType !== ActionType.CreateTimer)
        .map((x) =>
          x.actionType === ActionType.CallActivity ? String(x.functionName) : ActionType[x.actionType],
        );
      const at = kinds.indexOf('LockEntities');
      expect(kinds.slice(at, at + 3)).toEqual(['LockEntities', 'applyFixes', 'ReleaseEntities']);
      expect(status.runtimeStatus).toBe('Completed');
      expect((await reportIn(store, status)).fixes).toContainEqual(
        expect.objectContaining({
          status: 'failed',
          reason: 'applying the fixes failed: NSG write broke part-way',
        }),
      );
    }
    expect(host.lockHolders()).toEqual({});
  });

  it('replays every episode prefix of a locked run to the same actions', async () => {
    // Prepare
    const { run } = twoRuns(() => NSG_ID);
    const [a, b] = await run();

    // Act
    const divergences = await Promise.all(
      [a, b].map((s) =>
        findNonDeterminism(
          probeDoctorOrchestrator,
          s.instanceId,
          { loadBalancerId: s.instanceId === 'run-a' ? LB_ID : LB_B, mode: 'fix' },
          s.history,
        ),
      ),
    );

    // Assess
    expect(divergences).toEqual([[], []]);
    expect(a.history.some((e) => e.EventType === HistoryEventType.EventSent)).toBe(true);
  });
});
