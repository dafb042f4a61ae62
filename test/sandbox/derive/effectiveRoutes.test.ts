import { effectiveRouteTable } from '../../../src/sandbox/derive/effectiveRoutes';
import { armIds, webState } from '../../helpers/armBuilder';

describe('effectiveRouteTable', () => {
  it('adds UDRs and invalidates the system route they replace', () => {
    // Prepare
    const state = webState({
      routes: [
        {
          name: 'to-nva',
          addressPrefix: '0.0.0.0/0',
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.0.9.4',
        },
      ],
    });
    // Act
    const { value } = effectiveRouteTable(state, armIds.nic('nic1'));
    // Assess
    expect(
      value.map((r) => [r.source, r.state, r.addressPrefix[0], r.nextHopType, r.nextHopIpAddress]),
    ).toEqual([
      ['Default', 'Active', '10.0.0.0/16', 'VnetLocal', []],
      ['Default', 'Invalid', '0.0.0.0/0', 'Internet', []],
      ['Default', 'Active', '10.0.0.0/8', 'None', []],
      ['Default', 'Active', '100.64.0.0/10', 'None', []],
      ['Default', 'Active', '172.16.0.0/12', 'None', []],
      ['Default', 'Active', '192.168.0.0/16', 'None', []],
      ['User', 'Active', '0.0.0.0/0', 'VirtualAppliance', ['10.0.9.4']],
    ]);
  });

  it('answers 404 for a missing NIC', () => {
    expect(() => effectiveRouteTable(webState(), armIds.nic('nope'))).toThrow(
      `The network interface '${armIds.nic('nope')}' was not found.`,
    );
  });
});
