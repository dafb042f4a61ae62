import { InvalidInputError } from '../../src/errors';
import {
  expectResourceType,
  loadBalancerId,
  nicIdOfIpConfiguration,
  parseLoadBalancerId,
  parseResourceId,
  scaleSetVmOf,
} from '../../src/azure/resourceId';

const RG = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-1';
const LB = `${RG}/providers/Microsoft.Network/loadBalancers/lb-1`;
const VMSS = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/ss`;

describe('parseResourceId', () => {
  it.each([
    {
      label: 'a load balancer',
      id: LB,
      types: ['loadBalancers'],
      names: ['lb-1'],
      fullType: 'Microsoft.Network/loadBalancers',
      parentId: undefined,
    },
    {
      label: 'a probe (child)',
      id: `${LB}/probes/p`,
      types: ['loadBalancers', 'probes'],
      names: ['lb-1', 'p'],
      fullType: 'Microsoft.Network/loadBalancers/probes',
      parentId: LB,
    },
    {
      label: 'a scale set VM',
      id: `${VMSS}/virtualMachines/3`,
      types: ['virtualMachineScaleSets', 'virtualMachines'],
      names: ['ss', '3'],
      fullType: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
      parentId: VMSS,
    },
    {
      label: 'a scale set VM NIC IP configuration',
      id: `${VMSS}/virtualMachines/3/networkInterfaces/nic/ipConfigurations/ip`,
      types: ['virtualMachineScaleSets', 'virtualMachines', 'networkInterfaces', 'ipConfigurations'],
      names: ['ss', '3', 'nic', 'ip'],
      fullType:
        'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/ipConfigurations',
      parentId: `${VMSS}/virtualMachines/3/networkInterfaces/nic`,
    },
  ])('parses $label', ({ id, types, names, fullType, parentId }) => {
    // Prepare: the id as ARM spells it
    // Act
    const parsed = parseResourceId(id);
    // Assess
    expect(parsed).toMatchObject({
      id,
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroup: 'rg-1',
      types,
      names,
      name: names[names.length - 1],
      fullType,
    });
    expect(parsed.parentId).toBe(parentId);
  });

  it('accepts any casing of the fixed segments and drops a trailing slash', () => {
    // Prepare
    const id =
      '/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/Rg/PROVIDERS/microsoft.network/LOADBALANCERS/Lb/';
    // Act
    const parsed = parseResourceId(id);
    // Assess
    expect(parsed).toMatchObject({
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroup: 'Rg',
      name: 'Lb',
      id: id.slice(0, -1),
    });
    expect(parsed.topLevelId).toBe(
      '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/Rg/providers/microsoft.network/LOADBALANCERS/Lb',
    );
  });

  it.each([
    { id: 'x', message: "resource id must start with /subscriptions/: got 'x'" },
    { id: '', message: "resource id must start with /subscriptions/: got ''" },
    {
      id: '/subscriptions//resourceGroups/rg',
      message: "resource id has an empty segment: '/subscriptions//resourceGroups/rg'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555',
      message:
        "resource id must continue with /resourceGroups/{name}: got '/subscriptions/11111111-2222-3333-4444-555555555555'",
    },
    {
      id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb',
      message:
        "resource id has an invalid subscription id 's' (a subscription id is a GUID): '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/.',
      message: "resource id has an invalid loadBalancers name '.'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/..',
      message: "resource id has an invalid loadBalancers name '..'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb?api-version=2024-05-01',
      message: "resource id has an invalid loadBalancers name 'lb?api-version=2024-05-01'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/$(id)',
      message: "resource id has an invalid loadBalancers name '$(id)'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb-',
      message: "resource id has an invalid loadBalancers name 'lb-'",
    },
    {
      id:
        '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/' +
        'a'.repeat(81),
      message: 'resource id has an invalid loadBalancers name',
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg./providers/Microsoft.Network/loadBalancers/lb',
      message: "resource id has an invalid resource group name 'rg.'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/lb',
      message:
        "resource id must continue with /providers/{namespace}: got '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/lb'",
    },
    {
      id: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network',
      message:
        "resource id has no resource type and name after the provider: got '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network'",
    },
    {
      id: `${LB}/probes`,
      message: `resource id has an odd number of type/name segments after the provider (3): got '${LB}/probes'`,
    },
  ])('rejects $id', ({ id, message }) => {
    // Prepare / Act
    const act = () => parseResourceId(id);
    // Assess
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(message);
  });
});

describe('load balancer ids', () => {
  it('builds an id that parses back', () => {
    // Prepare / Act
    const id = loadBalancerId('11111111-2222-3333-4444-555555555555', 'rg-1', 'lb-1');
    // Assess
    expect(id).toBe(LB);
    expect(parseLoadBalancerId(id)).toMatchObject({
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroup: 'rg-1',
      name: 'lb-1',
    });
  });

  it.each([
    {
      id: `${RG}/providers/Microsoft.Network/networkInterfaces/nic`,
      message: `expected a Microsoft.Network/loadBalancers id, got Microsoft.Network/networkInterfaces: '${RG}/providers/Microsoft.Network/networkInterfaces/nic'`,
    },
    {
      id: `${LB}/probes/p`,
      message: `expected a Microsoft.Network/loadBalancers id, got Microsoft.Network/loadBalancers/probes: '${LB}/probes/p'`,
    },
    { id: 'lb-1', message: "resource id must start with /subscriptions/: got 'lb-1'" },
  ])('rejects $id', ({ id, message }) => {
    expect(() => parseLoadBalancerId(id)).toThrow(message);
  });

  it('matches the type case-insensitively', () => {
    expect(expectResourceType(LB, 'microsoft.network/LOADBALANCERS').name).toBe('lb-1');
  });
});

describe('scaleSetVmOf', () => {
  it.each([
    { id: `${VMSS}/virtualMachines/3`, vmId: `${VMSS}/virtualMachines/3`, instanceId: '3' },
    {
      id: `${VMSS}/virtualMachines/7/networkInterfaces/nic/ipConfigurations/ip`,
      vmId: `${VMSS}/virtualMachines/7`,
      instanceId: '7',
    },
  ])('finds the scale set VM of $id', ({ id, vmId, instanceId }) => {
    expect(scaleSetVmOf(parseResourceId(id))).toEqual({
      resourceGroup: 'rg-1',
      scaleSetName: 'ss',
      instanceId,
      scaleSetId: VMSS,
      vmId,
    });
  });

  it.each([
    VMSS,
    `${RG}/providers/Microsoft.Compute/virtualMachines/vm`,
    `${RG}/providers/Microsoft.Network/networkInterfaces/n`,
  ])('returns undefined for %s', (id) => {
    expect(scaleSetVmOf(parseResourceId(id))).toBeUndefined();
  });
});

describe('nicIdOfIpConfiguration', () => {
  it('strips the IP configuration', () => {
    const nic = `${RG}/providers/Microsoft.Network/networkInterfaces/nic`;
    expect(nicIdOfIpConfiguration(`${nic}/ipConfigurations/ipconfig1`)).toBe(nic);
  });

  it('rejects another type', () => {
    expect(() => nicIdOfIpConfiguration(LB)).toThrow(
      `expected a NIC IP configuration id, got Microsoft.Network/loadBalancers: '${LB}'`,
    );
  });
});
