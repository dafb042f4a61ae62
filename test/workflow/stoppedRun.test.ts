/**
 * A run that stops early (a deadline during the backend checks) keeps what it found: the backend
 * table from discovery, the checks that finished, and the reason; its verdict follows the mode and the
 * README (never `escalated` without a ticket). From the new-user trial of 2026-11-30: a 10 s run
 * deadline during the checks gave "escalated, 0 of 0 down" in observe mode.
 */
import { MemoryRunStore } from '../../src/runstore/memoryRunStore';
import { createActivities, rerunStep } from '../../src/workflow/activities';
import type { RunOutcome } from '../../src/workflow/contracts';
import { LocalDurableHost } from '../../src/workflow/host/localDurableHost';
import { ORCHESTRATOR_NAME } from '../../src/workflow/names';
import { probeDoctorOrchestrator } from '../../src/workflow/orchestrator';
import { backendKey, fakeWorld, LB_ID, reportIn } from './fakes';

describe('a run stopped by a deadline during the backend checks', () => {
  it.each(['observe', 'fix'] as const)(
    'in %s mode keeps the backends, the finished checks and the reason, and asks the customer to finish it',
    async (mode) => {
      // Prepare: one check per batch; the second backend's check never answers, and the clock
      // jumps past the activity deadline while it hangs (the host fires the due timer on the jump).
      const world = fakeWorld({
        backends: 3,
        down: [0, 1],
        policy: { fanoutBatchSize: 1, activityDeadlineSeconds: 30 },
      });
      let now = Date.parse('2026-11-30T21:30:00.000Z');
      let jumped: (() => void) | undefined;
      const check = world.deps.checkBackend;
      world.deps.checkBackend = (input) => {
        if (input.backend.key !== backendKey(1)) return check(input);
        now += 31_000;
        setImmediate(() => jumped?.());
        return new Promise(() => undefined);
      };
      const store = new MemoryRunStore();
      const host = new LocalDurableHost({
        orchestrators: { [ORCHESTRATOR_NAME]: probeDoctorOrchestrator },
        activities: createActivities(world.deps, store),
        clock: () => new Date(now),
        time: {
          kind: 'virtual',
          onJump: (listener) => {
            jumped = listener;
            return () => (jumped = undefined);
          },
        },
      });

      // Act
      await host.start(ORCHESTRATOR_NAME, `stopped-${mode}`, { loadBalancerId: LB_ID, mode });
      const status = await host.waitForCompletion(`stopped-${mode}`);
      const report = await reportIn(store, status);

      // Assess
      expect(status.runtimeStatus).toBe('Completed');
      expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
      expect(report.escalation).toBeUndefined();
      const stop = {
        kind: 'deadline' as const,
        message: 'checking the backends did not finish within the activity deadline (30 s)',
      };
      expect(report.problems).toEqual([stop]);
      expect(report.nextSteps?.[0]).toBe(rerunStep({ ...stop, phase: 'checking-backends' }));
      expect(report.nextSteps?.[0]).toMatch(
        /stopped while checking-backends .*PROBE_DOCTOR_RUN_DEADLINE_SECONDS/,
      );
      // The finished check's finding stands; the unchecked backend says it was not checked.
      expect(report.backends.map((b) => [b.probeState, b.causes.map((c) => c.id)])).toEqual([
        ['down', ['nsg-blocks-probe']],
        ['down', []],
        ['up', []],
      ]);
      expect(report.backends[1]?.notes?.map((n) => n.id)).toEqual(['not-checked']);
      expect((status.output as RunOutcome).backendsDown).toBe(2);
      expect(world.calls['escalate']).toBeUndefined();
    },
  );
});
