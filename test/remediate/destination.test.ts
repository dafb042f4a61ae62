/**
 * The allow rule's destination (src/remediate/destination.ts): what stays true of a scale-set or
 * Kubernetes pool (the scale set's ASG, else its subnet), never wider than the blocking rule, and
 * today's addresses for plain VMs. The planned rule is also proven by the NSG evaluator for every
 * current backend, and for an address the subnet will hand a new instance.
 */
import { diagnoseNsg } from '../../src/diagnose/nsgBlocks';
import type { Diagnosis } from '../../src/model/diagnosis';
import type { BackendInfo, SecurityRuleInfo, Topology } from '../../src/model/topology';
import { parseAllowRuleDetail, proveAllowRule, toSecurityRule } from '../../src/remediate/allowRule';
import { chooseDestination } from '../../src/remediate/destination';
import { planFixes } from '../../src/remediate/plan';
import { ids, securityRule, TopologyBuilder, type ScaleSetSpec } from '../helpers/topologyBuilder';

const deny = (destination: Partial<SecurityRuleInfo> = {}, name = 'DenyAllInbound', priority = 4000) =>
  securityRule({ name, priority, access: 'Deny', protocol: '*', ...destination });

/** Clients of port 80 let in above the deny: what keeps a deny-all from being a lockdown (lockdown.ts). */
const clients = securityRule({
  name: 'AllowWebClients',
  priority: 1000,
  access: 'Allow',
  protocol: 'Tcp',
  // `Internet` holds clients, never the probe's 168.63.129.16 (prefix.ts): the probe stays blocked.
  sourceAddressPrefixes: ['Internet'],
  destinationPortRanges: ['80'],
});

/** A TCP 80 probe on pool-web, subnet snet-web 10.0.0.0/24 behind NSG nsg-web holding `rules`. */
function base(rules: SecurityRuleInfo[]): TopologyBuilder {
  return new TopologyBuilder()
    .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
    .pool('pool-web')
    .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'] })
    .nsg('nsg-web', rules)
    .subnetNsg('snet-web', 'nsg-web');
}

const VMSS: ScaleSetSpec = {
  name: 'vmss-web',
  instances: [
    { id: 0, ip: '10.0.0.4' },
    { id: 1, ip: '10.0.0.5' },
  ],
};

function choose(topology: Topology, blocker: SecurityRuleInfo) {
  return chooseDestination(topology, topology.backends, [blocker]);
}

/** Diagnosis as the engine makes it (every backend down, NSG causes from diagnoseNsg), then the plan. */
function plan(topology: Topology) {
  const diagnosis: Diagnosis = {
    causes: [],
    backends: topology.backends.map((backend) => ({
      key: backend.key,
      probeState: 'down' as const,
      causes: diagnoseNsg({ topology, backend, probe: topology.probes[0]! }).causes,
    })),
  };
  const fixes = planFixes({
    mode: 'fix',
    topology,
    diagnosis,
    policy: { optInFixes: [], approvalRequiredFor: [] },
    runId: 'pd-0123456789abcdef0123456789abcdef',
  });
  expect(fixes).toHaveLength(1);
  return fixes[0]!;
}

/** A backend at `ip` in snet-web, as a scale-out would add it (same NIC shape, no NSG of its own). */
function newInstance(topology: Topology, ip: string, asgIds: string[] = []): BackendInfo {
  return { ...topology.backends[0]!, key: `${topology.backends[0]!.key}-new`, ipAddress: ip, asgIds };
}

describe('chooseDestination', () => {
  it('plain VMs keep their own addresses', () => {
    // Prepare
    const topology = base([deny()])
      .vm({ name: 'vm-1', nics: [{ ip: '10.0.0.5', pools: ['pool-web'] }] })
      .vm({ name: 'vm-2', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();

    // Act
    const choice = choose(topology, deny());

    // Assess
    expect(choice).toEqual({
      prefixes: ['10.0.0.4', '10.0.0.5'],
      asgIds: [],
      basis: 'backend-addresses',
      reason:
        '10.0.0.4, 10.0.0.5 (the backends are VMs a person adds to the pool; a new one needs its own rule)',
    });
  });

  it('scale set with an ASG in its model, blocker on *: the ASG', () => {
    // Prepare
    const topology = base([deny()])
      .vmss({ ...VMSS, asgs: ['asg-web'] })
      .build();

    // Act
    const choice = choose(topology, deny());

    // Assess
    expect(choice).toEqual({
      prefixes: [],
      asgIds: [ids.asg('asg-web')],
      basis: 'scale-set-asg',
      reason:
        "application security group asg-web (scale set vmss-web's instances; the scale set's model gives it to every new instance)",
    });
  });

  it('scale set whose blocker targets its ASG: the same ASG, never another', () => {
    // Prepare
    const blocker = deny({
      destinationAddressPrefixes: [],
      destinationApplicationSecurityGroupIds: [ids.asg('asg-web')],
    });
    const topology = base([blocker])
      .vmss({ ...VMSS, asgs: ['asg-other', 'asg-web'] })
      .build();

    // Act / Assess
    expect(choose(topology, blocker).asgIds).toEqual([ids.asg('asg-web')]);
  });

  it("an ASG today's instances carry but the model no longer gives: the subnet, not the ASG", () => {
    // Prepare
    const topology = base([deny()])
      .vmss({ ...VMSS, asgs: ['asg-web'], modelAsgs: [] })
      .build();

    // Act
    const choice = choose(topology, deny());

    // Assess
    expect(choice.basis).toBe('subnet');
    expect(choice.prefixes).toEqual(['10.0.0.0/24']);
  });

  it.each<[string, string[]]>([
    ['*', ['*']],
    ['VirtualNetwork', ['VirtualNetwork']],
    ['the VNet 10.0.0.0/16', ['10.0.0.0/16']],
    ['the subnet itself', ['10.0.0.0/24']],
  ])('scale set without an ASG, blocker on %s: the subnet prefix', (_case, destination) => {
    // Prepare
    const blocker = deny({ destinationAddressPrefixes: destination });
    const topology = base([blocker]).vmss(VMSS).build();

    // Act
    const choice = choose(topology, blocker);

    // Assess
    expect(choice).toEqual({
      prefixes: ['10.0.0.0/24'],
      asgIds: [],
      basis: 'subnet',
      reason: "subnet snet-web 10.0.0.0/24 (scale set vmss-web's instances; new instances land there)",
    });
  });

  it('a blocker narrower than the subnet: what it denies there, and says why it may not cover new instances', () => {
    // Prepare
    const blocker = deny({ destinationAddressPrefixes: ['10.0.0.0/28', '10.9.0.0/24'] }, 'DenyFirstSixteen');
    const topology = base([blocker]).vmss(VMSS).build();

    // Act
    const choice = choose(topology, blocker);

    // Assess
    expect(choice.prefixes).toEqual(['10.0.0.0/28']);
    expect(choice.basis).toBe('blocking-rule');
    expect(choice.reason).toBe(
      "10.0.0.0/28 of subnet snet-web 10.0.0.0/24 (scale set vmss-web's instances; what the blocking rule denies there, never wider)",
    );
    expect(choice.futureGap).toMatch(
      /^rule DenyFirstSixteen denies only 10\.0\.0\.0\/28 of subnet snet-web \(10\.0\.0\.0\/24\), so the allow covers only that/,
    );
  });

  it('a blocker on single addresses: those addresses, with the gap said', () => {
    // Prepare
    const blocker = deny({ destinationAddressPrefixes: ['10.0.0.4', '10.0.0.5'] }, 'DenyTwo');
    const topology = base([blocker]).vmss(VMSS).build();

    // Act
    const choice = choose(topology, blocker);

    // Assess
    expect(choice.prefixes).toEqual(['10.0.0.4', '10.0.0.5']);
    expect(choice.futureGap).toMatch(/^rule DenyTwo denies only 10\.0\.0\.4, 10\.0\.0\.5 of subnet snet-web/);
  });

  it("a blocker on an ASG the model does not give: today's addresses, with the gap said", () => {
    // Prepare
    const blocker = deny({
      destinationAddressPrefixes: [],
      destinationApplicationSecurityGroupIds: [ids.asg('asg-old')],
    });
    const topology = base([blocker])
      .vmss({ ...VMSS, asgs: ['asg-old'], modelAsgs: ['asg-new'] })
      .build();

    // Act
    const choice = choose(topology, blocker);

    // Assess
    expect(choice.basis).toBe('backend-addresses');
    expect(choice.prefixes).toEqual(['10.0.0.4', '10.0.0.5']);
    expect(choice.futureGap).toMatch(
      /rule DenyAllInbound's destination \(asg-old\) is not a prefix of the instances' subnet/,
    );
  });

  it('a model that puts new instances in another subnet: both subnets', () => {
    // Prepare
    const topology = base([deny()])
      .subnet('snet-new', '10.0.1.0/24', 'nsg-web')
      .vmss({ ...VMSS, modelSubnet: 'snet-new' })
      .build();

    // Act
    const choice = choose(topology, deny());

    // Assess
    expect(choice.prefixes).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
    expect(choice.reason).toBe(
      "subnet snet-new 10.0.1.0/24; subnet snet-web 10.0.0.0/24 (scale set vmss-web's instances; new instances land there)",
    );
  });

  it('the scale set model was not read: no ASG claim, the subnet the instances live in', () => {
    // Prepare
    const topology = base([deny()])
      .vmss({ ...VMSS, asgs: ['asg-web'], modelRead: false })
      .build();

    // Act
    const choice = choose(topology, deny());

    // Assess
    expect(choice.basis).toBe('subnet');
    expect(choice.prefixes).toEqual(['10.0.0.0/24']);
  });

  it('Kubernetes-owned VMs (not a scale set): the subnet, named after the cluster', () => {
    // Prepare
    const builder = base([deny()])
      .vm({ name: 'aks-node-0', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .vm({ name: 'aks-node-1', nics: [{ ip: '10.0.0.5', pools: ['pool-web'] }] });
    for (const vm of ['aks-node-0', 'aks-node-1']) {
      builder.owner(ids.vm(vm), {
        controller: 'aks',
        cluster: 'aks-web',
        evidence: ['tag aks-managed-cluster-name=aks-web'],
      });
    }

    // Act
    const choice = choose(builder.build(), deny());

    // Assess
    expect(choice.basis).toBe('subnet');
    expect(choice.reason).toBe(
      'subnet snet-web 10.0.0.0/24 (nodes of AKS cluster aks-web; new instances land there)',
    );
  });

  it("a pool mixing plain VMs and scale-set instances: today's addresses", () => {
    // Prepare
    const topology = base([deny()])
      .vmss({ ...VMSS, instances: [{ id: 0, ip: '10.0.0.4' }] })
      .vm({ name: 'vm-1', nics: [{ ip: '10.0.0.9', pools: ['pool-web'] }] })
      .build();

    // Act / Assess
    expect(choose(topology, deny()).prefixes).toEqual(['10.0.0.4', '10.0.0.9']);
  });
});

describe('planFixes with a scale-set pool', () => {
  it('plans the subnet, says why in the detail, and the evaluator admits every backend and a new instance', () => {
    // Prepare
    const topology = base([clients, deny()]).vmss(VMSS).build();

    // Act
    const fix = plan(topology);

    // Assess
    expect(fix.status).toBe('planned');
    const detail = parseAllowRuleDetail(fix.detail);
    expect(detail.destinationAddressPrefixes).toEqual(['10.0.0.0/24']);
    expect(detail.destination).toBe(
      "subnet snet-web 10.0.0.0/24 (scale set vmss-web's instances; new instances land there)",
    );
    expect(detail.destinationBasis).toBe('subnet');
    const rule = toSecurityRule(detail);
    const nsgId = ids.nsg('nsg-web');
    expect(proveAllowRule(topology, nsgId, rule, topology.backends, topology.probes[0]!)).toBeUndefined();
    // The address the subnet hands the next instance is admitted too; today's pinned rule would not.
    const next = newInstance(topology, '10.0.0.6');
    expect(proveAllowRule(topology, nsgId, rule, [next], topology.probes[0]!)).toBeUndefined();
    const pinnedRule = { ...rule, destinationAddressPrefixes: ['10.0.0.4', '10.0.0.5'] };
    expect(proveAllowRule(topology, nsgId, pinnedRule, [next], topology.probes[0]!)).toMatch(
      /still denies the probe to 10\.0\.0\.6/,
    );
  });

  it('plans the ASG, and the evaluator admits a new instance that carries it', () => {
    // Prepare
    const topology = base([clients, deny()])
      .vmss({ ...VMSS, asgs: ['asg-web'] })
      .build();

    // Act
    const fix = plan(topology);

    // Assess
    const detail = parseAllowRuleDetail(fix.detail);
    expect(detail.destinationApplicationSecurityGroupIds).toEqual([ids.asg('asg-web')]);
    expect(detail.destinationAddressPrefixes).toEqual([]);
    const next = newInstance(topology, '10.0.0.6', [ids.asg('asg-web')]);
    expect(
      proveAllowRule(
        topology,
        ids.nsg('nsg-web'),
        toSecurityRule(detail),
        [...topology.backends, next],
        topology.probes[0]!,
      ),
    ).toBeUndefined();
  });
});
