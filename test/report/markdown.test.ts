/**
 * The Markdown report on real reports: summary line first, a section per failing backend, the az
 * commands to apply and undo, portal links, the reproducing command; report text escaped.
 */
import { mdEscape, renderMarkdown } from '../../src/report/markdown';
import { runScenario } from '../helpers/scenarioReports';

const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/Microsoft.Network/loadBalancers/lbi-orders-prod';

describe('renderMarkdown', () => {
  it('renders the demo scenario in observe mode with the command that applies the planned rule', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe');

    // Act
    const md = renderMarkdown(report, {
      durationMs: 900,
      reproduce: `node bin/probe-doctor.js diagnose --load-balancer ${LB}`,
    });

    // Assess
    const lines = md.split('\n');
    expect(lines[0]).toBe(
      '**ACTION-REQUIRED: lbi-orders-prod; who must act: you: run again with --fix; backends down 2 -> 2 of 3 (observe: nothing written); 900 ms**',
    );
    expect(lines).toContain(
      '| vm-orders-01 | 10.20.1.4 | down | down | Down\\_Probe\\_HttpEndpointUnreachable | `nsg-blocks-probe` |',
    );
    expect(lines).toContain('## vm-orders-02 (10.20.1.5): down -> down');
    expect(md).not.toContain('## vm-orders-03');
    expect(md).toMatch(
      /az network nsg rule create --subscription '0{8}-0{4}-0{4}-0{4}-0{12}' --resource-group 'rg-orders-prod' --nsg-name 'nsg-snet-app-a' --name 'probe-doctor-allow-probe-8080-[0-9a-f]{8}' --priority 3999 --direction Inbound --access Allow --protocol Tcp --source-address-prefixes 'AzureLoadBalancer' --source-port-ranges '\*' --destination-address-prefixes '10\.20\.1\.4' '10\.20\.1\.5' --destination-port-ranges '8080'/,
    );
    expect(md).not.toContain('## Undo what this run wrote');
    expect(md).toContain(`- [load balancer lbi-orders-prod](<https://portal.azure.com/#@/resource${LB}>)`);
    expect(md).toContain(
      '- [NSG nsg-snet-app-a](<https://portal.azure.com/#@/resource/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/Microsoft.Network/networkSecurityGroups/nsg-snet-app-a>)',
    );
    expect(md).toContain(
      '- [VM vm-orders-01](<https://portal.azure.com/#@/resource/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-ORDERS-PROD/providers/Microsoft.Compute/virtualMachines/vm-orders-01>)',
    );
    expect(md).toContain(`\`\`\`sh\nnode bin/probe-doctor.js diagnose --load-balancer ${LB}\n\`\`\``);
  });

  it('after --fix gives the undo command and the validation evidence', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe', 'fix');

    // Act
    const md = renderMarkdown(report);

    // Assess
    expect(md).toContain('## vm-orders-01 (10.20.1.4): down -> up');
    expect(md).toMatch(/- \*\*Validation\*\*: peer vm-orders-03 -> 10\.20\.1\.4:8080 reachable in \d+ ms/);
    expect(md).toMatch(
      /## Undo what this run wrote\n\n```sh\naz network nsg rule delete .* --name 'probe-doctor-allow-probe-8080-[0-9a-f]{8}'\n```/,
    );
  });

  it('says a guest firewall allow does not survive a reboot and gives its undo', async () => {
    // Prepare
    const { report } = await runScenario('guest-firewall-drop', 'fix');

    // Act
    const md = renderMarkdown(report);

    // Assess
    expect(report.verdict).toBe('resolved');
    expect(report.fixes[0]!.detail).toMatchObject({
      persistent: false,
      undo: 'iptables -D INPUT -s 168.63.129.16 -p tcp --dport 80 -m comment --comment probe-doctor -j ACCEPT',
    });
    expect(md).toContain(
      "az vm run-command invoke --ids '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web-prod/providers/Microsoft.Compute/virtualMachines/web-1' --command-id RunShellScript --scripts 'iptables -D INPUT -s 168.63.129.16 -p tcp --dport 80 -m comment --comment probe-doctor -j ACCEPT",
    );
    expect(md).toContain('> the guest firewall rule does not survive a reboot');
    // Resolved, and still one step for the VM owner: the rule lasts until the next reboot.
    expect(report.nextSteps).toEqual([
      expect.stringMatching(
        /^make the probe allow in the guest firewall of web-1 survive a reboot: runtime only: probe-doctor does not save the ruleset .* add "-A INPUT -s 168\.63\.129\.16\/32 -p tcp -m tcp --dport 80 -m comment --comment probe-doctor -j ACCEPT" before the first "-A INPUT" line/,
      ),
    ]);
    expect(md).toContain('make the probe allow in the guest firewall of web-1 survive a reboot');
  });

  it('keeps report text from breaking the table or injecting HTML', async () => {
    // Prepare: a real report with a hostile health reason and summary.
    const { report } = await runScenario('nsg-deny-all-blocks-probe');
    const hostile = structuredClone(report);
    hostile.backends[0]!.healthReason = 'a|b<script>x</script>\nnext';
    hostile.backends[0]!.causes[0]!.summary = '*bold* `tick` [link](http://x)';

    // Act
    const md = renderMarkdown(hostile);

    // Assess
    const row = md.split('\n').find((l) => l.startsWith('| vm-orders-01 '))!;
    expect(row.split(/(?<!\\)\|/)).toHaveLength(8);
    expect(md).not.toMatch(/(?<!\\)<script>/);
    expect(md).toContain('a\\|b\\<script>x\\</script> next');
    expect(md).toContain('\\*bold\\* \\`tick\\` \\[link\\](http://x)');
    expect(mdEscape('a|b')).toBe('a\\|b');
  });

  it('lists the JSON nextSteps as an ordered list, each with what it is based on', async () => {
    // Prepare
    const { report } = await runScenario('aks-ingress-probe-path');
    const steps = report.nextSteps ?? [];

    // Act
    const md = renderMarkdown(report);

    // Assess
    expect(steps).toHaveLength(2);
    expect(md).toContain(
      [
        '## Next steps',
        '',
        `1. ${mdEscape(steps[0]!)}`,
        `   - Based on: cause probe-endpoint-error on aks-nodepool1-27182818-vmss/0 (recommendation on aks-nodepool1-27182818-vmss/0)`,
        `2. ${mdEscape(steps[1]!)}`,
        `   - Based on: cause probe-endpoint-error on aks-nodepool1-27182818-vmss/1 (recommendation on aks-nodepool1-27182818-vmss/1)`,
        '',
      ].join('\n'),
    );
  });
});
