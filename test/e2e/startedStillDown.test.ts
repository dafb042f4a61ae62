/**
 * A stopped VM the run starts (start-vm, approved) whose probe still fails once it runs: validation
 * re-reads it Down. The run's own report and the one rebuilt from its trail say the same before and
 * after (unknown -> down, with the re-read reason), in the JSON and in the text's table.
 */
import { readFileSync } from 'node:fs';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import type { Report } from '../../src/model/report';
import { reportFromAudit } from '../../src/report/fromAudit';
import { renderText } from '../../src/report/text';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import { loadBalancerOf, scenarioFile } from '../helpers/scenarioReports';

/** vm-stopped, but once started web-2 listens on nothing at the probe's port 80. */
function stoppedAndBroken() {
  const json = JSON.parse(readFileSync(scenarioFile('vm-stopped'), 'utf8')) as {
    guests: Record<string, { listening: { port: number }[] }>;
  };
  const web2 = Object.keys(json.guests).find((k) => k.endsWith('/web-2')) as string;
  const guest = json.guests[web2] as { listening: { port: number }[] };
  guest.listening = guest.listening.filter((l) => l.port !== 80);
  return parseScenario(json, 'vm-stopped-still-down');
}

describe('a stopped VM started by the run whose probe still fails', () => {
  it('is unknown -> down in the run report and in the one rebuilt from its trail alike', async () => {
    // Prepare
    const sandbox = await startSandbox({ scenario: stoppedAndBroken() });
    const audit = new MemoryAuditSink();
    let report: Report;
    try {
      // Act
      ({ report } = await runLocally({
        input: { loadBalancerId: loadBalancerOf('vm-stopped'), mode: 'fix', requestedBy: 'cli' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
        config: loadConfig({ PROBE_DOCTOR_OPT_IN_FIXES: 'start-vm' }),
        auditSink: audit,
        remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
        evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
        decideApproval: () => ({ decision: 'approve', by: 'test' }),
      }));
    } finally {
      await sandbox.stop();
    }
    const rebuilt = reportFromAudit([...audit.events], 'run.jsonl').report;

    // Assess
    const web2 = (r: Report) => r.backends.find((b) => b.ipConfigurationId?.includes('/web-2-nic/'));
    const row = (r: Report) =>
      renderText(r)
        .split('\n')
        .find((l) => l.startsWith('web-2 '))
        ?.split(/ +/)
        .slice(3, 6);
    expect(report.fixes.map((f) => `${f.kind}:${f.status}`)).toEqual(['start-vm:applied']);
    expect(report.validation?.map((v) => v.health)).toEqual(['Down']);
    expect([web2(report)?.probeStateBefore, web2(report)?.probeState]).toEqual(['unknown', 'down']);
    expect([web2(rebuilt)?.probeStateBefore, web2(rebuilt)?.probeState]).toEqual(['unknown', 'down']);
    expect(web2(report)?.healthReason).toBe(report.validation?.[0]?.healthReason);
    expect(row(report)).toEqual(row(rebuilt));
  }, 60_000);
});
