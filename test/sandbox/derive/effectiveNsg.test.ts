import { effectiveNetworkSecurityGroups } from '../../../src/sandbox/derive/effectiveNsg';
import { armIds, securityRule, webState } from '../../helpers/armBuilder';

describe('effectiveNetworkSecurityGroups', () => {
  it('lists the subnet NSG and the NIC NSG with expanded tags', () => {
    // Prepare
    const state = webState({
      nicNsgRules: [
        securityRule('AllowLb', {
          priority: 200,
          sourceAddressPrefix: 'AzureLoadBalancer',
          destinationPortRange: '80',
        }),
      ],
    });
    // Act
    const { value } = effectiveNetworkSecurityGroups(state, armIds.nic('nic1'));
    // Assess
    expect(value.map((v) => [v.networkSecurityGroup, v.association])).toEqual([
      [{ id: armIds.nsg('nsg-subnet') }, { subnet: { id: armIds.subnet() } }],
      [{ id: armIds.nsg('nsg-nic') }, { networkInterface: { id: armIds.nic('nic1') } }],
    ]);
    const rules = value[1]!.effectiveSecurityRules as Record<string, unknown>[];
    expect(rules.map((r) => r.name)).toEqual([
      'securityRules/AllowLb',
      'defaultSecurityRules/AllowVnetInBound',
      'defaultSecurityRules/AllowVnetOutBound',
      'defaultSecurityRules/AllowAzureLoadBalancerInBound',
      'defaultSecurityRules/AllowInternetOutBound',
      'defaultSecurityRules/DenyAllInBound',
      'defaultSecurityRules/DenyAllOutBound',
    ]);
    expect(rules[0]).toMatchObject({
      protocol: 'Tcp',
      sourcePortRange: '0-65535',
      destinationPortRange: '80-80',
      sourceAddressPrefix: 'AzureLoadBalancer',
      expandedSourceAddressPrefix: ['168.63.129.16/32'],
      access: 'Allow',
      priority: 200,
      direction: 'Inbound',
    });
    // VirtualNetwork lists the VNet's space and the host's virtual IPs, as Azure does.
    expect(rules[1]).toMatchObject({
      protocol: 'All',
      expandedSourceAddressPrefix: ['10.0.0.0/16', '168.63.129.16/32', '169.254.169.254/32'],
      expandedDestinationAddressPrefix: ['10.0.0.0/16', '168.63.129.16/32', '169.254.169.254/32'],
    });
  });

  it('expands VirtualNetwork with the address prefixes of the subnet UDRs', () => {
    // Prepare
    const state = webState({
      routes: [
        { name: 'to-onprem', addressPrefix: '192.168.0.0/16', nextHopType: 'VirtualNetworkGateway' },
        {
          name: 'default-via-fw',
          addressPrefix: '0.0.0.0/0',
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.0.100.4',
        },
      ],
    });
    // Act
    const { value } = effectiveNetworkSecurityGroups(state, armIds.nic('nic1'));
    // Assess
    const rules = value[0]!.effectiveSecurityRules as Record<string, unknown>[];
    expect(rules.find((r) => r.name === 'defaultSecurityRules/AllowVnetInBound')).toMatchObject({
      sourceAddressPrefix: 'VirtualNetwork',
      expandedSourceAddressPrefix: [
        '10.0.0.0/16',
        '168.63.129.16/32',
        '169.254.169.254/32',
        '192.168.0.0/16',
        '0.0.0.0/0',
      ],
    });
  });

  it('answers 400 when the VM is not running', () => {
    // Prepare
    const state = webState({ guest1: { powerState: 'deallocated' } });
    // Act / Assess
    expect(() => effectiveNetworkSecurityGroups(state, armIds.nic('nic1'))).toThrow(
      `Network interface '${armIds.nic('nic1')}' is attached to virtual machine '${armIds.vm('vm1')}', which is deallocated; it must be running.`,
    );
  });
});
