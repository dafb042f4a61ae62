import { endpointTags } from '../../../src/sandbox/derive/tags';
import { endpointOf, list, props } from '../../../src/sandbox/derive/arm';
import { findResource } from '../../../src/sandbox/state';
import { armIds, webState } from '../../helpers/armBuilder';

describe('endpointTags', () => {
  it.each<[string, Parameters<typeof webState>[0], string[]]>([
    [
      'no route table: the VNet and the host virtual IPs',
      {},
      ['10.0.0.0/16', '168.63.129.16/32', '169.254.169.254/32'],
    ],
    [
      'UDR prefixes follow; a service-tag prefix is left out',
      {
        routes: [
          {
            name: 'fw',
            addressPrefix: '0.0.0.0/0',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.100.4',
          },
          { name: 'apps', addressPrefix: 'AppService', nextHopType: 'Internet' },
        ],
      },
      ['10.0.0.0/16', '168.63.129.16/32', '169.254.169.254/32', '0.0.0.0/0'],
    ],
  ])('%s', (_name, options, expected) => {
    // Prepare
    const state = webState(options);
    const nic = findResource(state, armIds.nic('nic1'))!;
    const endpoint = endpointOf(state, nic, list(props(nic).ipConfigurations)[0]!);
    // Act
    const tags = endpointTags(state, endpoint);
    // Assess
    expect(tags.virtualNetworkPrefixes).toEqual(expected);
  });
});
