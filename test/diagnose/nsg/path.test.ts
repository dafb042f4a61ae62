import { evaluateFlow, evaluateProbeInbound, vnetTags } from '../../../src/diagnose/nsg/path';
import { idKey } from '../../../src/model/ids';
import type { Topology } from '../../../src/model/topology';
import { backendOf, ids, securityRule, TopologyBuilder, webTopology } from '../../helpers/topologyBuilder';

const denyProbePort = (port: number) =>
  securityRule({
    name: 'DenyProbe',
    priority: 4000,
    access: 'Deny',
    protocol: 'Tcp',
    destinationPortRanges: [String(port)],
  });

describe('evaluateProbeInbound', () => {
  it('allows the probe through NSGs with only default rules: AllowVnetInBound (65000) covers the host IP', () => {
    // Prepare
    const topology = webTopology().nsg('nsg-subnet').subnetNsg('snet-web', 'nsg-subnet').build();
    const backend = backendOf(topology, 'vm-web-1-nic0');
    // Act
    const verdict = evaluateProbeInbound(topology, backend, topology.probes[0]!);
    // Assess
    expect(verdict.allowed).toBe(true);
    expect(verdict.decisions.map((d) => [d.level, d.rule.name])).toEqual([['subnet', 'AllowVnetInBound']]);
    expect(verdict.packet).toMatchObject({
      sourceIp: '168.63.129.16',
      destinationIp: '10.0.0.4',
      destinationPort: 80,
      protocol: 'Tcp',
    });
  });

  it.each<[string, 'subnet' | 'nic']>([
    ['the subnet NSG', 'subnet'],
    ['the NIC NSG', 'nic'],
  ])('is blocked by a deny in %s', (_name, level) => {
    // Prepare
    const builder = new TopologyBuilder()
      .probe({ name: 'probe-web', port: 8080, protocol: 'Http', requestPath: '/health' })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'], frontendPort: 80, backendPort: 80 })
      .nsg('nsg-deny', [denyProbePort(8080)])
      .nsg('nsg-open');
    builder.subnet('snet-web', '10.0.0.0/24', level === 'subnet' ? 'nsg-deny' : 'nsg-open');
    builder.vm({
      name: 'vm1',
      nics: [{ ip: '10.0.0.4', pools: ['pool-web'], nsg: level === 'nic' ? 'nsg-deny' : 'nsg-open' }],
    });
    const topology = builder.build();
    // Act
    const verdict = evaluateProbeInbound(topology, backendOf(topology, 'vm1-nic0'), topology.probes[0]!);
    // Assess
    expect(verdict.allowed).toBe(false);
    expect(verdict.blockedBy).toMatchObject({
      level,
      nsgId: ids.nsg('nsg-deny'),
      rule: { name: 'DenyProbe', priority: 4000 },
    });
    expect(verdict.decisions.map((d) => d.level)).toEqual(['subnet', 'nic']);
  });

  it.each<[string, number, boolean]>([
    ['a deny on the frontend port 80 does not touch a probe on 8080', 80, true],
    ['a deny on the probe port 8080 blocks it', 8080, false],
  ])('%s', (_name, deniedPort, allowed) => {
    // Prepare
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web', port: 8080 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'], frontendPort: 80, backendPort: 80 })
      .nsg('nsg-nic', [denyProbePort(deniedPort)])
      .vm({ name: 'vm1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'], nsg: 'nsg-nic' }] })
      .build();
    // Act
    const verdict = evaluateProbeInbound(topology, backendOf(topology, 'vm1-nic0'), topology.probes[0]!);
    // Assess
    expect(verdict.allowed).toBe(allowed);
  });

  it('reports an NSG that is referenced but was not read', () => {
    // Prepare
    const topology = webTopology().build();
    const subnet = Object.values(topology.subnets)[0]!;
    subnet.nsgId = ids.nsg('nsg-missing');
    // Act
    const verdict = evaluateProbeInbound(topology, backendOf(topology, 'vm-web-1-nic0'), topology.probes[0]!);
    // Assess
    expect(verdict).toMatchObject({ allowed: true, decisions: [] });
    expect(verdict.warnings).toEqual([
      `subnet ${subnet.id} references NSG ${ids.nsg('nsg-missing')}, which was not read; it is not evaluated`,
    ]);
  });

  it('evaluates an IP-based member through its subnet NSG only', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web', port: 80 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'] })
      .nsg('nsg-subnet', [denyProbePort(80)])
      .subnetNsg('snet-web', 'nsg-subnet')
      .ipMember('pool-web', '10.0.0.10')
      .build();
    const backend = { ...topology.backends[0]!, subnetId: ids.subnet() };
    // Act
    const verdict = evaluateProbeInbound(topology, backend, topology.probes[0]!);
    // Assess
    expect(verdict.blockedBy).toMatchObject({ level: 'subnet', rule: { name: 'DenyProbe' } });
    expect(verdict.packet.destinationIp).toBe('10.0.0.10');
  });
});

describe('evaluateFlow', () => {
  const peerTopology = (
    peerRules: Parameters<typeof securityRule>[0][],
    backendRules: Parameters<typeof securityRule>[0][],
  ) =>
    new TopologyBuilder()
      .probe({ name: 'probe-web', port: 80 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'] })
      .nsg('nsg-peer', peerRules.map(securityRule))
      .nsg('nsg-backend', backendRules.map(securityRule))
      .vm({
        name: 'peer',
        nics: [{ ip: '10.0.0.5', pools: ['pool-web'], nsg: 'nsg-peer', asgIds: [ids.nsg('x')] }],
      })
      .vm({ name: 'vm1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'], nsg: 'nsg-backend' }] })
      .build();

  it.each<
    [
      string,
      Parameters<typeof securityRule>[0][],
      Parameters<typeof securityRule>[0][],
      boolean,
      string | undefined,
    ]
  >([
    ['defaults both ends: VNet to VNet allowed', [], [], true, undefined],
    [
      'the peer NIC denies outbound',
      [
        {
          name: 'NoOut',
          priority: 100,
          direction: 'Outbound',
          access: 'Deny',
          destinationPortRanges: ['80'],
        },
      ],
      [],
      false,
      'NoOut',
    ],
    [
      'the backend NIC denies inbound from the VNet',
      [],
      [{ name: 'NoVnet', priority: 100, access: 'Deny', sourceAddressPrefixes: ['VirtualNetwork'] }],
      false,
      'NoVnet',
    ],
    [
      'the backend denies only the load balancer',
      [],
      [{ name: 'NoLb', priority: 100, access: 'Deny', sourceAddressPrefixes: ['AzureLoadBalancer'] }],
      true,
      undefined,
    ],
  ])('%s', (_name, peerRules, backendRules, allowed, blockedBy) => {
    // Prepare
    const topology = peerTopology(peerRules, backendRules);
    // Act
    const verdict = evaluateFlow(
      topology,
      backendOf(topology, 'peer-nic0'),
      backendOf(topology, 'vm1-nic0'),
      80,
    );
    // Assess
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.blockedBy?.rule.name).toBe(blockedBy);
    expect(verdict.decisions.map((d) => `${d.nsgName}:${d.rule.direction}`)).toEqual([
      'nsg-peer:Outbound',
      'nsg-backend:Inbound',
    ]);
  });

  it('treats a bare IP in the pool as the backend it names', () => {
    // Prepare
    const topology = peerTopology(
      [{ name: 'NoOut', priority: 100, direction: 'Outbound', access: 'Deny' }],
      [],
    );
    // Act
    const verdict = evaluateFlow(topology, '10.0.0.5', backendOf(topology, 'vm1-nic0'), 80);
    // Assess
    expect(verdict.blockedBy).toMatchObject({ nsgName: 'nsg-peer', level: 'nic', rule: { name: 'NoOut' } });
  });
});

/** Associates a route table holding these UDR prefixes with snet-web (the builder has no route tables). */
function withUdrs(topology: Topology, prefixes: string[]): Topology {
  const id = ids.subnet('snet-web').replace(/virtualNetworks\/.*$/, 'routeTables/rt-web');
  topology.routeTables[idKey(id)] = {
    id,
    name: 'rt-web',
    routes: prefixes.map((addressPrefix, i) => ({
      name: `udr-${i}`,
      addressPrefix,
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.0.100.4',
    })),
  };
  topology.subnets[idKey(ids.subnet('snet-web'))]!.routeTableId = id;
  return topology;
}

describe('vnetTags', () => {
  it.each<[string, string[], string[]]>([
    [
      'no route table: the VNet and the host virtual IPs',
      [],
      ['10.0.0.0/16', '168.63.129.16/32', '169.254.169.254/32'],
    ],
    [
      'UDR prefixes follow, a service-tag prefix and a duplicate left out',
      ['0.0.0.0/0', 'AppService', '10.0.0.0/16', '192.168.10.0/24'],
      ['10.0.0.0/16', '168.63.129.16/32', '169.254.169.254/32', '0.0.0.0/0', '192.168.10.0/24'],
    ],
  ])('%s', (_name, udrs, expected) => {
    // Prepare
    const topology = withUdrs(webTopology().build(), udrs);
    // Act
    const tags = vnetTags(topology, backendOf(topology, 'vm-web-1-nic0'));
    // Assess
    expect(tags.virtualNetworkPrefixes).toEqual(expected);
  });

  it.each<[string, string[], boolean, string]>([
    ['Internet from 20.1.2.3 without UDRs: the deny decides', [], false, 'DenyInternet'],
    [
      'a 0.0.0.0/0 UDR: VirtualNetwork covers 20.1.2.3, Internet does not',
      ['0.0.0.0/0'],
      true,
      'AllowVnetInBound',
    ],
  ])('an Internet source with %s', (_name, udrs, allowed, ruleName) => {
    // Prepare: a deny for Internet on 80, then the defaults; the flow comes from a public address.
    const built = webTopology()
      .nsg('nsg-subnet', [
        securityRule({
          name: 'DenyInternet',
          priority: 3000,
          access: 'Deny',
          sourceAddressPrefixes: ['Internet'],
        }),
      ])
      .subnetNsg('snet-web', 'nsg-subnet')
      .build();
    const topology = withUdrs(built, udrs);
    // Act
    const verdict = evaluateFlow(topology, '20.1.2.3', backendOf(topology, 'vm-web-1-nic0'), 80);
    // Assess
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.decisions.map((d) => d.rule.name)).toEqual([ruleName]);
  });

  it('a Deny from VirtualNetwork blocks the probe: the tag covers 168.63.129.16', () => {
    // Prepare
    const topology = webTopology()
      .nsg('nsg-subnet', [
        securityRule({
          name: 'DenyVnetInBound',
          priority: 1000,
          access: 'Deny',
          sourceAddressPrefixes: ['VirtualNetwork'],
        }),
      ])
      .subnetNsg('snet-web', 'nsg-subnet')
      .build();
    // Act
    const verdict = evaluateProbeInbound(topology, backendOf(topology, 'vm-web-1-nic0'), topology.probes[0]!);
    // Assess
    expect(verdict.blockedBy?.rule.name).toBe('DenyVnetInBound');
  });
});
