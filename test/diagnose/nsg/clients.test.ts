/**
 * Whether any client reaches a backend's port through its NSGs (src/diagnose/nsg/clients.ts): the
 * sources the path's allow rules name are tried at both ends of their ranges, through the real
 * evaluator; a source no address can stand for makes the answer unknown, never denied.
 */
import { clientReach, INTERNET_CLIENT } from '../../../src/diagnose/nsg/index';
import type { SecurityRuleInfo, Topology } from '../../../src/model/topology';
import { ids, securityRule, TopologyBuilder } from '../../helpers/topologyBuilder';

const allow = (priority: number, name: string, extra: Partial<SecurityRuleInfo> = {}) =>
  securityRule({ name, priority, access: 'Allow', protocol: 'Tcp', destinationPortRanges: ['80'], ...extra });
const denyAll = (priority: number, name = 'DenyAllInbound') =>
  securityRule({ name, priority, access: 'Deny', protocol: '*' });

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

describe('clientReach', () => {
  it('says denied when a NIC NSG denies every source the subnet lets in, naming what it tried and the rule', () => {
    // Prepare: the subnet admits anyone to 80; the NIC NSG quarantines the VM.
    const t = topology([allow(1000, 'AllowHttp')], [denyAll(200, 'DenyAllInbound-Quarantine')]);

    // Act
    const result = reach(t);

    // Assess
    expect(result.kind).toBe('denied');
    if (result.kind !== 'denied') return;
    expect(result.port).toBe(80);
    expect(result.tried.map((c) => c.address)).toContain(INTERNET_CLIENT);
    // The default AllowVnetInBound names VirtualNetwork: its address space's ends are tried.
    expect(result.tried.map((c) => c.source)).toContain('VirtualNetwork');
    for (const tried of result.tried) {
      expect(tried.deniedBy).toEqual({
        nsgName: 'nsg-nic',
        ruleName: 'DenyAllInbound-Quarantine',
        priority: 200,
      });
    }
  });

  it('says reachable when an allow above the deny-all lets a client range in', () => {
    const t = topology([
      allow(1000, 'AllowOrdersApi', { sourceAddressPrefixes: ['10.20.0.0/16'] }),
      denyAll(4000),
    ]);

    expect(reach(t)).toEqual({ kind: 'reachable', source: '10.20.0.0/16', address: '10.20.0.0' });
  });

  it('tries both ends of a range: a deny above that covers only its start does not hide the rest', () => {
    const t = topology([
      securityRule({
        name: 'DenyFirstHost',
        priority: 900,
        access: 'Deny',
        sourceAddressPrefixes: ['10.20.0.0/31'],
      }),
      allow(1000, 'AllowOrdersApi', { sourceAddressPrefixes: ['10.20.0.0/16'] }),
      denyAll(4000),
    ]);

    expect(reach(t)).toEqual({ kind: 'reachable', source: '10.20.0.0/16', address: '10.20.255.255' });
  });

  it('does not count the probe as a client: an NSG that admits only AzureLoadBalancer is a lockdown', () => {
    const t = topology([
      allow(100, 'AllowProbe', { sourceAddressPrefixes: ['AzureLoadBalancer'] }),
      denyAll(200),
    ]);

    const result = reach(t);

    expect(result.kind).toBe('denied');
    if (result.kind === 'denied') {
      expect(result.tried.some((c) => c.source === 'AzureLoadBalancer')).toBe(false);
      expect(result.tried.every((c) => c.deniedBy.ruleName === 'DenyAllInbound')).toBe(true);
    }
  });

  it('says unknown, not denied, for a source no address stands for: a service tag, an ASG', () => {
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
      why: 'rule AllowFrontDoor lets in service tag AzureFrontDoor.Backend',
    });
    expect(reach(byAsg)).toEqual({
      kind: 'unknown',
      why: "rule AllowFromWebTier lets in an application security group's members",
    });
  });

  it('only counts allows for the port asked: clients of 443 do not make 80 reachable', () => {
    const t = topology([allow(1000, 'AllowHttps', { destinationPortRanges: ['443'] }), denyAll(4000)]);

    expect(reach(t, 80).kind).toBe('denied');
    expect(reach(t, 443)).toEqual({ kind: 'reachable', source: '*', address: INTERNET_CLIENT });
  });

  it('says reachable when no NSG is on the path', () => {
    const t = new TopologyBuilder()
      .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'] })
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();

    expect(reach(t).kind).toBe('reachable');
  });
});
