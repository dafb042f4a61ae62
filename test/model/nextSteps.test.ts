/**
 * The report's next steps name each backend the way the rest of the report does (the backend table,
 * the portal links): a scale-set instance as `vmss-name/instance`, never the bare instance id (`0:`,
 * `1:` read as list numbers), and a fix that already covers a backend's cause is not repeated per backend.
 */
import { nextStepsFor } from '../../src/model/nextSteps';
import type { BackendReport, Report } from '../../src/model/report';

const RG = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_rg_aks_westeurope';
const VMSS = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-vmss`;
const NSG = `${RG}/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-nsg`;

const node = (instance: number, ip: string): BackendReport => ({
  ipConfigurationId: `${VMSS}/virtualMachines/${instance}/networkInterfaces/nic/ipConfigurations/ipconfig1`,
  ipAddress: ip,
  vmId: `${VMSS}/virtualMachines/${instance}`,
  probeState: 'down',
  causes: [{ id: 'nsg-blocks-probe', summary: `NSG aks-agentpool-nsg denies the probe to ${ip}.` }],
});

const report = (fixes: Report['fixes']): Parameters<typeof nextStepsFor>[0] => ({
  mode: 'observe',
  verdict: 'action-required',
  whoMustAct: 'customer',
  causes: [],
  backends: [node(0, '10.224.0.4'), node(1, '10.224.0.5')],
  fixes,
});

describe('nextStepsFor', () => {
  it('names a scale-set instance as vmss/instance, not by its bare instance id', () => {
    // Act
    const steps = nextStepsFor(report([]));

    // Assess
    expect(steps).toEqual([
      'aks-nodepool1-vmss/0: NSG aks-agentpool-nsg denies the probe to 10.224.0.4.',
      'aks-nodepool1-vmss/1: NSG aks-agentpool-nsg denies the probe to 10.224.0.5.',
    ]);
  });

  it("does not repeat per backend what a skipped NSG fix for those backends' addresses already says", () => {
    // Prepare: the skipped fix of a controller-owned NSG, as src/remediate/plan.ts writes it.
    const fixes: Report['fixes'] = [
      {
        kind: 'nsg-allow-probe',
        target: NSG,
        status: 'skipped',
        reason: 'NSG aks-agentpool-nsg is owned by AKS cluster aks; remove rule deny-all from it',
        detail: { controllerOwned: true, backendIps: ['10.224.0.4', '10.224.0.5'] },
      },
    ];

    // Act
    const steps = nextStepsFor(report(fixes));

    // Assess
    expect(steps).toEqual([
      'NSG aks-agentpool-nsg is owned by AKS cluster aks; remove rule deny-all from it',
    ]);
  });

  it('a guest firewall fix about one rule leaves another rule of the same backend as its own step', () => {
    // Prepare: an iptables allow applied (it names the iptables rule it answers); nothing about the
    // firewalld rich rule beside it.
    const vmId = `${RG}/providers/Microsoft.Compute/virtualMachines/web-1`;
    const rich = 'rule family="ipv4" source address="168.63.129.16/32" port port="80" protocol="tcp" drop';
    const input: Parameters<typeof nextStepsFor>[0] = {
      mode: 'fix',
      verdict: 'action-required',
      whoMustAct: 'customer',
      causes: [],
      backends: [
        {
          ipAddress: '10.10.1.5',
          vmId,
          probeState: 'down',
          causes: [
            {
              id: 'guest-firewall-blocks-probe',
              summary: 'The iptables firewall on web-1 drops TCP from 168.63.129.16 to port 80.',
              evidence: { tool: 'iptables', rule: '-A INPUT -s 168.63.129.16/32 -j DROP' },
            },
            {
              id: 'guest-firewall-blocks-probe',
              summary: `The firewalld firewall on web-1 drops TCP from 168.63.129.16 to port 80: ${rich}.`,
              evidence: { tool: 'firewalld', rule: rich },
            },
          ],
        },
      ],
      fixes: [
        {
          kind: 'guest-firewall-allow',
          target: vmId,
          status: 'applied',
          detail: { vmId, port: 80, tool: 'iptables', rule: '-A INPUT -s 168.63.129.16/32 -j DROP' },
        },
      ],
    };

    // Act
    const steps = nextStepsFor(input);

    // Assess
    expect(steps).toEqual([
      `web-1: The firewalld firewall on web-1 drops TCP from 168.63.129.16 to port 80: ${rich}.`,
    ]);
  });
});

describe('nextSteps when nothing is found but TCP timestamps are on', () => {
  it('asks to turn them off before the ticket, naming the backend', async () => {
    // Prepare: hidden-failure-unknown's web-1 fails its probe, every check passes, timestamps are on.
    const { runScenario } = await import('../helpers/scenarioReports');
    const { report } = await runScenario('hidden-failure-unknown', 'fix');

    // Act
    const steps = report.nextSteps ?? [];

    // Assess
    const timestamps = steps.findIndex((s) => s.startsWith('turn off TCP timestamps in the guest of '));
    const ticket = steps.findIndex((s) => s.startsWith('file the support ticket'));
    expect(report.whoMustAct).toBe('microsoft');
    expect(timestamps).toBeGreaterThanOrEqual(0);
    expect(ticket).toBeGreaterThan(timestamps);
    expect(steps[timestamps]).toContain('sysctl -w net.ipv4.tcp_timestamps=0');
    expect(steps[timestamps]).toMatch(/file the ticket only if it still fails$/);
    // With the ticket already filed, the step does not ask to file it later.
    const filed = nextStepsFor({
      ...report,
      escalation: { supportTicket: {}, submitted: true, ticketId: '1' },
    });
    expect(filed.find((s) => s.startsWith('turn off TCP timestamps'))).toMatch(
      /tell Microsoft support on the ticket already open whether that fixed it$/,
    );
  });
});
