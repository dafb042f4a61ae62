/**
 * A probe blocked by an Azure Virtual Network Manager security admin rule: the skipped fix names what
 * blocks (the network manager whose security admin configuration holds the rule, as the NIC's
 * effective-NSG answer names it in `association.networkManager.id`), not the load balancer, which
 * nobody has to change; and its one step covers every backend instead of repeating per backend.
 */
import { runShippedScenario } from '../helpers/shippedRun';

const NM =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web-prod/providers/Microsoft.Network/networkManagers/nm-platform';

describe.each(['observe', 'fix'] as const)('admin-rule-blocks-probe (%s)', (mode) => {
  it('the skipped fix targets the network manager that holds the admin rule', async () => {
    // Act
    const { report, writes } = await runShippedScenario('admin-rule-blocks-probe.json', mode);

    // Assess
    expect(writes).toEqual([]);
    const fixes = report.fixes.filter((f) => f.kind === 'nsg-allow-probe');
    expect(fixes.map((f) => [f.status, f.target])).toEqual([['skipped', NM]]);
    expect(fixes[0]?.detail).toMatchObject({
      adminRule: true,
      ruleName: 'Deny-Http-Plaintext',
      networkManagerId: NM,
    });
    expect(fixes[0]?.reason).toMatch(
      /^Azure Virtual Network Manager security admin rule Deny-Http-Plaintext of network manager nm-platform \(priority 10\) denies the probe/,
    );
    expect(report.nextSteps).toEqual([fixes[0]?.reason]);
  });
});
