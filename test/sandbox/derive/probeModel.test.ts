import { probeStatuses } from '../../../src/sandbox/derive/probeModel';
import { putSecurityRule } from '../../../src/sandbox/securityRules';
import { armIds, lb, nic, nsg, sandboxState, securityRule, vm, vnet } from '../../helpers/armBuilder';

type Raw = Record<string, unknown>;

/** One VM (10.0.0.4, Linux) behind lb1 rule web (frontend 80) with a probe on 8080. */
function world(guest: Raw, o: { probe?: Raw; nicNsgRules?: Raw[]; subnetNsgRules?: Raw[] } = {}) {
  return sandboxState(
    [
      lb({
        probes: [{ name: 'p', port: 8080, protocol: 'Tcp', ...o.probe }],
        rules: [{ name: 'web', probe: 'p', pool: 'pool', frontendPort: 80, backendPort: 8080 }],
        pools: [{ name: 'pool' }],
      }),
      vnet([{ prefix: '10.0.0.0/24', nsg: 'nsg-subnet' }]),
      nsg('nsg-subnet', o.subnetNsgRules),
      nsg('nsg-nic', o.nicNsgRules),
      nic('nic0', { ip: '10.0.0.4', vm: 'vm1', nsg: 'nsg-nic', pools: ['pool'] }),
      nic('nic1', { ip: '10.0.1.4', vm: 'vm1', primary: false }),
      vm('vm1', [armIds.nic('nic0'), armIds.nic('nic1')]),
    ],
    { [armIds.vm('vm1')]: { os: 'linux', listening: [{ address: '0.0.0.0', port: 8080 }], ...guest } },
  );
}

const http = { protocol: 'Http', requestPath: '/health' };
const denyProbe = securityRule('DenyProbe', { access: 'Deny', priority: 4000, destinationPortRange: '8080' });

describe('probeStatuses', () => {
  it.each<
    [
      string,
      Raw,
      Parameters<typeof world>[1],
      { state: string; reason: string; stage?: string; probed?: boolean },
    ]
  >([
    ['healthy TCP', {}, {}, { state: 'Up', reason: 'Up_Probe_Success' }],
    [
      'NIC NSG denies the probe port',
      {},
      { nicNsgRules: [denyProbe] },
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'nsg' },
    ],
    [
      'subnet NSG denies the probe port',
      {},
      { subnetNsgRules: [denyProbe] },
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'nsg' },
    ],
    [
      'an allow from VirtualNetwork above a Deny All lets the probe through (the tag holds 168.63.129.16)',
      {},
      {
        subnetNsgRules: [
          securityRule('AllowFromVnet', { priority: 1000, sourceAddressPrefix: 'VirtualNetwork' }),
          securityRule('DenyAll', { access: 'Deny', priority: 4000 }),
        ],
      },
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'an allow from the VNet CIDR above a Deny All does not',
      {},
      {
        subnetNsgRules: [
          securityRule('AllowFromVnetCidr', { priority: 1000, sourceAddressPrefix: '10.0.0.0/16' }),
          securityRule('DenyAll', { access: 'Deny', priority: 4000 }),
        ],
      },
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'nsg' },
    ],
    [
      'a deny from VirtualNetwork blocks the probe',
      {},
      {
        nicNsgRules: [
          securityRule('DenyVnet', { access: 'Deny', priority: 1000, sourceAddressPrefix: 'VirtualNetwork' }),
        ],
      },
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'nsg' },
    ],
    [
      'an NSG deny on the frontend port 80 does not touch the probe on 8080',
      {},
      {
        nicNsgRules: [
          securityRule('DenyFront', { access: 'Deny', priority: 4000, destinationPortRange: '80' }),
        ],
      },
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'firewall drops 168.63.129.16',
      { firewall: [{ action: 'deny', port: 8080, source: '168.63.129.16/32' }] },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'firewall' },
    ],
    [
      'firewall rejects: a RST still fails a TCP probe',
      { firewall: [{ action: 'reject', port: 8080 }] },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'firewall' },
    ],
    [
      'firewall allow before a deny: first match wins',
      { firewall: [{ action: 'allow', source: '168.63.129.16' }, { action: 'deny' }] },
      {},
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'firewall drops another source only',
      { firewall: [{ action: 'deny', source: '10.0.0.0/8' }] },
      {},
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'listener only on loopback',
      { listening: [{ address: '127.0.0.1', port: 8080 }] },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'listener' },
    ],
    [
      'listener on the NIC address',
      { listening: [{ address: '10.0.0.4', port: 8080 }] },
      {},
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'listener on another address (floating IP on loopback)',
      { listening: [{ address: '20.1.2.3', port: 8080 }] },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'listener' },
    ],
    [
      'listener on ::',
      { listening: [{ address: '::', port: 8080 }] },
      {},
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'listening on the frontend port, not the probe port',
      { listening: [{ address: '0.0.0.0', port: 80 }] },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'listener' },
    ],
    [
      'reply routed out of eth1',
      {
        routes: [
          { destination: '168.63.129.16/32', device: 'eth1' },
          { destination: 'default', device: 'eth0' },
        ],
      },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'route' },
    ],
    [
      'default route via eth0',
      { routes: [{ destination: 'default', device: 'eth0' }] },
      {},
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'VM stopped: not probed',
      { powerState: 'stopped' },
      {},
      { state: 'Down', reason: 'NA', stage: 'vm', probed: false },
    ],
    [
      'VM deallocated: not probed',
      { powerState: 'deallocated' },
      {},
      { state: 'Down', reason: 'NA', stage: 'vm', probed: false },
    ],
    [
      'VM starting',
      { powerState: 'starting' },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'vm' },
    ],
    [
      'hidden failure',
      { hiddenProbeFailure: true },
      {},
      { state: 'Down', reason: 'Down_Probe_TcpProbeTimeout', stage: 'hidden' },
    ],
    [
      'HTTP 200',
      { http: [{ port: 8080, path: '/health', status: 200 }] },
      { probe: http },
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'HTTP 500',
      { http: [{ port: 8080, path: '/health', status: 500 }] },
      { probe: http },
      { state: 'Down', reason: 'Down_Probe_HttpStatusCodeError', stage: 'http' },
    ],
    [
      'HTTP path not served: 404',
      { http: [{ port: 8080, path: '/', status: 200 }] },
      { probe: http },
      { state: 'Down', reason: 'Down_Probe_HttpStatusCodeError', stage: 'http' },
    ],
    [
      'HTTP nothing listening',
      { listening: [] },
      { probe: http },
      { state: 'Down', reason: 'Down_Probe_HttpEndpointUnreachable', stage: 'listener' },
    ],
    [
      'HTTP blocked by the NSG',
      {},
      { probe: http, nicNsgRules: [denyProbe] },
      { state: 'Down', reason: 'Down_Probe_HttpEndpointUnreachable', stage: 'nsg' },
    ],
    [
      'HTTPS 200',
      { http: [{ port: 8080, path: '/health', status: 200 }] },
      { probe: { ...http, protocol: 'Https' } },
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    // What the probe sends (docs/probe-facts.md): the NIC address as Host, no SNI, TLS 1.2, and it holds
    // the chain to SHA256.
    [
      'a site bound to a host name only: the probe (Host 10.0.0.4) gets the default 404',
      {
        http: [
          {
            port: 8080,
            path: '/health',
            status: 404,
            hostBindings: [{ host: 'app.contoso.com', status: 200 }],
          },
        ],
      },
      { probe: http },
      { state: 'Down', reason: 'Down_Probe_HttpStatusCodeError', stage: 'http' },
    ],
    [
      'a host binding for other names does not change what the IP gets (200)',
      {
        http: [
          {
            port: 8080,
            path: '/health',
            status: 200,
            hostBindings: [{ host: 'app.contoso.com', status: 403 }],
          },
        ],
      },
      { probe: http },
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'a 302 is not 200',
      { http: [{ port: 8080, path: '/health', status: 302 }] },
      { probe: http },
      { state: 'Down', reason: 'Down_Probe_HttpStatusCodeError', stage: 'http' },
    ],
    [
      'HTTPS listener offering TLS 1.3 only: the handshake fails',
      { http: [{ port: 8080, path: '/health', status: 200, tls: { versions: ['1.3'] } }] },
      { probe: { ...http, protocol: 'Https' } },
      { state: 'Down', reason: 'Down_Probe_HttpEndpointUnreachable', stage: 'http' },
    ],
    [
      'HTTPS listener offering TLS 1.2 and 1.3: up',
      { http: [{ port: 8080, path: '/health', status: 200, tls: { versions: ['1.2', '1.3'] } }] },
      { probe: { ...http, protocol: 'Https' } },
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'HTTPS listener requiring SNI: the probe sends none',
      {
        http: [
          {
            port: 8080,
            path: '/health',
            status: 200,
            tls: { versions: ['1.2'], requiresSni: true, serverNames: ['app.contoso.com'] },
          },
        ],
      },
      { probe: { ...http, protocol: 'Https' } },
      { state: 'Down', reason: 'Down_Probe_HttpEndpointUnreachable', stage: 'http' },
    ],
    [
      'HTTPS listener requiring a client certificate: no mutual TLS',
      {
        http: [
          {
            port: 8080,
            path: '/health',
            status: 200,
            tls: { versions: ['1.2'], clientCertificate: 'required' },
          },
        ],
      },
      { probe: { ...http, protocol: 'Https' } },
      { state: 'Down', reason: 'Down_Probe_HttpEndpointUnreachable', stage: 'http' },
    ],
    [
      'HTTPS listener asking for an optional client certificate: up',
      {
        http: [
          {
            port: 8080,
            path: '/health',
            status: 200,
            tls: { versions: ['1.2'], clientCertificate: 'optional' },
          },
        ],
      },
      { probe: { ...http, protocol: 'Https' } },
      { state: 'Up', reason: 'Up_Probe_Success' },
    ],
    [
      'HTTPS chain signed with SHA-1: below the SHA256 minimum',
      {
        http: [
          { port: 8080, path: '/health', status: 200, tls: { versions: ['1.2'], signatureHash: 'sha1' } },
        ],
      },
      { probe: { ...http, protocol: 'Https' } },
      { state: 'Down', reason: 'Down_Probe_HttpEndpointUnreachable', stage: 'http' },
    ],
    [
      'an HTTP probe on a port that speaks TLS gets no 200',
      { http: [{ port: 8080, path: '/health', status: 200, tls: { versions: ['1.2'] } }] },
      { probe: http },
      { state: 'Down', reason: 'Down_Probe_HttpStatusCodeError', stage: 'http' },
    ],
  ])('%s', (_name, guest, options, expected) => {
    // Prepare
    const state = world(guest, options);
    // Act
    const [status, ...rest] = probeStatuses(state, armIds.lb());
    // Assess
    expect(rest).toEqual([]);
    expect(status).toMatchObject({
      ruleId: armIds.rule('web'),
      ipConfigurationId: armIds.ipConfig('nic0'),
      ipAddress: '10.0.0.4',
      vmId: armIds.vm('vm1'),
      probed: expected.probed ?? true,
      ...expected,
    });
  });

  it('flips to Up when an allow rule is added to the NSG body', () => {
    // Prepare: a Deny All at 4096 blocks the probe
    const state = world(
      {},
      { nicNsgRules: [securityRule('DenyAll', { access: 'Deny', priority: 4096, protocol: '*' })] },
    );
    expect(probeStatuses(state, armIds.lb())[0]?.state).toBe('Down');
    // Act: a fix's PUT (it changes the NSG body and bumps the state version, as every write does)
    putSecurityRule(state, armIds.nsg('nsg-nic'), 'AllowProbe', {
      properties: {
        protocol: 'Tcp',
        access: 'Allow',
        direction: 'Inbound',
        priority: 3990,
        sourceAddressPrefix: 'AzureLoadBalancer',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '8080',
      },
    });
    // Assess
    expect(probeStatuses(state, armIds.lb())[0]).toMatchObject({ state: 'Up', reason: 'Up_Probe_Success' });
  });

  it('resolves IP-based pool members to the NIC that holds the address', () => {
    // Prepare
    const state = sandboxState(
      [
        lb({
          probes: [{ name: 'p', port: 80 }],
          rules: [{ name: 'web', probe: 'p', pool: 'pool' }],
          pools: [
            {
              name: 'pool',
              addresses: [
                { name: 'a', ipAddress: '10.0.0.4' },
                { name: 'b', ipAddress: '10.0.0.99' },
              ],
            },
          ],
        }),
        vnet([{ prefix: '10.0.0.0/24' }]),
        nic('nic0', { ip: '10.0.0.4', vm: 'vm1' }),
        vm('vm1', [armIds.nic('nic0')]),
      ],
      { [armIds.vm('vm1')]: { os: 'windows', listening: [{ address: '0.0.0.0', port: 80 }] } },
    );
    // Act
    const statuses = probeStatuses(state, armIds.lb());
    // Assess
    expect(statuses.map((s) => [s.ipAddress, s.state, s.stage])).toEqual([
      ['10.0.0.4', 'Up', undefined],
      ['10.0.0.99', 'Down', 'address'],
    ]);
  });

  it('follows scale set VM NICs to their guest', () => {
    // Prepare
    const vmId = armIds.vmssVm('ss1', 0);
    const nicId = armIds.vmssNic('ss1', 0, 'nic');
    const state = sandboxState(
      [
        lb({
          probes: [{ name: 'p', port: 80 }],
          rules: [{ name: 'web', probe: 'p', pool: 'pool' }],
          pools: [{ name: 'pool' }],
        }),
        vnet([{ prefix: '10.0.0.0/24' }]),
        nic('nic', { id: nicId, ip: '10.0.0.5', vmId, pools: ['pool'] }),
        vm('0', [nicId], vmId),
      ],
      {
        [vmId]: {
          os: 'linux',
          listening: [{ address: '*', port: 80 }],
          firewall: [{ action: 'deny', port: 80 }],
        },
      },
    );
    // Act
    const [status] = probeStatuses(state, armIds.lb());
    // Assess
    expect(status).toMatchObject({
      vmId,
      ipConfigurationId: `${nicId}/ipConfigurations/ipconfig1`,
      state: 'Down',
      stage: 'firewall',
    });
  });

  it('answers 404 for a missing load balancer', () => {
    const state = world({});
    expect(() => probeStatuses(state, armIds.lb('nope'))).toThrow(
      `The load balancer '${armIds.lb('nope')}' was not found.`,
    );
  });
});
