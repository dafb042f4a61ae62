/**
 * The text report on real reports (shipped scenarios run end to end): it shows what the JSON has.
 */
import { renderText, TEXT_WIDTH } from '../../src/report/text';
import { runScenario } from '../helpers/scenarioReports';

describe('renderText', () => {
  it('leads with the summary line and shows the fix rule, priority and the peer validation', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe', 'fix');
    const fix = report.fixes[0]!;

    // Act
    const text = renderText(report, {
      durationMs: 1234,
      reproduce: 'node bin/probe-doctor.js diagnose --fix',
    });

    // Assess
    expect(text.split('\n')[0]).toBe(
      'RESOLVED: lbi-orders-prod; who must act: nobody: probe-doctor fixed it (review the change); backends down 2 -> 0 of 3; 1.2 s',
    );
    expect(text).toMatch(/^vm-orders-01 +vm-orders-01527 +10\.20\.1\.4 +down +up /m);
    expect(text).toContain(
      `fix   applied nsg-allow-probe rule ${String(fix.detail.ruleName)} priority 3999 on nsg-snet-app-a`,
    );
    expect(text).toContain(
      'evidence: subnet NSG nsg-snet-app-a rule DenyAllInbound-Baseline (priority 4000, Deny)',
    );
    expect(text).toMatch(
      /validation: peer vm-orders-03 -> 10\.20\.1\.4:8080 reachable in \d+ ms \(bash-dev-tcp: open\); health Up/,
    );
    expect(text).toContain(
      `az network nsg rule delete --subscription '00000000-0000-0000-0000-000000000000' --resource-group 'rg-orders-prod' --nsg-name 'nsg-snet-app-a' --name '${String(fix.detail.ruleName)}'`,
    );
    expect(text).toContain('Reproduce: node bin/probe-doctor.js diagnose --fix');
  });

  it('names a scale-set backend vmss-name/instance and lists each cause id once', async () => {
    // Prepare
    const { report } = await runScenario('vmss-backend');

    // Act
    const text = renderText(report);

    // Assess: two guest-firewall findings (iptables and ufw) on instance 1 are one cause with both rules.
    const row = text.split('\n').find((l) => l.startsWith('vmss-web/1 '));
    expect(row).toMatch(/ down +down +Down_Probe_HttpEndpointUnreachable +guest-firewall-blocks-probe$/);
    expect(text.match(/cause \[guest-firewall-blocks-probe\]/g)).toHaveLength(1);
    expect(text).toContain('evidence: iptables: -A ufw-user-input -p tcp -m tcp --dport 80 -j DROP');
    expect(text).toContain('evidence: ufw: 80/tcp DENY IN Anywhere');
    expect(text).toMatch(/^vmss-web\/0 +vmss-web-nic/m);
  });

  it('shows Network Watcher results for a backend nothing explained', async () => {
    // Prepare: the scenario holds the region's watcher, as a real subscription does
    const { report } = await runScenario('hidden-failure-unknown');

    // Act
    const text = renderText(report);

    // Assess
    expect(text).toContain(
      'network watcher: IP flow verify from 168.63.129.16: Allow by securityRules/AllowHttpHttpsInbound',
    );
    expect(text).toMatch(/network watcher: connectivity check from web-0: Connected, \d+ ms/);
    expect(text.split('\n')[0]).toContain('who must act: Microsoft support (the ticket is ready)');
  });
});

describe('down before -> after for a VM Azure did not probe', () => {
  const runFinished = (events: { name: string }[]) =>
    events.find((e) => e.name === 'ProbeDoctor.RunFinished') as { backendsDown?: unknown } | undefined;

  it('counts a stopped VM that the fix started and validation proved up: down 1 -> 0, its state unknown -> up', async () => {
    // Prepare
    const { report, events } = await runScenario('vm-stopped', 'fix');

    // Act
    const text = renderText(report);

    // Assess: the summary, the table and the audit trail tell the same story. The summary counts it
    // among the backends that were down (not serving); its state before is what Azure's health said
    // of a VM it does not probe, as BackendChecked records it and observe mode shows it.
    expect(report.verdict).toBe('resolved');
    expect(text.split('\n')[0]).toContain('backends down 1 -> 0 of 3');
    expect(text).toMatch(/^web-2 +web-2-nic +10\.10\.1\.6 +unknown +up /m);
    expect(
      events.flatMap((e) =>
        e.name === 'ProbeDoctor.BackendChecked' && e.backend.includes('/web-2-nic/') ? [e.probeState] : [],
      ),
    ).toEqual(['unknown']);
    expect(String(runFinished(events)?.backendsDown)).toBe('0');
  });

  it('counts it down in observe mode, in the summary and in RunFinished', async () => {
    // Prepare
    const { report, events } = await runScenario('vm-stopped');

    // Act
    const text = renderText(report);

    // Assess
    expect(text.split('\n')[0]).toContain('backends down 1 -> 1 of 3');
    expect(String(runFinished(events)?.backendsDown)).toBe('1');
  });
});

describe('renderText: where an NSG allow points', () => {
  it('names the destination and, when the blocker covers only part of the subnet, what it may not cover', async () => {
    // Prepare: the scale-out scenario's plan, with the blocker narrowed to two addresses as a
    // narrower rule would leave it (src/remediate/destination.ts sets both fields).
    const { report } = await runScenario('vmss-scale-out-after-fix', 'observe');
    const fix = report.fixes.find((f) => f.kind === 'nsg-allow-probe')!;
    const narrowed = {
      ...report,
      fixes: [
        {
          ...fix,
          detail: {
            ...fix.detail,
            destination: '10.30.1.4, 10.30.1.5 of subnet snet-api-a 10.30.1.0/24',
            futureGap: 'rule DenyTwo denies only 10.30.1.4, 10.30.1.5 of subnet snet-api-a (10.30.1.0/24)',
          },
        },
      ],
    };

    // Act
    const subnet = renderText(report, { durationMs: 1 });
    const partial = renderText(narrowed, { durationMs: 1 });

    // Assess
    expect(subnet).toContain(
      "on nsg-snet-api-a; destination: subnet snet-api-a 10.30.1.0/24 (scale set vmss-api's instances; new instances land there)",
    );
    expect(partial).toContain(
      '; destination: 10.30.1.4, 10.30.1.5 of subnet snet-api-a 10.30.1.0/24; may not cover instances added later: rule DenyTwo denies only',
    );
  });

  it('lists the JSON nextSteps in order, numbered and wrapped, each with what it is based on', async () => {
    // Prepare: two backends, one step each (a shipped scenario, observe mode).
    const { report } = await runScenario('aks-ingress-probe-path');
    const steps = report.nextSteps ?? [];

    // Act
    const text = renderText(report);

    // Assess
    expect(steps).toHaveLength(2);
    const section = text.split('\nNext steps (in this order):\n')[1]?.split('\n\n')[0] ?? '';
    const items = section.split(/\n(?= {2}\d+\. )/);
    const unwrapped = items.map((item) => {
      const [step, basedOn] = item.split(/\s+based on: /);
      return [step?.replace(/\s+/g, ' ').trim(), basedOn?.replace(/\s+/g, ' ').trim()];
    });
    expect(unwrapped).toEqual([
      [
        `1. ${steps[0]}`,
        'cause probe-endpoint-error on aks-nodepool1-27182818-vmss/0 (recommendation on aks-nodepool1-27182818-vmss/0)',
      ],
      [
        `2. ${steps[1]}`,
        'cause probe-endpoint-error on aks-nodepool1-27182818-vmss/1 (recommendation on aks-nodepool1-27182818-vmss/1)',
      ],
    ]);
    // Wrapped for a terminal: no line wider than the width unless it is one word (an id) after the indent.
    for (const line of section.split('\n')) {
      expect(line.length <= TEXT_WIDTH || !/\S\s+\S/.test(line.trim())).toBe(true);
    }
    expect(section.split('\n').length).toBeGreaterThan(4);
  });

  it('prints no next steps when nobody must act', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe', 'fix');
    // Act
    const text = renderText(report);
    // Assess
    expect([report.verdict, report.nextSteps, text.includes('Next steps')]).toEqual([
      'resolved',
      undefined,
      false,
    ]);
  });
});

describe('renderText on a security admin rule that denies the probe', () => {
  it('names the rule once, links the network manager as one, and names no rule for a fix that writes nothing', async () => {
    // Prepare
    const { report } = await runScenario('admin-rule-blocks-probe', 'fix');

    // Act
    const text = renderText(report);

    // Assess
    expect(text).toContain('evidence: security admin rule Deny-Http-Plaintext (priority 10, Deny)');
    expect(text).not.toContain('rule rule');
    expect(text).toMatch(/^ {2}network manager nm-platform: https:\/\/portal\.azure\.com\//m);
    expect(text).not.toMatch(/NSG nm-platform/);
    expect(text).toMatch(/fix {3}skipped nsg-allow-probe on nm-platform: Azure Virtual Network Manager/);
  });
});
