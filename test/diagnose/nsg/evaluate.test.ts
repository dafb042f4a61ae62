import { evaluateNsg } from '../../../src/diagnose/nsg/evaluate';
import type { Packet, TagContext } from '../../../src/diagnose/nsg/types';
import type { SecurityRuleInfo } from '../../../src/model/topology';
import { asgId, nsg, rule } from '../../helpers/nsgBuilder';

const tags: TagContext = { virtualNetworkPrefixes: ['10.0.0.0/16'] };

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
      'no custom rules: the default AllowAzureLoadBalancerInBound',
      [],
      'AllowAzureLoadBalancerInBound',
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
      'AllowAzureLoadBalancerInBound',
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
      'AllowAzureLoadBalancerInBound',
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
      'AllowAzureLoadBalancerInBound',
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
      'AllowAzureLoadBalancerInBound',
      'Allow',
    ],
    [
      'deny from VirtualNetwork does not catch 168.63.129.16',
      [deny({ sourceAddressPrefixes: ['VirtualNetwork'] })],
      'AllowAzureLoadBalancerInBound',
      'Allow',
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
    [
      'deny from 10.0.0.0/8 only',
      [deny({ sourceAddressPrefixes: ['10.0.0.0/8'] })],
      'AllowAzureLoadBalancerInBound',
      'Allow',
    ],
    [
      'deny from an IPv6 prefix never catches the IPv4 probe',
      [deny({ sourceAddressPrefixes: ['::/0'] })],
      'AllowAzureLoadBalancerInBound',
      'Allow',
    ],
    [
      'deny from Storage.WestUS (a real regional tag) does not catch it',
      [deny({ sourceAddressPrefixes: ['Storage.WestUS'] })],
      'AllowAzureLoadBalancerInBound',
      'Allow',
    ],
    [
      'deny from AzureLoadBalancer.WestEurope (not a tag) does not catch it',
      [deny({ sourceAddressPrefixes: ['AzureLoadBalancer.WestEurope'] })],
      'AllowAzureLoadBalancerInBound',
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
      'AllowAzureLoadBalancerInBound',
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
      'AllowAzureLoadBalancerInBound',
      'Allow',
    ],
    [
      'deny from an ASG (the probe has none)',
      [deny({ sourceAddressPrefixes: [], sourceApplicationSecurityGroupIds: [asgId('web')] })],
      'AllowAzureLoadBalancerInBound',
      'Allow',
    ],
    ['deny Udp does not catch TCP', [deny({ protocol: 'Udp' })], 'AllowAzureLoadBalancerInBound', 'Allow'],
    ['deny Icmp does not catch TCP', [deny({ protocol: 'Icmp' })], 'AllowAzureLoadBalancerInBound', 'Allow'],
    ['deny Esp never matches TCP', [deny({ protocol: 'Esp' })], 'AllowAzureLoadBalancerInBound', 'Allow'],
    ['deny Ah never matches TCP', [deny({ protocol: 'Ah' })], 'AllowAzureLoadBalancerInBound', 'Allow'],
    ['deny tcp (case-insensitive)', [deny({ protocol: 'tcp' })], 'deny', 'Deny'],
    ['deny *', [deny({ protocol: '*' })], 'deny', 'Deny'],
    [
      'an outbound deny does not apply inbound',
      [deny({ direction: 'Outbound' })],
      'AllowAzureLoadBalancerInBound',
      'Allow',
    ],
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
    expect(decision.rule.name).toBe('AllowAzureLoadBalancerInBound');
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
