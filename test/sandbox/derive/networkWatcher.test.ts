import { connectivityCheck, ipFlowVerify } from '../../../src/sandbox/derive/networkWatcher';
import { armIds, securityRule, webState } from '../../helpers/armBuilder';

const flow = (o: Record<string, unknown> = {}) => ({
  targetResourceId: armIds.vm('vm1'),
  direction: 'Inbound',
  protocol: 'TCP',
  localIPAddress: '10.0.0.4',
  localPort: '80',
  remoteIPAddress: '168.63.129.16',
  remotePort: '49152',
  ...o,
});

describe('ipFlowVerify', () => {
  it.each<
    [string, Parameters<typeof webState>[0], Record<string, unknown>, { access: string; ruleName: string }]
  >([
    [
      'probe allowed by the first default rule: VirtualNetwork holds the host IP 168.63.129.16',
      {},
      {},
      { access: 'Allow', ruleName: 'defaultSecurityRules/AllowVnetInBound' },
    ],
    [
      'public source allowed by AllowVnetInBound when a 0.0.0.0/0 UDR is on the subnet',
      {
        routes: [
          {
            name: 'fw',
            addressPrefix: '0.0.0.0/0',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.100.4',
          },
        ],
      },
      { remoteIPAddress: '20.1.2.3' },
      { access: 'Allow', ruleName: 'defaultSecurityRules/AllowVnetInBound' },
    ],
    [
      'probe denied by a NIC rule',
      { nicNsgRules: [securityRule('DenyAll', { access: 'Deny', priority: 4096 })] },
      {},
      { access: 'Deny', ruleName: 'securityRules/DenyAll' },
    ],
    [
      'public source denied by default',
      {},
      { remoteIPAddress: '20.1.2.3' },
      { access: 'Deny', ruleName: 'defaultSecurityRules/DenyAllInBound' },
    ],
    [
      'outbound to the internet',
      {},
      { direction: 'Outbound', remoteIPAddress: '20.1.2.3', remotePort: '443', localPort: '50000' },
      { access: 'Allow', ruleName: 'defaultSecurityRules/AllowInternetOutBound' },
    ],
  ])('%s', (_name, options, body, expected) => {
    expect(ipFlowVerify(webState(options), flow(body))).toEqual(expected);
  });

  it('refuses a body without a direction', () => {
    expect(() => ipFlowVerify(webState(), flow({ direction: undefined }))).toThrow(
      'targetResourceId, direction (Inbound|Outbound), protocol (TCP|UDP), localIPAddress and remoteIPAddress are required.',
    );
  });
});

describe('connectivityCheck', () => {
  it.each<[string, Parameters<typeof webState>[0], string, number]>([
    ['connected', {}, 'Connected', 0],
    [
      'blocked by the NIC NSG',
      {
        nicNsgRules: [
          securityRule('NoVnet', { access: 'Deny', priority: 100, sourceAddressPrefix: 'VirtualNetwork' }),
        ],
      },
      'Disconnected',
      100,
    ],
  ])('%s', (_name, options, status, failed) => {
    // Act
    const body = connectivityCheck(webState(options), {
      source: { resourceId: armIds.vm('vm2') },
      destination: { address: '10.0.0.4', port: 80 },
    });
    // Assess
    expect(body).toMatchObject({ connectionStatus: status, probesSent: 100, probesFailed: failed });
    expect((body.hops as { address: string }[]).map((h) => h.address)).toEqual(['10.0.0.5', '10.0.0.4']);
  });

  it('names the denying rule on the destination hop', () => {
    const state = webState({
      nicNsgRules: [
        securityRule('NoVnet', { access: 'Deny', priority: 100, sourceAddressPrefix: 'VirtualNetwork' }),
      ],
    });
    const body = connectivityCheck(state, {
      source: { resourceId: armIds.vm('vm2') },
      destination: { resourceId: armIds.vm('vm1'), port: 80 },
    });
    expect((body.hops as { issues: unknown[] }[])[1]!.issues).toEqual([
      {
        origin: 'Inbound',
        severity: 'Error',
        type: 'NetworkSecurityRule',
        context: [{ key: 'RuleName', value: 'NoVnet' }],
      },
    ]);
  });
});
