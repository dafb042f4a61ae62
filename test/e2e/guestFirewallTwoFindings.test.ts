/**
 * Two guest firewall findings on one backend, end to end: web-1 of
 * test/fixtures/scenarios/guest-firewall-two-findings.json runs firewalld with a rich rule that drops
 * the probe, and an iptables INPUT DROP of the same traffic beside it. The iptables DROP can be fixed by
 * an inserted allow; the rich rule cannot (firewalld puts deny rich rules before allows). Each finding
 * must come out as its own fix or advice naming its rule, and the iptables fix must not pass for the
 * fix of the firewalld rule: in fix mode the backend stays down and the customer, not Microsoft, is
 * asked to remove the rich rule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import type { Cause, FixReport, Report } from '../../src/model/report';
import { renderText } from '../../src/report/text';
import type { GuestState } from '../../src/sandbox/scenario';
import { parseScenario } from '../../src/sandbox/scenario';
import { findGuest } from '../../src/sandbox/state';
import { startSandbox } from '../../src/sandbox/server';

const file = join(__dirname, '../fixtures/scenarios/guest-firewall-two-findings.json');
const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web-prod/providers/Microsoft.Network/loadBalancers/lb-web-prod';
const WEB1 =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web-prod/providers/Microsoft.Compute/virtualMachines/web-1';
const IPTABLES_RULE = '-A INPUT -s 168.63.129.16/32 -p tcp -m tcp --dport 80 -j DROP';
const RICH_RULE = 'rule family="ipv4" source address="168.63.129.16/32" port port="80" protocol="tcp" drop';

async function diagnose(mode: 'observe' | 'fix'): Promise<{ report: Report; guest: GuestState }> {
  const scenario = parseScenario(JSON.parse(readFileSync(file, 'utf8')), file);
  const sandbox = await startSandbox({ scenario });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: LB, mode, requestedBy: 'cli' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig(mode === 'fix' ? { PROBE_DOCTOR_OPT_IN_FIXES: 'guest-firewall-allow' } : {}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
      decideApproval: () => ({ decision: 'approve', by: 'two-findings test' }),
    });
    return { report, guest: structuredClone(findGuest(sandbox.state, WEB1)!) };
  } finally {
    await sandbox.stop();
  }
}

const web1Causes = (report: Report): Cause[] =>
  report.backends.find((b) => b.vmId?.toLowerCase() === WEB1.toLowerCase())?.causes ?? [];

/** Each web-1 fix as `kind status tool rule`. */
const web1Fixes = (report: Report): string[] =>
  report.fixes
    .filter((f: FixReport) => f.target.toLowerCase() === WEB1.toLowerCase())
    .map((f) => `${f.kind} ${f.status} ${String(f.detail.tool)} ${String(f.detail.rule)}`)
    .sort();

describe('two guest firewall findings on one backend', () => {
  it('observe: both findings found, each with its own advice naming its rule, in the next steps', async () => {
    // Act
    const { report } = await diagnose('observe');

    // Assess
    expect(web1Causes(report).map((c) => [c.id, c.evidence?.tool, c.evidence?.rule])).toEqual([
      ['guest-firewall-blocks-probe', 'iptables', IPTABLES_RULE],
      ['guest-firewall-blocks-probe', 'firewalld', RICH_RULE],
    ]);
    expect(web1Fixes(report)).toEqual([
      `recommendation planned firewalld ${RICH_RULE}`,
      `recommendation planned iptables ${IPTABLES_RULE}`,
    ]);
    const steps = report.nextSteps ?? [];
    expect(steps).toHaveLength(2);
    expect(steps.some((s) => s.includes('in the iptables firewall of web-1'))).toBe(true);
    expect(steps.some((s) => s.includes(`the firewalld rich rule "${RICH_RULE}"`))).toBe(true);
    // No allow command for the rich rule: an allow cannot beat it, so none is offered.
    expect(renderText(report)).not.toContain('--add-rich-rule');
  });

  it('fix: the iptables DROP is fixed, the rich rule stays as the customer next step, no ticket', async () => {
    // Act
    const { report, guest } = await diagnose('fix');

    // Assess
    expect(web1Fixes(report)).toEqual([
      `guest-firewall-allow applied iptables ${IPTABLES_RULE}`,
      `recommendation planned firewalld ${RICH_RULE}`,
    ]);
    // The fix wrote to the iptables rules only; firewalld's rich rule is as it was.
    expect(guest.iptablesRules?.[0]).toEqual({
      action: 'allow',
      protocol: 'tcp',
      port: 80,
      source: '168.63.129.16/32',
    });
    expect(guest.firewall.filter((e) => e.action !== 'allow')).toEqual([
      { action: 'deny', protocol: 'tcp', port: 80, source: '168.63.129.16/32' },
    ]);
    // Still down, and the remaining cause is the customer's own rule: not "fixed and still failing".
    expect(report.backends.find((b) => b.vmId === WEB1)?.probeState).toBe('down');
    expect([report.verdict, report.whoMustAct, report.escalation]).toEqual([
      'action-required',
      'customer',
      undefined,
    ]);
    expect(report.nextSteps).toEqual([
      `the firewalld rich rule "${RICH_RULE}" drops the probe and rich deny rules win over allows: remove it or narrow it so it no longer covers TCP from 168.63.129.16 to port 80 on web-1`,
      // The iptables allow probe-doctor added lasts until the next reboot: the owner keeps it.
      expect.stringMatching(
        /^make the probe allow in the guest firewall of web-1 survive a reboot: runtime only: /,
      ),
    ]);
  });
});
