/**
 * Whether any client reaches a backend's port through its NSGs (src/diagnose/nsg/clients.ts): the
 * candidate sources are the edges of every applicable rule's source ranges, tried through the real
 * evaluator; a live source no address stands for makes the answer unknown, never denied. Several
 * cases are a reviewer's repros of false lockdowns (2026-12-01).
 */
import { clientReach } from '../../../src/diagnose/nsg/index';
import type { SecurityRuleInfo, Topology } from '../../../src/model/topology';
import { ids, securityRule, TopologyBuilder } from '../../helpers/topologyBuilder';

const allow = (priority: number, name: string, extra: Partial<SecurityRuleInfo> = {}) =>
  securityRule({ name, priority, access: 'Allow', protocol: 'Tcp', destinationPortRanges: ['80'], ...extra });
const deny = (priority: number, name: string, sources: string[]) =>
  securityRule({ name, priority, access: 'Deny', protocol: '*', sourceAddressPrefixes: sources });
const denyAll = (priority: number, name = 'DenyAllInbound') => deny(priority, name, ['*']);

/** One web VM (10.0.0.4 in vnet-web 10.0.0.0/16) behind a subnet NSG and, optionally, a NIC NSG. */
function topology(subnetRules: SecurityRuleInfo[], nicRules?: SecurityRuleInfo[]): Topology {
  const builder = new TopologyBuilder()
    .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
    .pool('pool-web')
    .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'], backendPort: 80 })
    .nsg('nsg-snet', subnetRules)
    .subnetNsg('snet-web', 'nsg-snet');
  if (nicRules) builder.nsg('nsg-nic', nicRules);
  builder.vm({
    name: 'vm-web-1',
    nics: [{ ip: '10.0.0.4', pools: ['pool-web'], ...(nicRules ? { nsg: 'nsg-nic' } : {}) }],
  });
  return builder.build();
}

const reach = (t: Topology, port = 80) => clientReach(t, t.backends[0]!, port);

describe('clientReach: a lockdown', () => {
  it('is denied when a NIC NSG denies every source the subnet lets in, naming the rule that denied them', () => {
    // Prepare: the subnet admits anyone to 80; the NIC NSG quarantines the VM.
    const t = topology([allow(1000, 'AllowHttp')], [denyAll(200, 'DenyAllInbound-Quarantine')]);

    // Act
    const result = reach(t);

    // Assess: the NIC level admits no client at all; that alone settles it, naming the one rule.
    expect(result).toEqual({
      kind: 'denied',
      port: 80,
      deniedBy: [{ nsgName: 'nsg-nic', ruleName: 'DenyAllInbound-Quarantine', priority: 200 }],
      triedCount: 0,
    });
  });

  it('is denied when every level admits someone but no one gets through both, naming each rule that denied', () => {
    // The subnet admits only 10.20.0.0/16; the NIC admits only 10.30.0.0/16.
    const t = topology(
      [allow(100, 'AllowOrders', { sourceAddressPrefixes: ['10.20.0.0/16'] }), denyAll(200)],
      [allow(100, 'AllowBilling', { sourceAddressPrefixes: ['10.30.0.0/16'] }), denyAll(200)],
    );

    const result = reach(t);

    expect(result.kind).toBe('denied');
    if (result.kind === 'denied') {
      expect(result.triedCount).toBeGreaterThan(0);
      expect(result.deniedBy.map((d) => `${d.nsgName}/${d.ruleName}`).sort()).toEqual([
        'nsg-nic/DenyAllInbound',
        'nsg-snet/DenyAllInbound',
      ]);
    }
  });

  it('is denied at a level that admits nobody even when the other level lets in a service tag or an ASG', () => {
    // A reviewer's repro: Front Door (or an ASG tier) allowed on the subnet, the NIC quarantined.
    for (const open of [
      allow(1000, 'AllowFrontDoor', { sourceAddressPrefixes: ['AzureFrontDoor.Backend'] }),
      allow(1000, 'AllowFromWebTier', {
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroupIds: [ids.asg('asg-web')],
      }),
    ]) {
      const t = topology([open], [denyAll(200, 'DenyAllInbound-Quarantine')]);
      expect(reach(t)).toMatchObject({
        kind: 'denied',
        deniedBy: [{ ruleName: 'DenyAllInbound-Quarantine' }],
      });
    }
  });

  it('does not count the probe as a client: an NSG that admits only AzureLoadBalancer is a lockdown', () => {
    const t = topology([
      allow(100, 'AllowProbe', { sourceAddressPrefixes: ['AzureLoadBalancer'] }),
      denyAll(200),
    ]);

    expect(reach(t)).toMatchObject({ kind: 'denied', deniedBy: [{ ruleName: 'DenyAllInbound' }] });
  });

  it('is denied when the only allows sit below a deny of every source (they can let nobody in)', () => {
    // A service tag and an ASG below the deny-all would otherwise make the answer unknown.
    const t = topology([
      denyAll(200, 'DenyAllInbound-Quarantine'),
      allow(300, 'AllowFrontDoor', { sourceAddressPrefixes: ['AzureFrontDoor.Backend'] }),
      allow(310, 'AllowFromWebTier', {
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroupIds: [ids.asg('asg-clients')],
      }),
    ]);

    expect(reach(t).kind).toBe('denied');
  });
});

describe('clientReach: clients get in', () => {
  it('through an allow above the deny-all for a client range, private ranges included', () => {
    const t = topology([
      allow(1000, 'AllowOrdersApi', { sourceAddressPrefixes: ['10.20.0.0/16'] }),
      denyAll(4000),
    ]);

    expect(reach(t).kind).toBe('reachable');
  });

  it('through the middle of a range whose two ends are denied above it', () => {
    const t = topology([
      deny(100, 'DenyLow', ['10.0.0.0/24']),
      deny(110, 'DenyHigh', ['10.0.255.0/24']),
      allow(200, 'AllowVnet', { sourceAddressPrefixes: ['10.0.0.0/16'] }),
      denyAll(4000),
    ]);

    expect(reach(t)).toMatchObject({ kind: 'reachable', address: '10.0.1.0' });
  });

  it('from the internet past a blocklist that holds the usual sample address', () => {
    const t = topology([
      deny(100, 'DenyBlock1', ['1.0.0.0/8']),
      deny(110, 'DenyRfc1918', ['10.0.0.0/8']),
      allow(200, 'AllowInternet', { sourceAddressPrefixes: ['Internet'] }),
      denyAll(4000),
    ]);

    const result = reach(t);
    expect(result.kind).toBe('reachable');
    // Some public address past the blocklist, not the sample 1.2.3.4 it holds.
    if (result.kind === 'reachable') expect(result.address.startsWith('1.')).toBe(false);
  });

  it.each([
    [
      'an allow limited to source ports below 49152',
      [allow(1000, 'AllowLow', { sourcePortRanges: ['1024-49151'] })],
    ],
    ['an allow limited to 50000-60999', [allow(1000, 'AllowMid', { sourcePortRanges: ['50000-60999'] })]],
    [
      'a deny of every source from 49152 up, above an allow',
      [
        securityRule({
          name: 'DenyHighPorts',
          priority: 100,
          access: 'Deny',
          protocol: '*',
          sourcePortRanges: ['49152-65535'],
        }),
        allow(1000, 'AllowOrders', { sourceAddressPrefixes: ['10.20.0.0/16'] }),
      ],
    ],
  ])('from the source ports %s admits', (_name, rules) => {
    const t = topology([...rules, denyAll(4000)]);

    expect(reach(t).kind).toBe('reachable');
  });

  it('through a range whose both ends are no client address (192.0.0.0/2)', () => {
    const t = topology([allow(1000, 'AllowWide', { sourceAddressPrefixes: ['192.0.0.0/2'] }), denyAll(4000)]);

    expect(reach(t).kind).toBe('reachable');
  });

  it('only on the port asked: clients of 443 do not make 80 reachable', () => {
    const t = topology([allow(1000, 'AllowHttps', { destinationPortRanges: ['443'] }), denyAll(4000)]);

    expect(reach(t, 80).kind).toBe('denied');
    expect(reach(t, 443).kind).toBe('reachable');
  });

  it('when no NSG is on the path', () => {
    const t = new TopologyBuilder()
      .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'] })
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();

    expect(reach(t).kind).toBe('reachable');
  });
});

describe('clientReach: a third review (2026-12-01)', () => {
  it("keeps a deny's CIDR edges when the same rule also names a service tag", () => {
    // 52.10.0.0/16 is let in at the subnet; the NIC denies AzureCloud and both ends of it: 52.10.7.7 gets in.
    const t = topology(
      [
        deny(100, 'DenyLB', ['AzureLoadBalancer']),
        allow(200, 'AllowPartner', { sourceAddressPrefixes: ['52.10.0.0/16'] }),
        denyAll(300),
      ],
      [deny(100, 'DenyBad', ['AzureCloud', '52.10.0.0/24', '52.10.255.0/24']), allow(200, 'AllowWeb')],
    );

    expect(reach(t).kind).toBe('reachable');
  });

  it("tries the edges of VirtualNetwork's prefixes where Internet stops, even when no rule names VirtualNetwork", () => {
    // UDR prefixes make VirtualNetwork (and so not Internet) cover 52.0.0.0/16 and 52.255.0.0/16.
    const t = topology(
      [allow(100, 'AllowInternet', { sourceAddressPrefixes: ['Internet'] }), denyAll(200)],
      [allow(100, 'Allow52', { sourceAddressPrefixes: ['52.0.0.0/8'] }), denyAll(200)],
    );
    const subnet = Object.values(t.subnets)[0]!;
    const tableId = `${subnet.id.split('/virtualNetworks/')[0]}/routeTables/rt-web`;
    t.routeTables[tableId.toLowerCase()] = {
      id: tableId,
      name: 'rt-web',
      routes: ['52.0.0.0/16', '52.255.0.0/16'].map((addressPrefix, i) => ({
        name: `r${i}`,
        addressPrefix,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.0.9.4',
      })),
    };
    subnet.routeTableId = tableId;

    expect(reach(t).kind).toBe('reachable');
  });

  it('reads a source-port range the evaluator calls malformed as matching nothing, as the evaluator does', () => {
    const t = topology([
      deny(100, 'DenyLB', ['AzureLoadBalancer']),
      securityRule({
        name: 'Quarantine',
        priority: 150,
        access: 'Deny',
        protocol: '*',
        sourcePortRanges: ['0-99999'],
      }),
      allow(200, 'AllowWeb'),
    ]);

    expect(reach(t).kind).toBe('reachable');
  });
});

describe('clientReach: no claim', () => {
  it('for a live allow whose source no address stands for: a service tag, an ASG', () => {
    const byTag = topology([
      allow(1000, 'AllowFrontDoor', { sourceAddressPrefixes: ['AzureFrontDoor.Backend'] }),
      denyAll(4000),
    ]);
    const byAsg = topology([
      allow(1000, 'AllowFromWebTier', {
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroupIds: [ids.asg('asg-clients')],
      }),
      denyAll(4000),
    ]);

    expect(reach(byTag)).toEqual({
      kind: 'unknown',
      why: 'rule AllowFrontDoor in nsg-snet lets in a service tag (AzureFrontDoor.Backend)',
    });
    expect(reach(byAsg)).toEqual({
      kind: 'unknown',
      why: "rule AllowFromWebTier in nsg-snet lets in an application security group's members",
    });
  });

  it('for a backend whose address is not known', () => {
    const t = topology([denyAll(4000)]);
    const backend = { ...t.backends[0]! };
    delete backend.ipAddress;

    expect(clientReach(t, backend, 80)).toEqual({
      kind: 'unknown',
      why: "the backend's address is not known",
    });
  });
});
