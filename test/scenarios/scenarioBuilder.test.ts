/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   scenario resources are raw ARM JSON; assertions navigate it directly rather than re-typing ARM. */
/**
 * The scenario builder (test/helpers/scenarioBuilder.ts) and the consistency checks
 * (test/helpers/scenarioChecks.ts) that guard the shipped scenarios: the checks must catch a broken
 * file, and the builder must produce what ARM returns.
 */
import { parseScenario } from '../../src/sandbox/scenario';
import { scenario } from '../helpers/scenarioBuilder';
import { oneWayReferences, resolveReference, unresolvedReferences } from '../helpers/scenarioChecks';

type Json = Record<string, any>;

const RG = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web';
const NET = `${RG}/providers/Microsoft.Network`;

function small() {
  return scenario('small')
    .vnet('vnet-web', ['10.0.0.0/16'])
    .subnet('snet-web', '10.0.1.0/24', { nsg: 'nsg-snet-web' })
    .nsg('nsg-snet-web', [])
    .lb({ probe: { protocol: 'Http', port: 80, path: '/healthz' }, rule: { frontendPort: 80, backendPort: 80 } })
    .vm('web-0')
    .vm('web-1');
}

const find = (doc: { resources: Json[] }, id: string): Json => resolveReference(doc.resources, id)!;

describe('scenario builder', () => {
  // The six defaults as NetworkSecurityGroups_Get returns them (arm-examples, api-version 2025-05-01).
  it.each([
    ['AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork', 'Allow inbound traffic from all VMs in VNET'],
    ['AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*', 'Allow inbound traffic from azure load balancer'],
    ['DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*', 'Deny all inbound traffic'],
    ['AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork', 'Allow outbound traffic from all VMs to all VMs in VNET'],
    ['AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet', 'Allow outbound traffic from all VMs to Internet'],
    ['DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*', 'Deny all outbound traffic'],
  ])('adds the default rule %s as ARM returns it', (name, priority, direction, access, source, destination, description) => {
    // Act
    const doc = small().build();
    const rule = find(doc, `${NET}/networkSecurityGroups/nsg-snet-web/defaultSecurityRules/${name}`);

    // Assess
    expect(rule.type).toBe('Microsoft.Network/networkSecurityGroups/defaultSecurityRules');
    expect(rule.properties).toEqual({
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      sourcePortRanges: [],
      destinationPortRange: '*',
      destinationPortRanges: [],
      sourceAddressPrefix: source,
      sourceAddressPrefixes: [],
      destinationAddressPrefix: destination,
      destinationAddressPrefixes: [],
      access,
      priority,
      direction,
    });
  });

  it('writes a single value as the singular field and a list as the plural one', () => {
    // Act
    const doc = small()
      .nsg('nsg-snet-web', [{ name: 'AllowWeb', priority: 1000, access: 'Allow', protocol: 'Tcp', source: ['10.1.0.0/16', '10.2.0.0/16'], ports: 80 }])
      .build();
    const p = find(doc, `${NET}/networkSecurityGroups/nsg-snet-web/securityRules/AllowWeb`).properties;

    // Assess
    expect(p.sourceAddressPrefixes).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    expect(p).not.toHaveProperty('sourceAddressPrefix');
    expect([p.destinationPortRange, p.destinationPortRanges]).toEqual(['80', []]);
  });

  it('links pool, rule, probe, frontend, NIC, subnet and VM both ways, and the output parses', () => {
    // Act
    const doc = small().build();
    const pool = find(doc, `${NET}/loadBalancers/lb-web/backendAddressPools/pool-web`);
    const ipc = find(doc, `${NET}/networkInterfaces/web-1-nic/ipConfigurations/ipconfig1`);

    // Assess
    expect(pool.properties.backendIPConfigurations).toEqual([
      { id: `${NET}/networkInterfaces/web-0-nic/ipConfigurations/ipconfig1` },
      { id: `${NET}/networkInterfaces/web-1-nic/ipConfigurations/ipconfig1` },
    ]);
    expect(ipc.properties).toMatchObject({
      privateIPAddress: '10.0.1.5',
      loadBalancerBackendAddressPools: [{ id: `${NET}/loadBalancers/lb-web/backendAddressPools/pool-web` }],
    });
    expect(oneWayReferences(doc)).toEqual([]);
    expect(unresolvedReferences(doc)).toEqual([]);
    expect(() => parseScenario(doc)).not.toThrow();
  });

  it('builds the same document every time', () => {
    // Prepare
    const builder = small();

    // Act
    const [a, b] = [builder.build(), builder.build()];

    // Assess
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('puts scale set VMs and their NICs under the scale set, named as ARM names them', () => {
    // Act
    const doc = small().vmss('vmss-web', { instances: [{ id: 0 }, { id: 11 }] }).build();
    const ssVm = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web/virtualMachines/11`;
    const vm = find(doc, ssVm);
    const nic = find(doc, `${ssVm}/networkInterfaces/vmss-web-nic`);

    // Assess
    expect([vm.type, vm.name, vm.instanceId, vm.properties.osProfile.computerName]).toEqual([
      'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
      'vmss-web_11',
      '11',
      'vmss-web00000b',
    ]);
    expect(nic.properties.virtualMachine).toEqual({ id: ssVm });
    expect(find(doc, `${NET}/loadBalancers/lb-web/backendAddressPools/pool-web`).properties.backendIPConfigurations).toContainEqual({
      id: `${ssVm}/networkInterfaces/vmss-web-nic/ipConfigurations/ipconfig1`,
    });
    expect(Object.keys(doc.guests)).toContain(ssVm);
    expect(oneWayReferences(doc)).toEqual([]);
  });

  it('makes IP-based pool members addresses, without NIC back-references', () => {
    // Act
    const doc = scenario('ip')
      .subnet('snet-web', '10.0.1.0/24')
      .lb({ probe: { protocol: 'Tcp', port: 80 }, rule: { frontendPort: 80, backendPort: 80 }, pool: { name: 'pool-ip', membership: 'ip' } })
      .vm('web-0')
      .ipMember('pool-ip', 'appliance', '10.0.1.200')
      .build();
    const pool = find(doc, `${NET}/loadBalancers/lb-web/backendAddressPools/pool-ip`);

    // Assess
    expect(pool.properties.backendIPConfigurations).toBeUndefined();
    expect(pool.properties.loadBalancerBackendAddresses.map((a: Json) => [a.name, a.properties.ipAddress, a.properties.virtualNetwork.id])).toEqual([
      ['web-0-web-0-nic', '10.0.1.4', `${NET}/virtualNetworks/vnet-web`],
      ['appliance', '10.0.1.200', `${NET}/virtualNetworks/vnet-web`],
    ]);
    expect(find(doc, `${NET}/networkInterfaces/web-0-nic/ipConfigurations/ipconfig1`).properties).not.toHaveProperty('loadBalancerBackendAddressPools');
  });

  it('spells back-references with the resource group upper-cased when asked for ARM quirks', () => {
    // Act
    const doc = small().realArmQuirks().build();
    const pool = find(doc, `${NET}/loadBalancers/lb-web/backendAddressPools/pool-web`);

    // Assess
    expect(pool.properties.backendIPConfigurations[0].id).toBe(
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-WEB/providers/Microsoft.Network/networkInterfaces/web-0-nic/ipConfigurations/ipconfig1',
    );
    expect(pool.properties.loadBalancerBackendAddresses[0].name).toBe('rg-web_web-0-nicipconfig1');
    expect(oneWayReferences(doc)).toEqual([]);
  });

  it('links route tables, ASGs and a second NIC', () => {
    // Act
    const doc = scenario('multi')
      .subnet('snet-mgmt', '10.0.0.0/24')
      .subnet('snet-app', '10.0.1.0/24', { routeTable: 'rt-app', nsg: 'nsg-app' })
      .routeTable('rt-app', [{ name: 'default', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.9.4' }])
      .asg('asg-web')
      .nsg('nsg-app', [{ name: 'AllowWeb', priority: 100, access: 'Allow', destinationAsgs: ['asg-web'], ports: '80' }])
      .lb({ probe: { protocol: 'Tcp', port: 80 }, rule: { frontendPort: 80, backendPort: 80 } })
      .vm('web-0', { nics: [{ subnet: 'snet-mgmt' }, { subnet: 'snet-app', pools: ['pool-web'], asgs: ['asg-web'] }] })
      .build();
    const vm = find(doc, `${RG}/providers/Microsoft.Compute/virtualMachines/web-0`);

    // Assess
    expect(vm.properties.networkProfile.networkInterfaces.map((n: Json) => [n.id.split('/').pop(), n.properties.primary])).toEqual([
      ['web-0-nic', true],
      ['web-0-nic2', false],
    ]);
    expect(find(doc, `${NET}/routeTables/rt-app`).properties.subnets).toEqual([{ id: `${NET}/virtualNetworks/vnet-web/subnets/snet-app` }]);
    expect(find(doc, `${NET}/networkSecurityGroups/nsg-app/securityRules/AllowWeb`).properties.destinationApplicationSecurityGroups).toEqual([
      { id: `${NET}/applicationSecurityGroups/asg-web` },
    ]);
    expect(find(doc, `${NET}/networkInterfaces/web-0-nic2/ipConfigurations/ipconfig1`).properties.applicationSecurityGroups).toEqual([
      { id: `${NET}/applicationSecurityGroups/asg-web` },
    ]);
    expect(oneWayReferences(doc)).toEqual([]);
    expect(unresolvedReferences(doc)).toEqual([]);
  });

  it('derives guest facts from the probe: a listener on its port and 200 on its path', () => {
    // Act
    const guest = Object.values(small().build().guests)[0]!;

    // Assess
    expect(guest).toEqual({
      os: 'linux',
      powerState: 'running',
      agentReady: true,
      listening: [
        { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' },
        { protocol: 'tcp', address: '0.0.0.0', port: 80, process: 'nginx' },
      ],
      firewall: [],
      http: [{ port: 80, path: '/healthz', status: 200 }],
    });
  });

  it.each([
    [{ 'web-0': [] }, 'expect: pool member web-1/web-1-nic is not listed'],
    [{ 'web-0': [], 'web-1': [], 'web-9': [] }, 'expect: no VM named web-9'],
  ])('refuses an expectation that does not name exactly the pool members (%o)', (backends, message) => {
    // Prepare
    const builder = small().expect({ verdict: 'escalated', causes: [], backends });

    // Act + Assess
    expect(() => builder.build()).toThrow(message);
  });
});

describe('scenario checks', () => {
  it('report a pool that does not point back at a NIC IP configuration', () => {
    // Prepare
    const doc = small().build();
    const pool = find(doc, `${NET}/loadBalancers/lb-web/backendAddressPools/pool-web`);
    pool.properties.backendIPConfigurations.pop();

    // Act
    const missing = oneWayReferences(doc);

    // Assess
    expect(missing).toEqual([
      `${NET}/loadBalancers/lb-web/backendAddressPools/pool-web -> ${NET}/networkInterfaces/web-1-nic/ipConfigurations/ipconfig1`.toLowerCase(),
    ]);
  });

  it('report a subnet that does not list an IP configuration in it', () => {
    // Prepare
    const doc = small().build();
    find(doc, `${NET}/virtualNetworks/vnet-web/subnets/snet-web`).properties.ipConfigurations.shift();

    // Act
    const missing = oneWayReferences(doc);

    // Assess
    expect(missing).toEqual([
      `${NET}/virtualNetworks/vnet-web/subnets/snet-web -> ${NET}/networkInterfaces/web-0-nic/ipConfigurations/ipconfig1`.toLowerCase(),
    ]);
  });

  it('report a reference to nothing, with its path', () => {
    // Prepare
    const doc = small().build();
    find(doc, `${NET}/loadBalancers/lb-web/loadBalancingRules/rule-tcp-80`).properties.probe = { id: `${NET}/loadBalancers/lb-web/probes/gone` };

    // Act
    const unresolved = unresolvedReferences(doc);

    // Assess
    expect(unresolved).toEqual([{ path: 'lb-web.properties.loadBalancingRules[0].properties.probe', id: `${NET}/loadBalancers/lb-web/probes/gone` }]);
  });

  it('resolve ids case-insensitively, including children nested two levels down', () => {
    // Prepare
    const doc = small().realArmQuirks().build();

    // Act
    const address = resolveReference(
      doc.resources,
      `${NET.toUpperCase()}/LOADBALANCERS/lb-web/backendAddressPools/pool-web/loadBalancerBackendAddresses/rg-web_web-0-nicipconfig1`,
    );

    // Assess
    expect(address?.type).toBe('Microsoft.Network/loadBalancers/backendAddressPools/loadBalancerBackendAddresses');
  });
});
