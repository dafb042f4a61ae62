/**
 * test/fixtures/reliability/audit-lost-response-repro.js.txt, as a test: a fix run whose PUT lands but
 * whose next K requests are throttled (the answer to the write is lost). Whatever K, the run that wrote
 * the rule claims it, audits it after, and never leaves a rule of its own in place unclaimed: the write
 * loop settles it with fresh reads, and when those too outlast the pipeline's retries the run settles
 * it after validation (or after a validation that could not run).
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

describe('a fix whose PUT lands and whose answer is lost (audit-lost-response-repro)', () => {
  it.each([2, 8, 20, 40])('K=%i throttled requests after the PUT', async (K) => {
    // Prepare
    const json = JSON.parse(readFileSync(FILE, 'utf8')) as { expect: { loadBalancerId: string } };
    const sandbox = await startSandbox({ scenario: parseScenario(json) });
    let after = -1;
    const log = sandbox.requestLog;
    const push = log.push.bind(log);
    log.push = (...entries) => {
      for (const e of entries) {
        if (after >= 0 && ++after >= K) {
          sandbox.setFaults(undefined);
          after = -2;
        }
        if (e.method === 'PUT' && e.status < 300 && after === -1) {
          after = 0;
          sandbox.setFaults({ throttleRate: 1, retryAfterSeconds: 0 });
        }
      }
      return push(...entries);
    };
    const audit = new MemoryAuditSink();
    try {
      // Act
      const { report } = await runLocally({
        input: { loadBalancerId: json.expect.loadBalancerId, mode: 'fix' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
        config: loadConfig({}),
        auditSink: audit,
        remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
        evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
      });

      // Assess
      const puts = sandbox.requestLog.filter((e) => e.method === 'PUT');
      expect(puts.map((p) => p.status)).toEqual([201]);
      const fix = report.fixes[0]!;
      expect([fix.status, fix.detail.written, fix.detail.created]).toEqual(['applied', true, true]);
      const fixEvents = audit.events
        .filter((e) => e.name === 'ProbeDoctor.FixApplied')
        .map((e) => (e as { outcome?: string }).outcome);
      expect(fixEvents).toContain('started');
      // The rule names its run by the run id alone (naming.ts writeOwnerId), the id every audit event
      // of the run carries: an operator joins the NSG rule to the run's audit trail by it.
      const runIds = new Set(audit.events.map((e) => (e as { runId?: string }).runId));
      expect(runIds.size).toBe(1);
      expect(fix.detail.description).toMatch(new RegExp(`; run ${[...runIds][0]!}$`));
      expect(fixEvents.at(-1)).toBe('applied');
      // Up to 20 throttled requests the pipeline's retries and the settling re-reads absorb them and
      // validation proves the fix. At 40 it depends on how many of the throttled requests validation
      // itself makes (it reads in one parallel round): either it still proves the fix, or it could not
      // run, which the run says (a person checks). Never a confident wrong answer either way, and the
      // write is claimed and audited above.
      if (K <= 20 || report.verdict === 'resolved') {
        expect(report.verdict).toBe('resolved');
        expect(report.problems ?? []).toEqual([]);
      } else {
        expect(report.verdict).toBe('action-required');
        expect(report.problems?.map((p) => p.message)).toEqual([
          expect.stringMatching(/^validation could not run: .*429 .*still failing after the SDK's retries/),
        ]);
      }
    } finally {
      await sandbox.stop();
    }
  });
});
