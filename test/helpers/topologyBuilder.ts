/**
 * Builds src/model/topology.ts objects for tests: a Standard public load balancer in
 * `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web`, a VNet `vnet-web`
 * (10.0.0.0/16) with subnet `snet-web` (10.0.0.0/24), and whatever probes, rules, pools, VMs, NSGs and
 * IP-based members a test adds. Names are the handles: `rule({ probe: 'probe-http' })` refers to the
 * probe added as `probe({ name: 'probe-http' })`.
 */
import { idKey } from '../../src/model/ids';
import type {
  BackendInfo,
  LoadBalancingRuleInfo,
  NicInfo,
  NsgInfo,
  PowerState,
  ProbeInfo,
  ResourceOwner,
  SecurityRuleInfo,
  Topology,
  VmInfo,
} from '../../src/model/topology';

export const SUB = '00000000-0000-0000-0000-000000000000';
export const RG = `/subscriptions/${SUB}/resourceGroups/rg-web`;
const NET = `${RG}/providers/Microsoft.Network`;

/** Resource ids the builder uses, so tests can name them in assertions. */
export const ids = {
  lb: (lb = 'lb-web') => `${NET}/loadBalancers/${lb}`,
  probe: (name: string, lb = 'lb-web') => `${NET}/loadBalancers/${lb}/probes/${name}`,
  rule: (name: string, lb = 'lb-web') => `${NET}/loadBalancers/${lb}/loadBalancingRules/${name}`,
  pool: (name: string, lb = 'lb-web') => `${NET}/loadBalancers/${lb}/backendAddressPools/${name}`,
  poolAddress: (pool: string, address: string, lb = 'lb-web') =>
    `${NET}/loadBalancers/${lb}/backendAddressPools/${pool}/loadBalancerBackendAddresses/${address}`,
  frontend: (name = 'fe-web', lb = 'lb-web') => `${NET}/loadBalancers/${lb}/frontendIPConfigurations/${name}`,
  vnet: (name = 'vnet-web') => `${NET}/virtualNetworks/${name}`,
  subnet: (name = 'snet-web', vnet = 'vnet-web') => `${NET}/virtualNetworks/${vnet}/subnets/${name}`,
  nic: (name: string) => `${NET}/networkInterfaces/${name}`,
  ipConfig: (nic: string, name = 'ipconfig1') => `${NET}/networkInterfaces/${nic}/ipConfigurations/${name}`,
  nsg: (name: string) => `${NET}/networkSecurityGroups/${name}`,
  vm: (name: string) => `${RG}/providers/Microsoft.Compute/virtualMachines/${name}`,
  asg: (name: string) => `${NET}/applicationSecurityGroups/${name}`,
  scaleSet: (name: string) => `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`,
  scaleSetVm: (name: string, instance: number) =>
    `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}/virtualMachines/${instance}`,
  scaleSetIpConfig: (name: string, instance: number) =>
    `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}/virtualMachines/${instance}/networkInterfaces/${name}-nic/ipConfigurations/ipconfig1`,
};

/** A Uniform scale set: its instances (each one NIC in `pools`) and its model. */
export interface ScaleSetSpec {
  name: string;
  instances: { id: number; ip: string }[];
  /** Pools the model's IP configuration joins (and so every instance); default pool-web. */
  pools?: string[];
  /** Subnet name in vnet-web of every instance; default snet-web. */
  subnet?: string;
  /** Subnet the model puts new instances in, when it differs (a model changed after they were made). */
  modelSubnet?: string;
  /** ASG names every instance carries (the model's). */
  asgs?: string[];
  /** ASG names the model gives new instances, when they differ from today's instances'. */
  modelAsgs?: string[];
  /** False: the scale set's model was not read (a reader without it, or a 403). */
  modelRead?: boolean;
}

/** An NSG rule with ARM's defaults filled in; override what the case is about. */
export function securityRule(
  rule: Partial<SecurityRuleInfo> & Pick<SecurityRuleInfo, 'name' | 'priority'>,
): SecurityRuleInfo {
  return {
    direction: 'Inbound',
    access: 'Allow',
    protocol: '*',
    sourceAddressPrefixes: ['*'],
    sourcePortRanges: ['*'],
    destinationAddressPrefixes: ['*'],
    destinationPortRanges: ['*'],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    isDefault: false,
    ...rule,
  };
}

/** The six default rules every NSG has, as ARM returns them. */
export function defaultSecurityRules(nsgId: string): SecurityRuleInfo[] {
  const rule = (
    name: string,
    priority: number,
    direction: 'Inbound' | 'Outbound',
    access: 'Allow' | 'Deny',
    src: string,
    dst: string,
  ) =>
    securityRule({
      id: `${nsgId}/defaultSecurityRules/${name}`,
      name,
      priority,
      direction,
      access,
      sourceAddressPrefixes: [src],
      destinationAddressPrefixes: [dst],
      isDefault: true,
    });
  return [
    rule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    rule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
    rule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
    rule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    rule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
    rule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
  ];
}

export interface ProbeSpec extends Partial<Omit<ProbeInfo, 'id'>> {
  name: string;
}

export interface RuleSpec {
  name: string;
  /** Probe name; omitted: the rule has no probe. */
  probe?: string;
  pools?: string[];
  protocol?: LoadBalancingRuleInfo['protocol'];
  frontendPort?: number;
  backendPort?: number;
  enableFloatingIP?: boolean;
}

export interface NicSpec {
  name?: string;
  ip: string;
  /** Pools this NIC's IP configuration is a member of. */
  pools?: string[];
  /** Subnet name in vnet-web; default snet-web. */
  subnet?: string;
  /** Name of an NSG (added with `nsg`) on the NIC. */
  nsg?: string;
  asgIds?: string[];
}

export interface VmSpec {
  name: string;
  /** The first NIC is the primary one, as in `networkProfile`. */
  nics: NicSpec[];
  powerState?: PowerState;
  provisioningState?: string;
  agentStatus?: VmInfo['agentStatus'];
  osType?: VmInfo['osType'];
}

/** Fluent builder of a {@link Topology}; `build()` returns a fresh object each time. */
export class TopologyBuilder {
  private readonly topology: Topology;

  constructor(options: { sku?: Topology['loadBalancer']['sku']; kind?: 'public' | 'internal' } = {}) {
    const vnetId = ids.vnet();
    this.topology = {
      loadBalancer: {
        id: ids.lb(),
        name: 'lb-web',
        subscriptionId: SUB,
        resourceGroup: 'rg-web',
        location: 'westeurope',
        sku: options.sku ?? 'Standard',
        kind: options.kind ?? 'public',
        frontendIpConfigurations: [{ id: ids.frontend(), name: 'fe-web' }],
      },
      probes: [],
      rules: [],
      pools: [],
      backends: [],
      nics: {},
      subnets: {},
      virtualNetworks: {
        [idKey(vnetId)]: { id: vnetId, name: 'vnet-web', addressPrefixes: ['10.0.0.0/16'] },
      },
      nsgs: {},
      routeTables: {},
      vms: {},
      asgs: {},
      problems: [],
    };
    this.subnet('snet-web', '10.0.0.0/24');
  }

  /** Adds (or replaces) a subnet of vnet-web, optionally with an NSG added by `nsg`. */
  subnet(name: string, prefix: string, nsg?: string): this {
    const id = ids.subnet(name);
    this.topology.subnets[idKey(id)] = {
      id,
      name,
      virtualNetworkId: ids.vnet(),
      addressPrefixes: [prefix],
      ...(nsg ? { nsgId: ids.nsg(nsg) } : {}),
    };
    return this;
  }

  /** Adds an NSG with these custom rules (and the six defaults). */
  nsg(name: string, rules: SecurityRuleInfo[] = []): this {
    const id = ids.nsg(name);
    const nsg: NsgInfo = {
      id,
      name,
      securityRules: rules.map((rule) => ({ id: `${id}/securityRules/${rule.name}`, ...rule })),
      defaultSecurityRules: defaultSecurityRules(id),
    };
    this.topology.nsgs[idKey(id)] = nsg;
    return this;
  }

  /** Associates an NSG (added with `nsg`) with a subnet. */
  subnetNsg(subnet: string, nsg: string): this {
    const found = this.topology.subnets[idKey(ids.subnet(subnet))];
    if (!found) throw new Error(`builder: no subnet ${subnet}`);
    found.nsgId = ids.nsg(nsg);
    return this;
  }

  probe(spec: ProbeSpec): this {
    this.topology.probes.push({
      protocol: 'Tcp',
      port: 80,
      intervalInSeconds: 5,
      numberOfProbes: 1,
      probeThreshold: 1,
      ...spec,
      id: ids.probe(spec.name),
    });
    return this;
  }

  pool(name: string): this {
    this.topology.pools.push({ id: ids.pool(name), name, backendKeys: [] });
    return this;
  }

  rule(spec: RuleSpec): this {
    this.topology.rules.push({
      id: ids.rule(spec.name),
      name: spec.name,
      protocol: spec.protocol ?? 'Tcp',
      frontendPort: spec.frontendPort ?? 80,
      backendPort: spec.backendPort ?? 80,
      ...(spec.probe ? { probeId: ids.probe(spec.probe) } : {}),
      backendPoolIds: (spec.pools ?? []).map((pool) => ids.pool(pool)),
      enableFloatingIP: spec.enableFloatingIP ?? false,
      frontendIpConfigurationId: ids.frontend(),
    });
    return this;
  }

  /** Adds a VM with its NICs; each NIC's ipconfig1 joins the pools named in its spec. */
  vm(spec: VmSpec): this {
    const vmId = ids.vm(spec.name);
    const nicIds: string[] = [];
    spec.nics.forEach((nicSpec, index) => {
      const nicName = nicSpec.name ?? `${spec.name}-nic${index}`;
      const nicId = ids.nic(nicName);
      const ipConfigId = ids.ipConfig(nicName);
      const subnetId = ids.subnet(nicSpec.subnet ?? 'snet-web');
      const primary = index === 0;
      const nic: NicInfo = {
        id: nicId,
        name: nicName,
        vmId,
        primary,
        ipConfigurations: [
          {
            id: ipConfigId,
            name: 'ipconfig1',
            privateIpAddress: nicSpec.ip,
            subnetId,
            primary: true,
            asgIds: nicSpec.asgIds ?? [],
          },
        ],
        ...(nicSpec.nsg ? { nsgId: ids.nsg(nicSpec.nsg) } : {}),
      };
      this.topology.nics[idKey(nicId)] = nic;
      nicIds.push(nicId);
      const pools = nicSpec.pools ?? [];
      if (pools.length > 0) {
        this.addBackend(pools, {
          key: ipConfigId,
          membership: 'nic',
          ipAddress: nicSpec.ip,
          ipConfigurationId: ipConfigId,
          nicId,
          primaryNic: primary,
          vmId,
          subnetId,
          virtualNetworkId: ids.vnet(),
          asgIds: nicSpec.asgIds ?? [],
        });
      }
    });
    this.topology.vms[idKey(vmId)] = {
      id: vmId,
      name: spec.name,
      kind: 'vm',
      osType: spec.osType ?? 'Linux',
      powerState: spec.powerState ?? 'running',
      provisioningState: spec.provisioningState ?? 'succeeded',
      agentStatus: spec.agentStatus ?? 'ready',
      nicIds,
    };
    return this;
  }

  /** Adds a Uniform scale set, its instances as backends (NICs under the instance) and its model. */
  vmss(spec: ScaleSetSpec): this {
    const scaleSetId = ids.scaleSet(spec.name);
    const subnetId = ids.subnet(spec.subnet ?? 'snet-web');
    const pools = spec.pools ?? ['pool-web'];
    const asgIds = (spec.asgs ?? []).map((a) => ids.asg(a));
    for (const a of [...(spec.asgs ?? []), ...(spec.modelAsgs ?? [])]) {
      this.topology.asgs[idKey(ids.asg(a))] = { id: ids.asg(a), name: a };
    }
    for (const instance of spec.instances) {
      const vmId = ids.scaleSetVm(spec.name, instance.id);
      const ipConfigId = ids.scaleSetIpConfig(spec.name, instance.id);
      const nicId = ipConfigId.replace(/\/ipConfigurations\/[^/]+$/, '');
      this.topology.nics[idKey(nicId)] = {
        id: nicId,
        name: `${spec.name}-nic`,
        vmId,
        primary: true,
        ipConfigurations: [
          {
            id: ipConfigId,
            name: 'ipconfig1',
            privateIpAddress: instance.ip,
            subnetId,
            primary: true,
            asgIds,
          },
        ],
      };
      this.addBackend(pools, {
        key: ipConfigId,
        membership: 'nic',
        ipAddress: instance.ip,
        ipConfigurationId: ipConfigId,
        nicId,
        primaryNic: true,
        vmId,
        subnetId,
        virtualNetworkId: ids.vnet(),
        asgIds,
      });
      this.topology.vms[idKey(vmId)] = {
        id: vmId,
        name: `${spec.name}_${instance.id}`,
        kind: 'vmss-vm',
        scaleSetId,
        osType: 'Linux',
        powerState: 'running',
        provisioningState: 'succeeded',
        agentStatus: 'ready',
        nicIds: [nicId],
      };
    }
    if (spec.modelRead !== false) {
      this.topology.scaleSets ??= {};
      this.topology.scaleSets[idKey(scaleSetId)] = {
        id: scaleSetId,
        name: spec.name,
        orchestrationMode: 'Uniform',
        capacity: spec.instances.length,
        ipConfigurations: [
          {
            nicConfigurationName: `${spec.name}-nic`,
            name: 'ipconfig1',
            subnetId: ids.subnet(spec.modelSubnet ?? spec.subnet ?? 'snet-web'),
            asgIds: (spec.modelAsgs ?? spec.asgs ?? []).map((a) => ids.asg(a)),
            poolIds: pools.map((p) => ids.pool(p)),
          },
        ],
      };
    }
    return this;
  }

  /** Marks a resource as owned by a controller (what discovery's ownership detection would find). */
  owner(resourceId: string, owner: ResourceOwner): this {
    this.topology.owners ??= {};
    this.topology.owners[idKey(resourceId)] = owner;
    return this;
  }

  /** Adds an IP-based pool member (no NIC known to the load balancer). */
  ipMember(pool: string, address: string, name = `addr-${address.replace(/\./g, '-')}`): this {
    this.addBackend([pool], {
      key: ids.poolAddress(pool, name),
      membership: 'ip',
      ipAddress: address,
      virtualNetworkId: ids.vnet(),
      asgIds: [],
    });
    return this;
  }

  build(): Topology {
    return structuredClone(this.topology);
  }

  private addBackend(poolNames: string[], backend: Omit<BackendInfo, 'poolIds'>): void {
    const poolIds = poolNames.map((pool) => ids.pool(pool));
    this.topology.backends.push({ ...backend, poolIds });
    for (const poolId of poolIds) {
      const pool = this.topology.pools.find((candidate) => candidate.id === poolId);
      if (!pool) throw new Error(`builder: add pool ${nameOf(poolId)} before its members`);
      pool.backendKeys.push(backend.key);
    }
  }
}

function nameOf(id: string): string {
  return id.split('/').pop() ?? id;
}

/** The backend the builder made for a NIC (`<vm>-nic<index>` unless named), for assertions. */
export function backendOf(topology: Topology, nicName: string): BackendInfo {
  const backend = topology.backends.find((candidate) => candidate.nicId === ids.nic(nicName));
  if (!backend) throw new Error(`builder: no backend for NIC ${nicName}`);
  return backend;
}

/**
 * The usual shape: one HTTP-or-TCP probe on `port`, rule `rule-web` 80 -> port on pool `pool-web`,
 * and `vmCount` VMs vm-web-1.. at 10.0.0.4.. with one NIC each in the pool.
 */
export function webTopology(
  options: { probe?: Partial<ProbeSpec>; vmCount?: number; sku?: Topology['loadBalancer']['sku'] } = {},
): TopologyBuilder {
  const builder = new TopologyBuilder({ sku: options.sku ?? 'Standard' })
    .probe({ name: 'probe-web', protocol: 'Tcp', port: 80, ...options.probe })
    .pool('pool-web')
    .rule({
      name: 'rule-web',
      probe: 'probe-web',
      pools: ['pool-web'],
      backendPort: options.probe?.port ?? 80,
    });
  for (let index = 1; index <= (options.vmCount ?? 1); index++) {
    builder.vm({ name: `vm-web-${index}`, nics: [{ ip: `10.0.0.${index + 3}`, pools: ['pool-web'] }] });
  }
  return builder;
}
