/**
 * Why the run waits before it validates: the sandbox, like Azure, keeps reporting a backend Down
 * until its probe has re-tested `probeThreshold` times (interval 5 s x threshold 2 in
 * nsg-deny-all-blocks-probe.json). The local host skips the wait only by moving the sandbox's
 * clock, so the fix run ends `resolved`; a host that skips the wait without letting the time pass
 * (what the host did before) validates too early, sees Down, and rolls its good fix back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { SkippableClock } from '../../src/sandbox/clock';
import { HistoryEventType } from '../../src/workflow/host/events';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const FILE = join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json');

async function fixRun(skipWithoutTime: boolean) {
  const json = JSON.parse(readFileSync(FILE, 'utf8')) as { expect: { loadBalancerId: string } };
  const clock = new SkippableClock();
  const sandbox = await startSandbox({ scenario: parseScenario(json), clock });
  const wallStart = Date.now();
  try {
    const { report, status } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode: 'fix' },
      target: {
        kind: 'sandbox',
        endpoint: sandbox.endpoint,
        ca: sandbox.ca,
        // The broken variant: timers fire at once and the sandbox never sees the time pass.
        clock: skipWithoutTime ? { now: () => clock.now(), advanceTo: () => undefined } : clock,
      },
      config: loadConfig({}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    // Sandbox time the run skipped: what the clock shows beyond the wall time that passed.
    const skippedMs = clock.now() - Date.now();
    return { report, status, skippedMs, wallMs: Date.now() - wallStart };
  } finally {
    await sandbox.stop();
  }
}

describe('a fix run validates only after the probe could re-test', () => {
  it('ends resolved because the host waited interval x threshold (on the sandbox clock)', async () => {
    // Act
    const { report, status, skippedMs } = await fixRun(false);

    // Assess
    expect(report.verdict).toBe('resolved');
    expect(report.fixes.map((f) => f.status)).toEqual(['applied']);
    expect(report.validation?.map((v) => [v.health, v.healthReason])).toEqual([
      ['Up', 'Up_Probe_Success'],
      ['Up', 'Up_Probe_Success'],
    ]);
    // The orchestrator asked for exactly 5 s x 2 (no margin by default), and the sandbox saw it pass.
    // (The other timers are the activities' deadlines, cancelled when the activity won: 600 s each, and
    // 1,200 s for diagnoseAndPlan, which does the work of two activities.)
    const waits = status.history
      .filter((e) => e.EventType === HistoryEventType.TimerCreated)
      .map((e) => (e['FireAt'] as Date).getTime() - e.Timestamp.getTime())
      .filter((ms) => ms !== 600_000 && ms !== 1_200_000);
    expect(waits).toEqual([10_000]);
    // The sandbox clock jumped by the wait (less the wall time that had passed since the timer was set).
    expect(skippedMs).toBeGreaterThan(8_000);
  });

  it('sees Down and rolls the good fix back when the wait is skipped without the time passing', async () => {
    // Act
    const { report, skippedMs } = await fixRun(true);

    // Assess
    expect(skippedMs).toBeLessThan(1_000);
    expect(report.verdict).toBe('escalated');
    expect(report.fixes.map((f) => f.status)).toEqual(['rolled-back']);
    expect(report.validation?.map((v) => v.health)).toEqual(['Down', 'Down']);
  });
});
