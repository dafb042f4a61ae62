/**
 * Fidelity: the `VirtualNetwork` service tag covers peered virtual networks (Microsoft's service tags
 * table, service-tags-overview.md, row VirtualNetwork: "... all connected on-premises address spaces,
 * peered virtual networks, ..."). The reference model (src/sandbox/truth) counted them; the product's
 * evaluator did not, so a flow from a peered VNet allowed by a `VirtualNetwork` rule (or the default
 * AllowVnetInBound) was judged blocked. Here the real SDK reads a VNet with a peering from the sandbox,
 * and the product's verdict on such a flow must equal the reference model's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientFactory } from '../../src/azure/clients';
import { discoverTopology } from '../../src/azure/discovery';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { evaluateFlow } from '../../src/diagnose/nsg/index';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import { prefixCovers } from '../../src/sandbox/truth/serviceTags';

const FILE = join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json');
const HUB = '10.50.0.0/16';

interface Resource {
  id: string;
  type: string;
  properties: Record<string, unknown> & { securityRules?: unknown[] };
}

function scenarioWithPeering() {
  const json = JSON.parse(readFileSync(FILE, 'utf8')) as {
    resources: Resource[];
    expect: { loadBalancerId: string };
  };
  const vnet = json.resources.find((r) => r.type === 'Microsoft.Network/virtualNetworks')!;
  const hubId = vnet.id.replace(/virtualNetworks\/[^/]+$/, 'virtualNetworks/vnet-hub');
  vnet.properties.virtualNetworkPeerings = [
    {
      name: 'to-hub',
      id: `${vnet.id}/virtualNetworkPeerings/to-hub`,
      properties: {
        peeringState: 'Connected',
        remoteVirtualNetwork: { id: hubId },
        remoteAddressSpace: { addressPrefixes: [HUB] },
      },
    },
  ];
  const nsg = json.resources.find((r) => r.id.endsWith('/nsg-snet-app-a'))!;
  nsg.properties.securityRules = [
    ...(nsg.properties.securityRules ?? []),
    {
      name: 'AllowVnet9090',
      id: `${nsg.id}/securityRules/AllowVnet9090`,
      properties: {
        protocol: 'Tcp',
        access: 'Allow',
        direction: 'Inbound',
        priority: 1100,
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '9090',
      },
    },
  ];
  return { json, vnetSpace: (vnet.properties.addressSpace as { addressPrefixes: string[] }).addressPrefixes };
}

describe('VirtualNetwork covers peered VNets (product vs reference model)', () => {
  it.each([
    ['an address in the peered hub VNet', '10.50.0.4'],
    ['an address in no VNet of the scenario', '10.60.0.4'],
  ])('a flow to port 9090 from %s: the product agrees with the reference model', async (_case, source) => {
    // Prepare
    const { json, vnetSpace } = scenarioWithPeering();
    const sandbox = await startSandbox({ scenario: parseScenario(json) });
    try {
      const clientsFor = createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca });
      const topology = await discoverTopology(
        createSdkTopologyReader(clientsFor),
        json.expect.loadBalancerId,
      );
      const backend = topology.backends[0]!;

      // Act
      const product = evaluateFlow(topology, source, backend, 9090).allowed;
      // The reference model's reading of the rule that decides (AllowVnet9090, before the deny-all).
      const reference = prefixCovers('VirtualNetwork', source, {
        vnetAddressSpace: vnetSpace,
        peeredAddressSpace: [HUB],
        udrPrefixes: [],
      });

      // Assess
      expect(product).toBe(reference);
      expect(product).toBe(source.startsWith('10.50.'));
    } finally {
      await sandbox.stop();
    }
  });
});
