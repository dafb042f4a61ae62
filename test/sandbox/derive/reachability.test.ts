import { tcpReachability } from '../../../src/sandbox/derive/reachability';
import { armIds, securityRule, webState } from '../../helpers/armBuilder';

describe('tcpReachability', () => {
  it.each<[string, Parameters<typeof webState>[0], number, { reachable: boolean; reason: string }]>([
    ['open path', {}, 80, { reachable: true, reason: 'connected to 10.0.0.4:80' }],
    [
      'nothing listens on the port',
      {},
      81,
      { reachable: false, reason: 'refused: nothing listens on tcp/81' },
    ],
    [
      'backend NIC NSG denies the VNet',
      {
        nicNsgRules: [
          securityRule('NoVnet', { access: 'Deny', priority: 100, sourceAddressPrefix: 'VirtualNetwork' }),
        ],
      },
      80,
      { reachable: false, reason: 'nic NSG nsg-nic rule NoVnet (100) denies inbound' },
    ],
    [
      'subnet NSG denies the peer outbound',
      {
        subnetNsgRules: [
          securityRule('NoOut', {
            access: 'Deny',
            priority: 100,
            direction: 'Outbound',
            destinationPortRange: '80',
          }),
        ],
      },
      80,
      { reachable: false, reason: 'subnet NSG nsg-subnet rule NoOut (100) denies outbound' },
    ],
    [
      'guest firewall drops the peer',
      { guest1: { firewall: [{ action: 'deny', port: 80, source: '10.0.0.5' }] } },
      80,
      { reachable: false, reason: 'timed out: guest firewall denys tcp/80 from 10.0.0.5' },
    ],
    [
      'a UDR sends the VNet through an appliance',
      {
        routes: [
          {
            name: 'via-nva',
            addressPrefix: '10.0.0.0/24',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.9.4',
          },
        ],
      },
      80,
      { reachable: false, reason: 'route via-nva sends 10.0.0.4 to virtual appliance 10.0.9.4' },
    ],
    [
      'the backend is stopped',
      { guest1: { powerState: 'stopped' } },
      80,
      { reachable: false, reason: 'timed out: the VM is stopped' },
    ],
  ])('%s', (_name, options, port, expected) => {
    expect(tcpReachability(webState(options), armIds.vm('vm2'), '10.0.0.4', port)).toEqual(expected);
  });
});
