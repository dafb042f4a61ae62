/**
 * Orchestration versioning (src/workflow/names.ts FLOW_VERSION): an instance runs the steps of the
 * version it was started with. New instances (version 2) diagnose and plan in one activity; instances
 * started before versioning (no version) keep diagnose, then planFixes, so a deployment never changes
 * the steps of a run in flight. Both give the same report and the same audit trail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActivities } from '../../src/workflow/activities';
import { findNonDeterminism } from '../../src/workflow/host/determinism';
import { HistoryEventType, type HistoryEvent } from '../../src/workflow/host/events';
import { LocalDurableHost } from '../../src/workflow/host/localDurableHost';
import { MemoryRunStore } from '../../src/runstore/memoryRunStore';
import { ACTIVITY, FLOW_VERSION, flowVersionOf, ORCHESTRATOR_NAME } from '../../src/workflow/names';
import { probeDoctorOrchestrator } from '../../src/workflow/orchestrator';
import { fakeWorld, LB_ID, reportIn, type FakeOptions } from './fakes';

const T0 = new Date('2026-11-25T10:00:00.000Z');

/**
 * Runs the real orchestrator over the fake world on a host that stamps `version` (none: unversioned);
 * `change` alters the world's dependencies first (a planner that throws).
 */
async function runWith(
  version: string | undefined,
  options: FakeOptions,
  mode: 'observe' | 'fix',
  change: (world: ReturnType<typeof fakeWorld>) => void = () => undefined,
) {
  const world = fakeWorld(options);
  change(world);
  const store = new MemoryRunStore();
  const host = new LocalDurableHost({
    orchestrators: { [ORCHESTRATOR_NAME]: probeDoctorOrchestrator },
    activities: createActivities(world.deps, store),
    clock: () => T0,
    ...(version !== undefined ? { defaultVersion: version } : {}),
  });
  const runInput = { loadBalancerId: LB_ID, mode };
  await host.start(ORCHESTRATOR_NAME, 'flow-1', runInput);
  const status = await host.waitForCompletion('flow-1');
  return { world, status, runInput, report: await reportIn(store, status) };
}

/** The activities the history scheduled, in order. */
const scheduled = (history: HistoryEvent[]): string[] =>
  history
    .filter((e) => e.EventType === HistoryEventType.TaskScheduled)
    .map((e) => (e as unknown as { Name: string }).Name);

describe('orchestration versioning', () => {
  it('reads a missing or unreadable version as 1 and a stamped one by its major number', () => {
    // Act / Assess
    expect(flowVersionOf(undefined)).toBe(1);
    expect(flowVersionOf('')).toBe(1);
    expect(flowVersionOf('not-a-version')).toBe(1);
    expect(flowVersionOf('2')).toBe(2);
    expect(flowVersionOf('2.1')).toBe(2);
    expect(flowVersionOf(FLOW_VERSION)).toBe(2);
  });

  it('is the version host.json has the Durable extension stamp on new instances, and older ones still run', () => {
    // Prepare
    const host = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8')) as {
      extensions: { durableTask: Record<string, unknown> };
    };

    // Assess: CurrentOrOlder lets a worker of this version run instances started before it.
    expect(host.extensions.durableTask.defaultVersion).toBe(FLOW_VERSION);
    expect(host.extensions.durableTask.versionMatchStrategy).toBe('CurrentOrOlder');
  });

  it.each([
    ['observe', { backends: 5, down: [0, 3] }, 'observe'],
    ['fix', { backends: 5, down: [1, 3] }, 'fix'],
    ['fix with a broken backend', { backends: 4, down: [0, 1, 2], broken: [2] }, 'fix'],
  ] as [string, FakeOptions, 'observe' | 'fix'][])(
    '%s: version 2 diagnoses and plans in one activity, an unversioned instance in two, to the same report',
    async (_case, options, mode) => {
      // Act
      const v1 = await runWith(undefined, options, mode);
      const v2 = await runWith(FLOW_VERSION, options, mode);

      // Assess: the steps each version takes ...
      expect(v1.status.runtimeStatus).toBe('Completed');
      expect(v2.status.runtimeStatus).toBe('Completed');
      expect(scheduled(v1.status.history)).toEqual(
        expect.arrayContaining([ACTIVITY.diagnose, ACTIVITY.planFixes]),
      );
      expect(scheduled(v1.status.history)).not.toContain(ACTIVITY.diagnoseAndPlan);
      expect(scheduled(v2.status.history)).toContain(ACTIVITY.diagnoseAndPlan);
      expect(scheduled(v2.status.history)).not.toContain(ACTIVITY.diagnose);
      expect(scheduled(v2.status.history)).not.toContain(ACTIVITY.planFixes);
      expect(scheduled(v2.status.history)).toHaveLength(scheduled(v1.status.history).length - 1);
      // ... the same report and the same audit trail (each step keeps its own event).
      expect(v2.report).toEqual(v1.report);
      expect(v2.world.audit.map((e) => [e.activity, e.outcome, e.detail])).toEqual(
        v1.world.audit.map((e) => [e.activity, e.outcome, e.detail]),
      );
      expect(v2.world.calls).toEqual(v1.world.calls);
    },
  );

  it.each([
    ['unversioned', undefined],
    ['version 2', FLOW_VERSION],
  ])('%s: every episode of a recorded history replays to exactly what it recorded', async (_c, version) => {
    // Prepare
    const { status, runInput } = await runWith(version, { backends: 5, down: [1, 3] }, 'fix');

    // Act
    const divergences = await findNonDeterminism(probeDoctorOrchestrator, 'flow-1', runInput, status.history);

    // Assess
    expect(divergences).toEqual([]);
  });

  it("gives version 2's one activity the deadlines of version 1's two together", async () => {
    // Act
    const v1 = await runWith(undefined, { backends: 3, down: [0] }, 'observe');
    const v2 = await runWith(FLOW_VERSION, { backends: 3, down: [0] }, 'observe');

    // Assess: the deadline timer scheduled right after each activity (policy: 600 s per activity).
    const deadlineOf = (history: HistoryEvent[], activity: string): number[] =>
      history.flatMap((e, i) => {
        const timer = history[i + 1] as unknown as { EventType: number; FireAt?: Date } | undefined;
        return e.EventType === HistoryEventType.TaskScheduled &&
          (e as unknown as { Name: string }).Name === activity &&
          timer?.EventType === HistoryEventType.TimerCreated
          ? [(new Date(timer.FireAt ?? 0).getTime() - T0.getTime()) / 1000]
          : [];
      });
    expect(deadlineOf(v1.status.history, ACTIVITY.diagnose)).toEqual([600]);
    expect(deadlineOf(v1.status.history, ACTIVITY.planFixes)).toEqual([600]);
    expect(deadlineOf(v2.status.history, ACTIVITY.diagnoseAndPlan)).toEqual([1200]);
  });

  it('a plan that fails in version 2 closes the run with the diagnosis, as in version 1', async () => {
    // Prepare: a planner that throws, in both versions.
    const failing = (version: string | undefined) =>
      runWith(version, { backends: 3, down: [0] }, 'fix', (world) => {
        world.deps.planFixes = () => {
          throw new Error('the planner broke');
        };
      });

    // Act
    const v1 = await failing(undefined);
    const v2 = await failing(FLOW_VERSION);

    // Assess: the run ends with a report that keeps the diagnosis and says why it stopped.
    expect(v2.status.runtimeStatus).toBe('Completed');
    expect(scheduled(v2.status.history)).toContain(ACTIVITY.closeRun);
    expect(v2.report.backends.some((b) => b.causes.some((c) => c.id === 'nsg-blocks-probe'))).toBe(true);
    expect(JSON.stringify(v2.report)).toContain('the planner broke');
    expect(v2.report).toEqual(v1.report);
    expect(v2.world.audit.map((e) => [e.activity, e.outcome])).toEqual(
      v1.world.audit.map((e) => [e.activity, e.outcome]),
    );
  });
});
