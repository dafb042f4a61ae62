import { evaluateNsg } from '../../../src/diagnose/nsg/evaluate';
import type { Packet, TagContext } from '../../../src/diagnose/nsg/types';
import { tagContext } from '../../../src/diagnose/nsg/virtualNetworkTag';
import type { SecurityRuleInfo } from '../../../src/model/topology';
import { asgId, nsg, rule } from '../../helpers/nsgBuilder';

/** vnet 10.0.0.0/16 without UDRs: VirtualNetwork also covers the host IPs 168.63.129.16 and 169.254.169.254. */
const tags: TagContext = tagContext(['10.0.0.0/16']);

/** The same VNet with a 0.0.0.0/0 UDR on the subnet: VirtualNetwork covers every address. */
const forcedTunnelTags: TagContext = tagContext(['10.0.0.0/16'], ['0.0.0.0/0']);

/** With the probe inside VirtualNetwork, the default that admits it first is AllowVnetInBound (65000). */
const DEFAULT_ALLOW = 'AllowVnetInBound';

/** The probe as the NSG sees it: 168.63.129.16:49152 -> 10.0.0.4:8080 TCP. */
const probe: Packet = {
  direction: 'Inbound',
  protocol: 'Tcp',
  sourceIp: '168.63.129.16',
  sourcePort: 49152,
  destinationIp: '10.0.0.4',
  destinationPort: 8080,
  sourceAsgIds: [],
  destinationAsgIds: [],
};

const deny = (o: Partial<SecurityRuleInfo>) => rule({ name: 'deny', access: 'Deny', priority: 200, ...o });

describe('evaluateNsg', () => {
  it.each<[string, SecurityRuleInfo[], string, 'Allow' | 'Deny']>([
    [
      'no custom rules: the default AllowVnetInBound (VirtualNetwork holds the host IP)',
      [],
      DEFAULT_ALLOW,
      'Allow',
    ],
    [
      'Deny All at 4096 outranks the default allow at 65001',
      [deny({ name: 'DenyAll', priority: 4096, protocol: '*' })],
      'DenyAll',
      'Deny',
    ],
    [
      'allow at 300 above a deny at 400: lower number wins',
      [deny({ priority: 400 }), rule({ name: 'allow', priority: 300 })],
      'allow',
      'Allow',
    ],
    [
      'deny at 100 above an allow at 200',
      [rule({ name: 'allow', priority: 200 }), deny({ priority: 100 })],
      'deny',
      'Deny',
    ],
    [
      'deny on another port does not match',
      [deny({ destinationPortRanges: ['80'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    ['deny on the probe port', [deny({ destinationPortRanges: ['8080'] })], 'deny', 'Deny'],
    [
      'deny on a range holding the probe port',
      [deny({ destinationPortRanges: ['8000-8100'] })],
      'deny',
      'Deny',
    ],
    [
      'deny on a range ending at the probe port',
      [deny({ destinationPortRanges: ['8000-8080'] })],
      'deny',
      'Deny',
    ],
    [
      'deny on a range just below it',
      [deny({ destinationPortRanges: ['8000-8079'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    [
      'deny on a port list holding it',
      [deny({ destinationPortRanges: ['22', '443', '8080'] })],
      'deny',
      'Deny',
    ],
    [
      'deny limited to source port 80 does not catch the ephemeral source',
      [deny({ sourcePortRanges: ['80'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    ['deny from AzureLoadBalancer', [deny({ sourceAddressPrefixes: ['AzureLoadBalancer'] })], 'deny', 'Deny'],
    [
      'deny from azureloadbalancer (case-insensitive)',
      [deny({ sourceAddressPrefixes: ['azureloadbalancer'] })],
      'deny',
      'Deny',
    ],
    [
      'deny from Internet does not catch 168.63.129.16',
      [deny({ sourceAddressPrefixes: ['Internet'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    [
      'deny from VirtualNetwork catches 168.63.129.16 (the host virtual IP is in the tag)',
      [deny({ sourceAddressPrefixes: ['VirtualNetwork'] })],
      'deny',
      'Deny',
    ],
    [
      'allow from VirtualNetwork above a Deny All lets the probe through',
      [
        rule({ name: 'AllowFromVnet', priority: 1000, sourceAddressPrefixes: ['VirtualNetwork'] }),
        deny({ name: 'DenyAll', priority: 4000, protocol: '*' }),
      ],
      'AllowFromVnet',
      'Allow',
    ],
    [
      'allow from the VNet CIDR above a Deny All does not: the CIDR lacks the host IP',
      [
        rule({ name: 'AllowFromVnetCidr', priority: 1000, sourceAddressPrefixes: ['10.0.0.0/16'] }),
        deny({ name: 'DenyAll', priority: 4000, protocol: '*' }),
      ],
      'DenyAll',
      'Deny',
    ],
    ['deny from Any', [deny({ sourceAddressPrefixes: ['Any'] })], 'deny', 'Deny'],
    ['deny from 168.63.129.16/32', [deny({ sourceAddressPrefixes: ['168.63.129.16/32'] })], 'deny', 'Deny'],
    [
      'deny from the single address 168.63.129.16',
      [deny({ sourceAddressPrefixes: ['168.63.129.16'] })],
      'deny',
      'Deny',
    ],
    ['deny from 168.63.0.0/16', [deny({ sourceAddressPrefixes: ['168.63.0.0/16'] })], 'deny', 'Deny'],
    [
      'deny from a prefix list holding it',
      [deny({ sourceAddressPrefixes: ['10.1.0.0/16', '168.63.129.16/32'] })],
      'deny',
      'Deny',
    ],
    ['deny from 10.0.0.0/8 only', [deny({ sourceAddressPrefixes: ['10.0.0.0/8'] })], DEFAULT_ALLOW, 'Allow'],
    [
      'deny from an IPv6 prefix never catches the IPv4 probe',
      [deny({ sourceAddressPrefixes: ['::/0'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    [
      'deny from Storage.WestUS (a real regional tag) does not catch it',
      [deny({ sourceAddressPrefixes: ['Storage.WestUS'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    [
      'deny from AzureLoadBalancer.WestEurope (not a tag) does not catch it',
      [deny({ sourceAddressPrefixes: ['AzureLoadBalancer.WestEurope'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    ['deny to the backend address', [deny({ destinationAddressPrefixes: ['10.0.0.4'] })], 'deny', 'Deny'],
    [
      'deny to VirtualNetwork (the backend is in it)',
      [deny({ destinationAddressPrefixes: ['VirtualNetwork'] })],
      'deny',
      'Deny',
    ],
    [
      'deny to another subnet',
      [deny({ destinationAddressPrefixes: ['10.0.1.0/24'] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    [
      'deny to the backend ASG',
      [deny({ destinationAddressPrefixes: [], destinationApplicationSecurityGroupIds: [asgId('web')] })],
      'deny',
      'Deny',
    ],
    [
      'deny to another ASG',
      [deny({ destinationAddressPrefixes: [], destinationApplicationSecurityGroupIds: [asgId('db')] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    [
      'deny from an ASG (the probe has none)',
      [deny({ sourceAddressPrefixes: [], sourceApplicationSecurityGroupIds: [asgId('web')] })],
      DEFAULT_ALLOW,
      'Allow',
    ],
    ['deny Udp does not catch TCP', [deny({ protocol: 'Udp' })], DEFAULT_ALLOW, 'Allow'],
    ['deny Icmp does not catch TCP', [deny({ protocol: 'Icmp' })], DEFAULT_ALLOW, 'Allow'],
    ['deny Esp never matches TCP', [deny({ protocol: 'Esp' })], DEFAULT_ALLOW, 'Allow'],
    ['deny Ah never matches TCP', [deny({ protocol: 'Ah' })], DEFAULT_ALLOW, 'Allow'],
    ['deny tcp (case-insensitive)', [deny({ protocol: 'tcp' })], 'deny', 'Deny'],
    ['deny *', [deny({ protocol: '*' })], 'deny', 'Deny'],
    ['an outbound deny does not apply inbound', [deny({ direction: 'Outbound' })], DEFAULT_ALLOW, 'Allow'],
  ])('%s', (_name, rules, ruleName, access) => {
    // Prepare
    const group = nsg('nsg-web', rules);
    // Act
    const decision = evaluateNsg(group, { ...probe, destinationAsgIds: [asgId('web')] }, tags, 'nic');
    // Assess
    expect(decision).toMatchObject({
      nsgId: group.id,
      nsgName: 'nsg-web',
      level: 'nic',
      access,
      rule: { name: ruleName },
    });
  });

  it.each<[string, SecurityRuleInfo[], string]>([
    [
      'a malformed prefix',
      [deny({ sourceAddressPrefixes: ['168.63.129.300/32'] })],
      'rule deny (200) source: malformed address prefix "168.63.129.300/32" never matches',
    ],
    [
      'a prefix length past 32',
      [deny({ sourceAddressPrefixes: ['168.63.129.16/33'] })],
      'rule deny (200) source: malformed address prefix "168.63.129.16/33" never matches',
    ],
    [
      'a malformed port range',
      [deny({ destinationPortRanges: ['90-80'] })],
      'malformed rule deny (200) destination port range "90-80" never matches',
    ],
    [
      'a region on AzureLoadBalancer',
      [deny({ sourceAddressPrefixes: ['AzureLoadBalancer.WestEurope'] })],
      'rule deny (200) source: "AzureLoadBalancer.WestEurope" is not a service tag (AzureLoadBalancer has no regional scope); it never matches',
    ],
    [
      'an Azure service tag',
      [deny({ sourceAddressPrefixes: ['Storage.WestUS'] })],
      'rule deny (200) source: service tag "Storage.WestUS" holds Azure service ranges only; assumed not to contain 168.63.129.16',
    ],
  ])('%s never matches and is reported', (_name, rules, warning) => {
    // Prepare
    const group = nsg('nsg-web', rules);
    // Act
    const decision = evaluateNsg(group, probe, tags, 'subnet');
    // Assess
    expect(decision.rule.name).toBe(DEFAULT_ALLOW);
    expect(decision.warnings).toEqual([warning]);
  });

  it('uses the NSG default rules as ARM returned them', () => {
    // Prepare: an NSG whose (odd) default rules deny before the load balancer allow
    const defaults = [
      rule({ name: 'DenyAllInBound', priority: 65500, access: 'Deny', protocol: '*', isDefault: true }),
    ];
    const group = nsg('nsg-web', [], defaults);
    // Act
    const decision = evaluateNsg(group, probe, tags, 'nic');
    // Assess
    expect(decision).toMatchObject({ access: 'Deny', rule: { name: 'DenyAllInBound', isDefault: true } });
  });

  it.each<[string, Partial<Packet>, string, 'Allow' | 'Deny']>([
    ['VNet to VNet inbound: AllowVnetInBound', { sourceIp: '10.0.1.5' }, 'AllowVnetInBound', 'Allow'],
    ['public source inbound: DenyAllInBound', { sourceIp: '20.1.2.3' }, 'DenyAllInBound', 'Deny'],
    [
      'outbound to the VNet: AllowVnetOutBound',
      { direction: 'Outbound', sourceIp: '10.0.0.5', destinationIp: '10.0.1.4' },
      'AllowVnetOutBound',
      'Allow',
    ],
    [
      'outbound to a public address: AllowInternetOutBound',
      { direction: 'Outbound', sourceIp: '10.0.0.5', destinationIp: '20.1.2.3' },
      'AllowInternetOutBound',
      'Allow',
    ],
    [
      'outbound to a private address outside the VNet: DenyAllOutBound',
      { direction: 'Outbound', sourceIp: '10.0.0.5', destinationIp: '192.168.1.1' },
      'DenyAllOutBound',
      'Deny',
    ],
  ])('synthesized defaults: %s', (_name, overrides, ruleName, access) => {
    // Prepare
    const group = nsg('nsg-empty');
    // Act
    const decision = evaluateNsg(group, { ...probe, ...overrides }, tags, 'subnet');
    // Assess
    expect(decision).toMatchObject({ access, rule: { name: ruleName, isDefault: true } });
  });

  it.each<[string, TagContext, SecurityRuleInfo[], string, 'Allow' | 'Deny']>([
    ['no UDR: an Internet source falls to DenyAllInBound', tags, [], 'DenyAllInBound', 'Deny'],
    [
      'a 0.0.0.0/0 UDR: VirtualNetwork covers the Internet source, AllowVnetInBound admits it',
      forcedTunnelTags,
      [],
      'AllowVnetInBound',
      'Allow',
    ],
    [
      'no UDR: a deny from Internet catches 20.1.2.3',
      tags,
      [deny({ name: 'DenyInternet', sourceAddressPrefixes: ['Internet'] })],
      'DenyInternet',
      'Deny',
    ],
    [
      'a 0.0.0.0/0 UDR: Internet no longer holds 20.1.2.3, a deny from it does not match',
      forcedTunnelTags,
      [deny({ name: 'DenyInternet', sourceAddressPrefixes: ['Internet'] })],
      'AllowVnetInBound',
      'Allow',
    ],
    [
      'a 0.0.0.0/0 UDR: a deny from VirtualNetwork catches 20.1.2.3',
      forcedTunnelTags,
      [deny({ name: 'DenyVnet', sourceAddressPrefixes: ['VirtualNetwork'] })],
      'DenyVnet',
      'Deny',
    ],
  ])('UDR prefixes in VirtualNetwork, TCP from 20.1.2.3: %s', (_name, context, rules, ruleName, access) => {
    // Prepare
    const group = nsg('nsg-web', rules);
    // Act
    const decision = evaluateNsg(group, { ...probe, sourceIp: '20.1.2.3' }, context, 'subnet');
    // Assess
    expect(decision).toMatchObject({ access, rule: { name: ruleName } });
  });

  it('matches a peer by its source ASG', () => {
    // Prepare
    const group = nsg('nsg-web', [
      deny({ sourceAddressPrefixes: [], sourceApplicationSecurityGroupIds: [asgId('peers').toUpperCase()] }),
    ]);
    const packet: Packet = { ...probe, sourceIp: '10.0.0.9', sourceAsgIds: [asgId('peers')] };
    // Act
    const decision = evaluateNsg(group, packet, tags, 'nic');
    // Assess
    expect(decision.rule.name).toBe('deny');
  });
});
