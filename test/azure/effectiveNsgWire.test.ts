/**
 * The reader follows the effective-NSG wire format. Microsoft's example
 * (test/fixtures/arm-examples/Microsoft.Network/NetworkInterfaces_ListEffectiveNetworkSecurityGroups.json,
 * azure-rest-api-specs network 2025-05-01 NetworkInterfaceEffectiveNSGList.json; SOURCES.md names the
 * commit) goes unchanged through the sandbox's HTTPS endpoint, the real SDK client and the reader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientFactory } from '../../src/azure/clients';
import { createSdkAzureReader, mapEffectiveGroup } from '../../src/azure/reader';
import { crossCheckEffective } from '../../src/diagnose/nsg/effective';
import type { Packet } from '../../src/diagnose/nsg/types';
import { defaultViews } from '../../src/sandbox/defaultViews';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import { scenario } from '../helpers/scenarioBuilder';

const EXAMPLE = join(
  __dirname,
  '../fixtures/arm-examples/Microsoft.Network/NetworkInterfaces_ListEffectiveNetworkSecurityGroups.json',
);
const body = (
  JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { responses: { '200': { body: { value: unknown[] } } } }
).responses['200'].body;

describe("the reader on Microsoft's effective-NSG example, through the real SDK", () => {
  it('reads the NSG entry as NSG rules (not admin rules), every field kept', async () => {
    // Prepare: the sandbox answers the example's body for the NIC of any scenario.
    const doc = scenario('wire')
      .vnet('vnet-web', ['10.0.0.0/16'])
      .subnet('snet-web', '10.0.1.0/24')
      .vm('web-0')
      .build();
    const sandbox = await startSandbox({
      scenario: parseScenario(doc),
      views: { ...defaultViews, effectiveNetworkSecurityGroups: () => body },
    });
    try {
      const reader = createSdkAzureReader(
        createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
      );
      const nicId = (doc.resources as { id: string; type: string }[]).find(
        (r) => r.type === 'Microsoft.Network/networkInterfaces',
      )!.id;

      // Act
      const groups = await reader.getEffectiveNsgs(nicId);

      // Assess
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({
        nsgId:
          '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/test-nsg',
        // The association names subnet and NIC together: the level cannot be told, but it is an NSG.
        level: 'nsg',
      });
      expect(groups[0]!.rules.some((r) => r.isAdminRule)).toBe(false);
      expect(groups[0]!.rules[0]).toEqual({
        name: 'securityRules/rule1',
        priority: 234,
        access: 'Allow',
        direction: 'Inbound',
        protocol: 'Tcp',
        sourceAddressPrefixes: ['0.0.0.0/32'],
        destinationAddressPrefixes: ['0.0.0.0/32'],
        sourcePortRanges: ['456-456'],
        destinationPortRanges: ['6579-6579'],
      });
      expect(groups[0]!.rules[2]).toMatchObject({
        name: 'defaultSecurityRules/AllowInternetOutBound',
        destinationAddressPrefixes: ['Internet'],
        expandedDestinationAddressPrefixes: ['32.0.0.0/3', '4.0.0.0/6', '2.0.0.0/7', '1.0.0.0/8'],
      });
    } finally {
      await sandbox.stop();
    }
  });

  it('classifies by networkSecurityGroup first: an entry without one that names a network manager is admin', () => {
    expect(
      mapEffectiveGroup({ association: { networkManager: { id: '/nm' } }, effectiveSecurityRules: [] }).level,
    ).toBe('admin');
    expect(
      mapEffectiveGroup({
        networkSecurityGroup: { id: '/nsg' },
        association: { networkManager: { id: '/nm' }, subnet: { id: '/s' } },
      }).level,
    ).toBe('subnet');
    expect(
      mapEffectiveGroup({
        networkSecurityGroup: { id: '/nsg' },
        association: { networkInterface: { id: '/n' } },
      }).level,
    ).toBe('nic');
  });

  it("an NSG deny in Microsoft's shape stays an NSG deny in the cross-check, not an admin deny", () => {
    // Prepare: the example's entry with a deny for the probe added in the same shape.
    const group = mapEffectiveGroup({
      networkSecurityGroup: { id: '/nsg/test-nsg' },
      association: { networkManager: { id: '/nm' }, subnet: { id: '/s' }, networkInterface: { id: '/n' } },
      effectiveSecurityRules: [
        {
          name: 'securityRules/DenyLb',
          protocol: 'All',
          sourcePortRange: '0-65535',
          destinationPortRange: '80-80',
          sourceAddressPrefix: 'AzureLoadBalancer',
          expandedSourceAddressPrefix: ['168.63.129.16/32'],
          destinationAddressPrefix: '0.0.0.0/0',
          access: 'Deny',
          priority: 200,
          direction: 'Inbound',
        },
      ],
    });
    const packet: Packet = {
      direction: 'Inbound',
      protocol: 'Tcp',
      sourceIp: '168.63.129.16',
      sourcePort: 49152,
      destinationIp: '10.0.1.4',
      destinationPort: 80,
      sourceAsgIds: [],
      destinationAsgIds: [],
    };

    // Act
    const check = crossCheckEffective({ allowed: false, decisions: [], packet }, [group]);

    // Assess
    expect(check).toMatchObject({ outcome: 'agrees', effectiveAllowed: false });
    expect(check.adminRule).toBeUndefined();
  });
});
