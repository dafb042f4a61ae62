/**
 * A rule validation could not prove is rolled back, and comes back as a recommendation: the tester's
 * scenario (the shipped nsg-deny-all-blocks-probe plus an iptables DROP of the probe port on both VMs)
 * through the CLI, the sandbox and the real SDK. The NSG allow is written, the backends stay down
 * (the guest firewall), the rule is taken out; the report must still name that exact rule, why it was
 * taken out, that the diagnosis needs it, and that the guest firewall goes first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../src/model/report';
import { runCli } from '../helpers/cli';

const scenario = join(__dirname, '../fixtures/tester/val-both-guest-blocked.json');

/** Fix runs write their trail here, not to the default probe-doctor-audit.jsonl in the repository. */
const auditDir = mkdtempSync(join(tmpdir(), 'pd-rolled-back-'));
afterAll(() => rmSync(auditDir, { recursive: true, force: true }));
let runs = 0;
const cli = (...args: string[]) =>
  runCli(args.includes('--fix') ? [...args, '--audit-log', join(auditDir, `run-${++runs}.jsonl`)] : args);

describe('a rolled-back allow rule', () => {
  it('stays rolled back and comes back in nextSteps as the exact rule, after the guest firewall', async () => {
    // Act
    const { code, out } = await cli('diagnose', '--scenario', scenario, '--fix', '--json');

    // Assess: the rule was written and taken out (never kept unproven).
    expect(code).toBe(1);
    const report = JSON.parse(out) as Report;
    const rule = report.fixes.find((f) => f.kind === 'nsg-allow-probe');
    expect(rule?.status).toBe('rolled-back');
    expect(report.whoMustAct).toBe('customer');
    const steps = report.nextSteps ?? [];
    const ruleStep = steps.find((s) => s.includes(`rule ${String(rule?.detail.ruleName)}`));
    expect(ruleStep).toBeDefined();
    expect(ruleStep).toContain(
      'add to NSG nsg-snet-app-a rule probe-doctor-allow-probe-8080-', // the rule's name
    );
    expect(ruleStep).toContain(
      'at priority 3999: Inbound Allow Tcp from AzureLoadBalancer to 10.20.1.4, 10.20.1.5 port 8080',
    );
    expect(ruleStep).toContain(
      'still needed per the diagnosis (rule DenyAllInbound-Baseline at priority 4000',
    );
    expect(ruleStep).toContain('rolled it back because the backends stayed down');
    expect(ruleStep).toContain(
      'the guest firewall on vm-orders-01, vm-orders-02 also blocks the probe: fix that first, then apply this rule',
    );
    // The guest firewall steps come before the rule.
    const guest = steps.findIndex((s) => s.includes('firewall of vm-orders-01'));
    expect(guest).toBeGreaterThanOrEqual(0);
    expect(steps.indexOf(ruleStep as string)).toBeGreaterThan(guest);
  });

  it('lists the rule last among the commands to apply in the text report', async () => {
    // Act
    const { out } = await cli('diagnose', '--scenario', scenario, '--fix');

    // Assess
    const apply = out.split('To apply what is recommended:\n')[1]?.split('\n\n')[0] ?? '';
    const lines = apply.split('\n').filter((l) => l.startsWith('  az '));
    expect(lines.length).toBe(3);
    expect(lines[2]).toMatch(
      /^ {2}az network nsg rule create .*--nsg-name 'nsg-snet-app-a' --name 'probe-doctor-allow-probe-8080-[0-9a-f]+' --priority 3999 --direction Inbound --access Allow --protocol Tcp --source-address-prefixes 'AzureLoadBalancer' .*--destination-address-prefixes '10\.20\.1\.4' '10\.20\.1\.5' .*--destination-port-ranges '8080'/,
    );
    expect(lines.slice(0, 2).every((l) => l.includes('run-command invoke'))).toBe(true);
  });

  it('says the runtime-only iptables note once per report, not once per VM', async () => {
    // Act: two VMs get the same iptables recommendation.
    const { out } = await cli('diagnose', '--scenario', scenario, '--fix');

    // Assess
    expect(out.split('probe-doctor does not save the ruleset').length - 1).toBe(1);
  });
});
