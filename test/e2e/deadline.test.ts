/**
 * A run is bounded: with ARM answering every call 429 with `Retry-After: 60` (the SDK honours it and
 * would wait a minute per attempt), the activity deadline's durable timer wins the race, the run
 * stops, reports what it knows and closes with RunFinished (`failed`, with the reason).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const FILE = join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json');

describe('deadlines', () => {
  it('ends a run whose every ARM call is throttled for 60 s within the activity deadline, with a report', async () => {
    // Prepare
    const json = JSON.parse(readFileSync(FILE, 'utf8')) as { expect: { loadBalancerId: string } };
    const sandbox = await startSandbox({
      scenario: parseScenario({ ...json, faults: { seed: 1, throttleRate: 1, retryAfterSeconds: 60 } }),
    });
    const audit = new MemoryAuditSink();
    const config = loadConfig({
      PROBE_DOCTOR_ACTIVITY_DEADLINE_SECONDS: '3',
      PROBE_DOCTOR_RUN_DEADLINE_SECONDS: '20',
    });
    const started = Date.now();
    const calls = new AbortController();
    try {
      // Act
      const { report } = await runLocally({
        input: { loadBalancerId: json.expect.loadBalancerId, mode: 'fix' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
        config,
        auditSink: audit,
        remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
        callsSignal: calls.signal,
      });
      const elapsedMs = Date.now() - started;

      // Assess: stopped at discovery after 3 s, not after minutes of Retry-After.
      expect(elapsedMs).toBeLessThan(15_000);
      expect(sandbox.requestLog.some((r) => r.status === 429)).toBe(true);
      // No ticket was built: the operator finishes the run (never an empty escalation).
      expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
      expect(report.nextSteps?.[0]).toMatch(
        /^run probe-doctor again to finish: this run stopped while discovering/,
      );
      expect(report.problems).toEqual([
        {
          kind: 'deadline',
          message: 'discovering the topology did not finish within the activity deadline (3 s)',
        },
      ]);
      const names = audit.events.map((e) => e.name);
      expect(names[0]).toBe('ProbeDoctor.RunStarted');
      expect(names.at(-1)).toBe('ProbeDoctor.RunFinished');
      expect(audit.events.at(-1)).toMatchObject({
        outcome: 'failed',
        reason:
          'deadline while discovering: discovering the topology did not finish within the activity deadline (3 s)',
      });
    } finally {
      // The abandoned discovery is still in its 60 s Retry-After pause: end it with the run.
      calls.abort();
      await sandbox.stop();
    }
  });
});
