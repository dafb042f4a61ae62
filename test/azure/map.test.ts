import type { VirtualMachine, VirtualMachineScaleSetVM } from '@azure/arm-compute';
import type {
  LoadBalancer,
  NetworkInterface,
  NetworkSecurityGroup,
  SecurityRule,
  Subnet,
} from '@azure/arm-network';
import {
  agentStatusOf,
  mapLoadBalancer,
  mapNic,
  mapNsg,
  mapScaleSetVm,
  mapSecurityRule,
  mapSubnet,
  mapVirtualMachine,
  powerStateOf,
  provisioningStateOf,
} from '../../src/azure/map';

const RG = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg';
const NET = `${RG}/providers/Microsoft.Network`;
const LB = `${NET}/loadBalancers/lb`;
const VMSS = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/ss`;

describe('mapSecurityRule', () => {
  it.each([
    {
      label: 'singular fields',
      rule: {
        sourceAddressPrefix: '*',
        sourcePortRange: '*',
        destinationAddressPrefix: '10.0.0.0/24',
        destinationPortRange: '80',
      },
      expected: {
        sourceAddressPrefixes: ['*'],
        sourcePortRanges: ['*'],
        destinationAddressPrefixes: ['10.0.0.0/24'],
        destinationPortRanges: ['80'],
      },
    },
    {
      label: 'plural fields',
      rule: {
        sourceAddressPrefixes: ['10.1.0.0/16', '10.2.0.0/16'],
        destinationPortRanges: ['80', '443-445'],
      },
      expected: {
        sourceAddressPrefixes: ['10.1.0.0/16', '10.2.0.0/16'],
        sourcePortRanges: [],
        destinationAddressPrefixes: [],
        destinationPortRanges: ['80', '443-445'],
      },
    },
    {
      label: 'both, deduplicated, empty singular ignored',
      rule: {
        sourceAddressPrefix: 'AzureLoadBalancer',
        sourceAddressPrefixes: ['AzureLoadBalancer', '168.63.129.16'],
        destinationPortRange: '',
      },
      expected: {
        sourceAddressPrefixes: ['AzureLoadBalancer', '168.63.129.16'],
        sourcePortRanges: [],
        destinationAddressPrefixes: [],
        destinationPortRanges: [],
      },
    },
  ])('merges $label', ({ rule, expected }) => {
    // Prepare
    const sdkRule: SecurityRule = {
      name: 'r',
      priority: 100,
      access: 'Deny',
      direction: 'Inbound',
      protocol: 'Tcp',
      ...rule,
    };
    // Act
    const mapped = mapSecurityRule(sdkRule);
    // Assess
    expect(mapped).toMatchObject({
      name: 'r',
      priority: 100,
      access: 'Deny',
      direction: 'Inbound',
      protocol: 'Tcp',
      isDefault: false,
      ...expected,
    });
  });

  it('keeps ASG ids, etag and description, and marks default rules', () => {
    // Prepare
    const rule: SecurityRule = {
      id: `${NET}/networkSecurityGroups/nsg/defaultSecurityRules/AllowAzureLoadBalancerInBound`,
      name: 'AllowAzureLoadBalancerInBound',
      etag: 'W/"00000000-0000-0000-0000-000000000000"',
      description: 'Allow inbound traffic from azure load balancer',
      protocol: '*',
      sourceAddressPrefix: 'AzureLoadBalancer',
      destinationApplicationSecurityGroups: [{ id: `${NET}/applicationSecurityGroups/web` }],
      access: 'Allow',
      priority: 65001,
      direction: 'Inbound',
    };
    // Act
    const mapped = mapSecurityRule(rule);
    // Assess
    expect(mapped).toEqual({
      id: rule.id,
      name: 'AllowAzureLoadBalancerInBound',
      priority: 65001,
      direction: 'Inbound',
      access: 'Allow',
      protocol: '*',
      sourceAddressPrefixes: ['AzureLoadBalancer'],
      sourcePortRanges: [],
      destinationAddressPrefixes: [],
      destinationPortRanges: [],
      sourceApplicationSecurityGroupIds: [],
      destinationApplicationSecurityGroupIds: [`${NET}/applicationSecurityGroups/web`],
      description: 'Allow inbound traffic from azure load balancer',
      etag: 'W/"00000000-0000-0000-0000-000000000000"',
      isDefault: true,
    });
  });
});

describe('mapNsg', () => {
  it('maps custom and default rules separately', () => {
    // Prepare
    const nsg: NetworkSecurityGroup = {
      id: `${NET}/networkSecurityGroups/nsg`,
      name: 'nsg',
      etag: 'W/"1"',
      securityRules: [
        { name: 'deny-all', priority: 100, access: 'Deny', direction: 'Inbound', protocol: '*' },
      ],
      defaultSecurityRules: [
        { name: 'DenyAllInBound', priority: 65500, access: 'Deny', direction: 'Inbound', protocol: '*' },
      ],
    };
    // Act
    const mapped = mapNsg(nsg);
    // Assess
    expect(mapped.securityRules.map((r) => [r.name, r.isDefault])).toEqual([['deny-all', false]]);
    expect(mapped.defaultSecurityRules.map((r) => [r.name, r.isDefault])).toEqual([['DenyAllInBound', true]]);
    expect(mapped).toMatchObject({ id: nsg.id, name: 'nsg', etag: 'W/"1"' });
  });
});

describe('instance view statuses', () => {
  it.each([
    {
      codes: ['ProvisioningState/succeeded', 'PowerState/running'],
      power: 'running',
      provisioning: 'succeeded',
    },
    {
      codes: ['ProvisioningState/updating', 'PowerState/starting'],
      power: 'starting',
      provisioning: 'updating',
    },
    {
      codes: ['ProvisioningState/succeeded', 'PowerState/deallocated'],
      power: 'deallocated',
      provisioning: 'succeeded',
    },
    {
      codes: ['ProvisioningState/failed/InternalError', 'PowerState/stopped'],
      power: 'stopped',
      provisioning: 'failed/internalerror',
    },
    { codes: ['PowerState/hibernated'], power: 'unknown', provisioning: undefined },
    { codes: [], power: 'unknown', provisioning: undefined },
  ])('$codes -> $power, $provisioning', ({ codes, power, provisioning }) => {
    // Prepare
    const statuses = codes.map((code) => ({ code }));
    // Act / Assess
    expect(powerStateOf(statuses)).toBe(power);
    expect(provisioningStateOf(statuses)).toBe(provisioning);
  });

  it.each([
    {
      label: 'ready (from VirtualMachines_InstanceView.json)',
      agent: {
        vmAgentVersion: '2.7.41491.949',
        statuses: [
          {
            code: 'ProvisioningState/succeeded',
            level: 'Info' as const,
            displayStatus: 'Ready',
            message: 'GuestAgent is running and accepting new configurations.',
          },
        ],
      },
      expected: {
        agentStatus: 'ready',
        agentMessage: 'GuestAgent is running and accepting new configurations.',
      },
    },
    {
      label: 'not ready',
      agent: {
        statuses: [
          {
            code: 'ProvisioningState/Unavailable',
            level: 'Warning' as const,
            displayStatus: 'Not Ready',
            message: 'VM status blob is found but not yet populated.',
          },
        ],
      },
      expected: { agentStatus: 'not-ready', agentMessage: 'VM status blob is found but not yet populated.' },
    },
    { label: 'absent', agent: undefined, expected: { agentStatus: 'unknown' } },
    { label: 'no statuses', agent: { statuses: [] }, expected: { agentStatus: 'unknown' } },
  ])('agent $label', ({ agent, expected }) => {
    expect(agentStatusOf(agent)).toEqual(expected);
  });
});

describe('mapLoadBalancer', () => {
  const base: LoadBalancer = {
    id: LB,
    name: 'lb',
    location: 'eastus',
    frontendIPConfigurations: [
      {
        id: `${LB}/frontendIPConfigurations/fe`,
        name: 'fe',
        privateIPAddress: '10.0.1.4',
        subnet: { id: `${NET}/virtualNetworks/vnet/subnets/default` },
      },
    ],
    probes: [
      {
        id: `${LB}/probes/http`,
        name: 'http',
        protocol: 'Http',
        port: 80,
        requestPath: 'healthcheck.aspx',
        intervalInSeconds: 15,
        numberOfProbes: 2,
        probeThreshold: 1,
      },
      { id: `${LB}/probes/tcp`, name: 'tcp', protocol: 'Tcp', port: 22 },
    ],
    loadBalancingRules: [
      {
        id: `${LB}/loadBalancingRules/rule1`,
        name: 'rule1',
        protocol: 'Tcp',
        frontendPort: 80,
        backendPort: 8080,
        enableFloatingIP: true,
        frontendIPConfiguration: { id: `${LB}/frontendIPConfigurations/fe` },
        backendAddressPool: { id: `${LB}/backendAddressPools/be` },
        backendAddressPools: [
          { id: `${LB}/backendAddressPools/be` },
          { id: `${LB}/backendAddressPools/be2` },
        ],
        probe: { id: `${LB}/probes/http` },
      },
    ],
    backendAddressPools: [
      {
        id: `${LB}/backendAddressPools/be`,
        name: 'be',
        backendIPConfigurations: [{ id: `${NET}/networkInterfaces/nic1/ipConfigurations/ipconfig1` }],
        loadBalancerBackendAddresses: [
          { name: 'addr1', ipAddress: '10.0.0.5', virtualNetwork: { id: `${NET}/virtualNetworks/vnet` } },
        ],
      },
    ],
  };

  it('maps the load balancer, probes, rules and pool members', () => {
    // Prepare
    const lb: LoadBalancer = { ...base, sku: { name: 'Standard' } };
    // Act
    const mapped = mapLoadBalancer(lb);
    // Assess
    expect(mapped.loadBalancer).toEqual({
      id: LB,
      name: 'lb',
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroup: 'rg',
      location: 'eastus',
      sku: 'Standard',
      kind: 'internal',
      frontendIpConfigurations: [
        {
          id: `${LB}/frontendIPConfigurations/fe`,
          name: 'fe',
          privateIpAddress: '10.0.1.4',
          subnetId: `${NET}/virtualNetworks/vnet/subnets/default`,
        },
      ],
    });
    expect(mapped.probes).toEqual([
      {
        id: `${LB}/probes/http`,
        name: 'http',
        protocol: 'Http',
        port: 80,
        requestPath: 'healthcheck.aspx',
        intervalInSeconds: 15,
        numberOfProbes: 2,
        probeThreshold: 1,
      },
      { id: `${LB}/probes/tcp`, name: 'tcp', protocol: 'Tcp', port: 22, intervalInSeconds: 15 },
    ]);
    expect(mapped.rules).toEqual([
      {
        id: `${LB}/loadBalancingRules/rule1`,
        name: 'rule1',
        protocol: 'Tcp',
        frontendPort: 80,
        backendPort: 8080,
        probeId: `${LB}/probes/http`,
        backendPoolIds: [`${LB}/backendAddressPools/be`, `${LB}/backendAddressPools/be2`],
        enableFloatingIP: true,
        frontendIpConfigurationId: `${LB}/frontendIPConfigurations/fe`,
      },
    ]);
    expect(mapped.pools).toEqual([
      {
        poolId: `${LB}/backendAddressPools/be`,
        name: 'be',
        ipConfigurationIds: [`${NET}/networkInterfaces/nic1/ipConfigurations/ipconfig1`],
        addresses: [
          {
            id: `${LB}/backendAddressPools/be/loadBalancerBackendAddresses/addr1`,
            name: 'addr1',
            ipAddress: '10.0.0.5',
            virtualNetworkId: `${NET}/virtualNetworks/vnet`,
          },
        ],
      },
    ]);
  });

  it.each([
    { sku: undefined, publicIp: false, expected: { sku: 'Basic', kind: 'internal' } },
    { sku: 'Basic' as const, publicIp: true, expected: { sku: 'Basic', kind: 'public' } },
    { sku: 'Standard' as const, publicIp: true, expected: { sku: 'Standard', kind: 'public' } },
    { sku: 'Gateway' as const, publicIp: false, expected: { sku: 'Gateway', kind: 'internal' } },
  ])('sku $sku with public IP $publicIp -> $expected', ({ sku, publicIp, expected }) => {
    // Prepare
    const lb: LoadBalancer = {
      ...base,
      ...(sku ? { sku: { name: sku } } : {}),
      frontendIPConfigurations: [
        {
          id: `${LB}/frontendIPConfigurations/fe`,
          ...(publicIp ? { publicIPAddress: { id: `${NET}/publicIPAddresses/pip` } } : {}),
        },
      ],
    };
    // Act / Assess
    expect(mapLoadBalancer(lb).loadBalancer).toMatchObject(expected);
  });
});

describe('mapNic', () => {
  it('maps a scale set VM NIC, taking the VM from its id when the body lacks it', () => {
    // Prepare
    const nicId = `${VMSS}/virtualMachines/3/networkInterfaces/nic`;
    const nic: NetworkInterface = {
      id: nicId,
      name: 'nic',
      primary: true,
      enableIPForwarding: false,
      networkSecurityGroup: { id: `${NET}/networkSecurityGroups/nic-nsg` },
      ipConfigurations: [
        {
          id: `${nicId}/ipConfigurations/ip`,
          name: 'ip',
          primary: true,
          privateIPAddress: '10.0.0.7',
          subnet: { id: `${NET}/virtualNetworks/vnet/subnets/default` },
          applicationSecurityGroups: [{ id: `${NET}/applicationSecurityGroups/web` }],
        },
      ],
    };
    // Act
    const mapped = mapNic(nic);
    // Assess
    expect(mapped).toEqual({
      id: nicId,
      name: 'nic',
      nsgId: `${NET}/networkSecurityGroups/nic-nsg`,
      vmId: `${VMSS}/virtualMachines/3`,
      primary: true,
      enableIpForwarding: false,
      ipConfigurations: [
        {
          id: `${nicId}/ipConfigurations/ip`,
          name: 'ip',
          privateIpAddress: '10.0.0.7',
          subnetId: `${NET}/virtualNetworks/vnet/subnets/default`,
          primary: true,
          asgIds: [`${NET}/applicationSecurityGroups/web`],
        },
      ],
    });
  });

  it('prefers virtualMachine from the body', () => {
    const vmId = `${RG}/providers/Microsoft.Compute/virtualMachines/vm1`;
    expect(mapNic({ id: `${NET}/networkInterfaces/n`, virtualMachine: { id: vmId } }).vmId).toBe(vmId);
  });
});

describe('mapSubnet', () => {
  it.each([
    { subnet: { addressPrefix: '10.0.0.0/24' }, prefixes: ['10.0.0.0/24'] },
    { subnet: { addressPrefixes: ['10.0.0.0/24', 'fd00::/64'] }, prefixes: ['10.0.0.0/24', 'fd00::/64'] },
  ])('merges the address prefixes $prefixes', ({ subnet, prefixes }) => {
    // Prepare
    const vnetId = `${NET}/virtualNetworks/vnet`;
    const sdk: Subnet = {
      id: `${vnetId}/subnets/s`,
      name: 's',
      ...subnet,
      networkSecurityGroup: { id: `${NET}/networkSecurityGroups/n` },
      routeTable: { id: `${NET}/routeTables/rt` },
    };
    // Act / Assess
    expect(mapSubnet(sdk, vnetId)).toEqual({
      id: `${vnetId}/subnets/s`,
      name: 's',
      virtualNetworkId: vnetId,
      addressPrefixes: prefixes,
      nsgId: `${NET}/networkSecurityGroups/n`,
      routeTableId: `${NET}/routeTables/rt`,
    });
  });
});

describe('VM mapping', () => {
  it('maps a VM read with its instance view', () => {
    // Prepare
    const vmId = `${RG}/providers/Microsoft.Compute/virtualMachines/myVM`;
    const vm = {
      id: vmId,
      name: 'myVM',
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage' } },
      networkProfile: { networkInterfaces: [{ id: `${NET}/networkInterfaces/nic1`, primary: true }] },
      instanceView: {
        statuses: [{ code: 'ProvisioningState/succeeded' }, { code: 'PowerState/deallocated' }],
        vmAgent: { statuses: [{ code: 'ProvisioningState/succeeded', displayStatus: 'Ready' }] },
      },
    } as unknown as VirtualMachine;
    // Act
    const mapped = mapVirtualMachine(vm);
    // Assess
    expect(mapped).toEqual({
      id: vmId,
      name: 'myVM',
      kind: 'vm',
      osType: 'Linux',
      powerState: 'deallocated',
      provisioningState: 'succeeded',
      agentStatus: 'ready',
      nicIds: [`${NET}/networkInterfaces/nic1`],
    });
  });

  it('maps a scale set VM with a separate instance view', () => {
    // Prepare
    const vmId = `${VMSS}/virtualMachines/0`;
    const vm = {
      id: vmId,
      name: 'ss_0',
      instanceId: '0',
      storageProfile: { osDisk: { osType: 'Windows', createOption: 'FromImage' } },
      networkProfile: { networkInterfaces: [{ id: `${vmId}/networkInterfaces/nic` }] },
    } as unknown as VirtualMachineScaleSetVM;
    const view = {
      statuses: [{ code: 'ProvisioningState/succeeded' }, { code: 'PowerState/running' }],
      vmAgent: { statuses: [{ displayStatus: 'Not Ready', message: 'no heartbeat' }] },
    };
    // Act
    const mapped = mapScaleSetVm(vm, view);
    // Assess
    expect(mapped).toEqual({
      id: vmId,
      name: 'ss_0',
      kind: 'vmss-vm',
      scaleSetId: VMSS,
      osType: 'Windows',
      powerState: 'running',
      provisioningState: 'succeeded',
      agentStatus: 'not-ready',
      agentMessage: 'no heartbeat',
      nicIds: [`${vmId}/networkInterfaces/nic`],
    });
  });
});
