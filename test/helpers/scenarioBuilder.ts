/**
 * Builds scenario documents (DESIGN.md, "Scenario files"; src/sandbox/scenario.ts) whose `resources`
 * have the shape ARM GET returns (see /work/shared/arm-examples/): consistent ids, etags, both
 * directions of every reference ARM keeps (pool <-> NIC IP configuration, rule <-> probe, subnet <->
 * NSG, subnet <-> IP configurations, NIC <-> VM, public IP <-> frontend), and the six default NSG rules
 * exactly as ARM returns them.
 *
 * Names are the handles: `vm('web-0', { nicNsg: 'nsg-web-0' })` refers to the NSG added as
 * `nsg('nsg-web-0', [...])`. Everything is deterministic (etags and GUIDs are hashes of the id), so
 * the shipped scenarios/*.json can be compared with the builder's output.
 *
 * ```ts
 * scenario('demo')
 *   .vnet('vnet-web', ['10.0.0.0/16'])
 *   .subnet('snet-web', '10.0.1.0/24', { nsg: 'nsg-snet-web' })
 *   .nsg('nsg-snet-web', [{ name: 'DenyAll', priority: 4000, access: 'Deny' }])
 *   .lb({ probe: { protocol: 'Http', port: 80, path: '/healthz' }, rule: { frontendPort: 80, backendPort: 80 } })
 *   .vm('web-0').vm('web-1')
 *   .build();
 * ```
 */
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { z } from 'zod';
import type { CauseId, Verdict } from '../../src/model/report';
import type { faultsSchema, guestSchema, scenarioSchema } from '../../src/sandbox/scenario';

/** Guest facts as written in a scenario file (defaults not yet applied). */
export type GuestInput = z.input<typeof guestSchema>;
export type FaultsInput = z.input<typeof faultsSchema>;
/** Security admin rules as written in a scenario file. */
export type SecurityAdminRulesInput = NonNullable<z.input<typeof scenarioSchema>['securityAdminRules']>;
type Json = Record<string, unknown>;
type Ref = { id: string };

export const DEFAULT_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';

/** A custom NSG rule. A string becomes ARM's singular field, an array the plural one (as ARM keeps them). */
export interface NsgRuleSpec {
  name: string;
  priority: number;
  access: 'Allow' | 'Deny';
  direction?: 'Inbound' | 'Outbound';
  /** `*`, `Tcp`, `Udp`, `Icmp`. Default `*`. */
  protocol?: string;
  source?: string | string[];
  sourcePorts?: string | string[];
  destination?: string | string[];
  ports?: string | number | (string | number)[];
  /** ASG names (added with {@link ScenarioBuilder.asg}); replace the source prefix. */
  sourceAsgs?: string[];
  destinationAsgs?: string[];
  description?: string;
}

export interface RouteSpec {
  name: string;
  addressPrefix: string;
  nextHopType: 'VirtualAppliance' | 'VnetLocal' | 'Internet' | 'VirtualNetworkGateway' | 'None';
  nextHopIpAddress?: string;
}

export interface ProbeSpec {
  name?: string;
  protocol: 'Tcp' | 'Http' | 'Https';
  port: number;
  /** HTTP(S) only. Written as given, so a scenario can carry a malformed path. */
  path?: string;
  intervalInSeconds?: number;
  numberOfProbes?: number;
  probeThreshold?: number;
}

export interface LbRuleSpec {
  name?: string;
  protocol?: 'Tcp' | 'Udp' | 'All';
  frontendPort: number;
  backendPort: number;
  /** Probe name; `null` for a rule without a probe. Default: the load balancer's first probe. */
  probe?: string | null;
  /** Pool name. Default: the load balancer's first pool. */
  pool?: string;
  enableFloatingIP?: boolean;
  idleTimeoutInMinutes?: number;
}

export interface PoolSpec {
  name: string;
  /** `ip`: members are `loadBalancerBackendAddresses` (ipAddress + virtualNetwork), not NIC references. */
  membership?: 'nic' | 'ip';
}

export interface LbSpec {
  name?: string;
  sku?: 'Standard' | 'Basic';
  /** Public (with a public IP) or internal (private IP in a subnet). Default public. */
  frontend?: { name?: string; public?: boolean; subnet?: string; privateIp?: string; publicIp?: string };
  probe?: ProbeSpec;
  probes?: ProbeSpec[];
  rule?: LbRuleSpec;
  rules?: LbRuleSpec[];
  pool?: string | PoolSpec;
  pools?: (string | PoolSpec)[];
}

/** Pool membership: a pool name of the first load balancer, or `{ lb, pool }`. */
export type PoolRef = string | { lb: string; pool: string };

export interface NicSpec {
  name?: string;
  subnet?: string;
  ip?: string;
  nsg?: string;
  /** Default for a VM's only NIC: the first pool of the first load balancer; for listed NICs: none. */
  pools?: PoolRef[];
  asgs?: string[];
  enableIPForwarding?: boolean;
}

export interface VmSpec {
  os?: 'linux' | 'windows';
  size?: string;
  zone?: string;
  /** Single-NIC shorthand (ignored when `nics` is given). */
  subnet?: string;
  ip?: string;
  nicNsg?: string;
  pools?: PoolRef[];
  asgs?: string[];
  /** Several NICs; the first is the primary. */
  nics?: NicSpec[];
  /** Overrides of the guest facts the builder derives (listeners on the probe ports, HTTP 200). */
  guest?: Partial<GuestInput>;
}

export interface VmssInstanceSpec {
  id: number;
  ip?: string;
  guest?: Partial<GuestInput>;
}

export interface VmssSpec {
  os?: 'linux' | 'windows';
  size?: string;
  subnet?: string;
  nicNsg?: string;
  pools?: PoolRef[];
  asgs?: string[];
  instances: VmssInstanceSpec[];
  /**
   * What an instance a scale-out adds runs (the scenario's `scaleSetGuests`): the derived guest (the
   * probe and backend ports served) with these overrides. Omitted: no entry.
   */
  newInstanceGuest?: Partial<GuestInput>;
}

/**
 * What probe-doctor should conclude, with pool members named instead of ids: `web-0` (a VM's NIC in
 * the pool), `web-0/nic-name` (one NIC of a VM with several), `vmss-web/3` (scale set instance).
 */
export interface ExpectSpec {
  /** Load balancer name; default the first. */
  loadBalancer?: string;
  /** Verdict of `diagnose --json` (observe mode: nothing is written). */
  verdict: Verdict;
  /** Verdict of `diagnose --fix --json`, where the outcome is clear from Azure's semantics. */
  fixVerdict?: Verdict;
  causes: CauseId[];
  /** Every member of the load balancer's pools, with the causes expected on it (`[]`: healthy). */
  backends: Record<string, CauseId[]>;
  /** Evidence fields expected on a backend's cause; `nsg: 'name'` becomes `nsgId`. */
  evidence?: Record<string, Partial<Record<CauseId, Record<string, unknown>>>>;
}

/**
 * An Azure Virtual Network Manager security admin rule (src/sandbox/scenario.ts). Strings become
 * one-element lists. Defaults: Inbound, protocol `Tcp`, source `*`, destination `*`, source ports `*`,
 * applied to the scenario's VNet by network manager `nm-<resource group>` in the same resource group.
 */
export interface AdminRuleSpec {
  name: string;
  priority: number;
  access: 'Allow' | 'Deny' | 'AlwaysAllow';
  direction?: 'Inbound' | 'Outbound';
  protocol?: string;
  source?: string | string[];
  destination?: string | string[];
  ports: string | number | (string | number)[];
  sourcePorts?: string | string[];
  /** VNet ids; default the scenario's VNet. */
  appliesTo?: string[];
  networkManager?: string;
  configurationName?: string;
}

/** A scenario document as written to scenarios/*.json. */
export interface ScenarioDocument {
  name: string;
  description: string;
  expect?: ExpectedOutcome;
  alsoExpect?: ExpectedOutcome[];
  faults?: FaultsInput;
  resources: Json[];
  guests: Record<string, GuestInput>;
  scaleSetGuests?: Record<string, GuestInput>;
  securityAdminRules?: SecurityAdminRulesInput;
}

/** {@link ExpectSpec} with names resolved to ids. */
export interface ExpectedOutcome {
  loadBalancerId: string;
  verdict: Verdict;
  fixVerdict?: Verdict;
  causes: CauseId[];
  backends: Record<string, CauseId[]>;
  evidence?: Record<string, Partial<Record<CauseId, Record<string, unknown>>>>;
}

/** Azure's six default rules, as NetworkSecurityGroups_Get returns them (names, priorities, descriptions). */
export const DEFAULT_SECURITY_RULES: readonly {
  name: string;
  description: string;
  source: string;
  destination: string;
  access: 'Allow' | 'Deny';
  priority: number;
  direction: 'Inbound' | 'Outbound';
}[] = [
  {
    name: 'AllowVnetInBound',
    description: 'Allow inbound traffic from all VMs in VNET',
    source: 'VirtualNetwork',
    destination: 'VirtualNetwork',
    access: 'Allow',
    priority: 65000,
    direction: 'Inbound',
  },
  {
    name: 'AllowAzureLoadBalancerInBound',
    description: 'Allow inbound traffic from azure load balancer',
    source: 'AzureLoadBalancer',
    destination: '*',
    access: 'Allow',
    priority: 65001,
    direction: 'Inbound',
  },
  {
    name: 'DenyAllInBound',
    description: 'Deny all inbound traffic',
    source: '*',
    destination: '*',
    access: 'Deny',
    priority: 65500,
    direction: 'Inbound',
  },
  {
    name: 'AllowVnetOutBound',
    description: 'Allow outbound traffic from all VMs to all VMs in VNET',
    source: 'VirtualNetwork',
    destination: 'VirtualNetwork',
    access: 'Allow',
    priority: 65000,
    direction: 'Outbound',
  },
  {
    name: 'AllowInternetOutBound',
    description: 'Allow outbound traffic from all VMs to Internet',
    source: '*',
    destination: 'Internet',
    access: 'Allow',
    priority: 65001,
    direction: 'Outbound',
  },
  {
    name: 'DenyAllOutBound',
    description: 'Deny all outbound traffic',
    source: '*',
    destination: '*',
    access: 'Deny',
    priority: 65500,
    direction: 'Outbound',
  },
];

/** A GUID-shaped hash: the same input always gives the same value, so output never drifts. */
export function stableGuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Network resources carry weak etags of this form (LoadBalancers_Get). */
function etag(id: string): string {
  return `W/"${stableGuid(`etag:${id.toLowerCase()}`)}"`;
}

function mac(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex').toUpperCase();
  return `00-0D-3A-${h.slice(0, 2)}-${h.slice(2, 4)}-${h.slice(4, 6)}`;
}

const ref = (id: string): Ref => ({ id });

interface SubnetState {
  name: string;
  prefix: string;
  nsg?: string;
  routeTable?: string;
  nextHost: number;
}
interface LbState {
  name: string;
  sku: 'Standard' | 'Basic';
  frontend: { name: string; public: boolean; subnet?: string; privateIp?: string; publicIp: string };
  probes: (ProbeSpec & { name: string })[];
  rules: (LbRuleSpec & { name: string })[];
  pools: Required<PoolSpec>[];
}
interface NicState {
  name: string;
  subnet: string;
  ip: string;
  nsg?: string;
  pools: { lb: string; pool: string }[];
  asgs: string[];
  primary: boolean;
  enableIPForwarding: boolean;
  /** NIC id: under the RG, or under a scale set VM. */
  id: string;
  ownerId: string;
}
interface VmState {
  name: string;
  kind: 'vm' | 'vmss-vm';
  id: string;
  os: 'linux' | 'windows';
  size: string;
  zone?: string;
  nics: NicState[];
  guest?: Partial<GuestInput>;
  scaleSet?: string;
  instanceId?: number;
}

/** Fluent builder for one scenario; see the module comment. */
export class ScenarioBuilder {
  private readonly sub: string;
  private readonly rg: string;
  private readonly location: string;
  private text = '';
  private vnetName = 'vnet-web';
  private vnetPrefixes = ['10.0.0.0/16'];
  private readonly subnets: SubnetState[] = [];
  private readonly nsgs = new Map<string, NsgRuleSpec[]>();
  private readonly routeTables = new Map<string, RouteSpec[]>();
  private readonly asgs: string[] = [];
  private readonly lbs: LbState[] = [];
  private readonly vms: VmState[] = [];
  private readonly scaleSets: { name: string; spec: VmssSpec; nic: NicState }[] = [];
  private readonly extraIpMembers: { lb: string; pool: string; name: string; ip: string }[] = [];
  private expectSpecs: ExpectSpec[] = [];
  private faultSpec: FaultsInput | undefined;
  private readonly adminRules: AdminRuleSpec[] = [];
  private armCasing = false;
  private watcher = false;

  constructor(
    private readonly name: string,
    options: { subscriptionId?: string; resourceGroup?: string; location?: string } = {},
  ) {
    this.sub = options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
    this.rg = options.resourceGroup ?? 'rg-web';
    this.location = options.location ?? 'westeurope';
  }

  /** What is broken and what the right diagnosis is. */
  description(text: string): this {
    this.text = text;
    return this;
  }

  /**
   * Spell back-references the way ARM often does: resource group upper-cased in subnet
   * `ipConfigurations`, pool `backendIPConfigurations`, NSG `networkInterfaces`/`subnets` and NIC
   * `virtualMachine`, and NIC-based pools also listed in `loadBalancerBackendAddresses`. Ids are
   * case-insensitive; consumers that compare them raw break on real exports.
   */
  realArmQuirks(): this {
    this.armCasing = true;
    return this;
  }

  vnet(name: string, addressPrefixes: string[]): this {
    this.vnetName = name;
    this.vnetPrefixes = addressPrefixes;
    return this;
  }

  subnet(name: string, prefix: string, options: { nsg?: string; routeTable?: string } = {}): this {
    this.subnets.push({ name, prefix, ...options, nextHost: 4 });
    return this;
  }

  /** An NSG with custom rules; ARM's six default rules are always added. */
  nsg(name: string, rules: NsgRuleSpec[] = []): this {
    this.nsgs.set(name, rules);
    return this;
  }

  routeTable(name: string, routes: RouteSpec[]): this {
    this.routeTables.set(name, routes);
    return this;
  }

  /**
   * The region's Network Watcher where Azure puts it (`NetworkWatcherRG/NetworkWatcher_<region>`):
   * IP flow verify and the connectivity check need one ("you must create a Network Watcher resource"
   * before those APIs, Network Watcher REST docs).
   */
  networkWatcher(): this {
    this.watcher = true;
    return this;
  }

  asg(name: string): this {
    this.asgs.push(name);
    return this;
  }

  lb(spec: LbSpec = {}): this {
    const name = spec.name ?? 'lb-web';
    const probes = (spec.probes ?? (spec.probe ? [spec.probe] : [])).map((p) => ({
      ...p,
      name: p.name ?? `probe-${p.protocol.toLowerCase()}-${p.port}`,
    }));
    const pools = (spec.pools ?? [spec.pool ?? 'pool-web']).map((p) =>
      typeof p === 'string' ? { name: p, membership: 'nic' as const } : { membership: 'nic' as const, ...p },
    );
    const rules = (spec.rules ?? (spec.rule ? [spec.rule] : [])).map((r) => ({
      ...r,
      name: r.name ?? `rule-${(r.protocol ?? 'Tcp').toLowerCase()}-${r.frontendPort}`,
      probe: r.probe === undefined ? probes[0]?.name : r.probe,
      pool: r.pool ?? pools[0]?.name,
    }));
    const fe = spec.frontend ?? {};
    const isPublic = fe.public ?? !fe.subnet;
    // Allocated now, not in build(), so that build() can run twice with the same result.
    const privateIp = isPublic ? undefined : (fe.privateIp ?? this.allocateIp(this.subnetState(fe.subnet)));
    this.lbs.push({
      name,
      sku: spec.sku ?? 'Standard',
      frontend: {
        name: fe.name ?? `fe-${name.replace(/^lbi?-/, '')}`,
        public: isPublic,
        subnet: fe.subnet,
        privateIp,
        publicIp: fe.publicIp ?? `pip-${name}`,
      },
      probes,
      rules,
      pools,
    });
    return this;
  }

  vm(name: string, spec: VmSpec = {}): this {
    const id = `${this.rgId()}/providers/Microsoft.Compute/virtualMachines/${name}`;
    const nicSpecs: NicSpec[] = spec.nics ?? [
      {
        subnet: spec.subnet,
        ip: spec.ip,
        nsg: spec.nicNsg,
        pools: spec.pools ?? this.defaultPools(),
        asgs: spec.asgs,
      },
    ];
    const nics = nicSpecs.map((n, i) => {
      const nicName = n.name ?? (i === 0 ? `${name}-nic` : `${name}-nic${i + 1}`);
      return this.nicState(n, nicName, `${this.netId()}/networkInterfaces/${nicName}`, id, i === 0);
    });
    this.vms.push({
      name,
      kind: 'vm',
      id,
      os: spec.os ?? 'linux',
      size: spec.size ?? 'Standard_D2s_v5',
      zone: spec.zone,
      nics,
      guest: spec.guest,
    });
    return this;
  }

  /** A Uniform scale set; each instance is a scale set VM with its NIC under `.../virtualMachines/{i}`. */
  vmss(name: string, spec: VmssSpec): this {
    const ssId = `${this.rgId()}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
    const nicName = `${name}-nic`;
    const template = this.nicState(
      {
        subnet: spec.subnet,
        nsg: spec.nicNsg,
        pools: spec.pools ?? this.defaultPools(),
        asgs: spec.asgs,
        ip: '0.0.0.0',
      },
      nicName,
      '',
      ssId,
      true,
    );
    this.scaleSets.push({ name, spec, nic: template });
    for (const inst of spec.instances) {
      const vmId = `${ssId}/virtualMachines/${inst.id}`;
      const nic = this.nicState(
        { subnet: spec.subnet, nsg: spec.nicNsg, pools: template.pools, asgs: spec.asgs, ip: inst.ip },
        nicName,
        `${vmId}/networkInterfaces/${nicName}`,
        vmId,
        true,
      );
      this.vms.push({
        name: `${name}/${inst.id}`,
        kind: 'vmss-vm',
        id: vmId,
        os: spec.os ?? 'linux',
        size: spec.size ?? 'Standard_D2s_v5',
        nics: [nic],
        guest: inst.guest,
        scaleSet: name,
        instanceId: inst.id,
      });
    }
    return this;
  }

  /** An IP-based pool member that is no VM in the scenario (an appliance, a deleted VM's address). */
  ipMember(pool: PoolRef, name: string, ip: string): this {
    const p = this.poolRef(pool);
    this.extraIpMembers.push({ ...p, name, ip });
    return this;
  }

  /** Replaces the guest facts of a VM (or `vmss/i`) set so far. */
  guest(vmName: string, guest: Partial<GuestInput>): this {
    const vm = this.vms.find((v) => v.name === vmName);
    if (!vm) throw new Error(`guest: no VM named ${vmName}`);
    vm.guest = { ...vm.guest, ...guest };
    return this;
  }

  faults(faults: FaultsInput): this {
    this.faultSpec = faults;
    return this;
  }

  /** A security admin rule of Azure Virtual Network Manager, deployed to the scenario's VNet by default. */
  securityAdminRule(spec: AdminRuleSpec): this {
    this.adminRules.push(spec);
    return this;
  }

  expect(spec: ExpectSpec): this {
    this.expectSpecs.push(spec);
    return this;
  }

  /** The ipConfiguration id of a pool member, by the names {@link ExpectSpec} uses. */
  memberIpConfigId(member: string): string {
    return this.ipConfigIdOf(member);
  }

  build(): ScenarioDocument {
    const resources: Json[] = [
      this.buildVnet(),
      ...[...this.nsgs.keys()].map((n) => this.buildNsg(n)),
      ...[...this.routeTables.keys()].map((n) => this.buildRouteTable(n)),
      ...this.asgs.map((n) => this.buildAsg(n)),
      ...this.lbs.filter((l) => l.frontend.public).map((l) => this.buildPublicIp(l)),
      ...this.lbs.map((l) => this.buildLb(l)),
      ...this.vms.flatMap((v) => v.nics.map((n) => this.buildNic(v, n))),
      ...this.vms.filter((v) => v.kind === 'vm').map((v) => this.buildVm(v)),
      ...this.scaleSets.map((s) => this.buildVmss(s.name, s.spec, s.nic)),
      ...this.vms.filter((v) => v.kind === 'vmss-vm').map((v) => this.buildVmssVm(v)),
      ...(this.watcher ? [this.buildNetworkWatcher()] : []),
    ];
    const guests: Record<string, GuestInput> = {};
    for (const vm of this.vms) guests[vm.id] = this.buildGuest(vm);
    const scaleSetGuests: Record<string, GuestInput> = {};
    for (const s of this.scaleSets) {
      if (!s.spec.newInstanceGuest) continue;
      const id = `${this.rgId()}/providers/Microsoft.Compute/virtualMachineScaleSets/${s.name}`;
      const model = { os: s.spec.os ?? 'linux', nics: [s.nic], guest: s.spec.newInstanceGuest } as VmState;
      scaleSetGuests[id] = this.buildGuest(model);
    }
    const [first, ...others] = this.expectSpecs.map((e) => this.resolveExpect(e));
    return {
      name: this.name,
      description: this.text,
      ...(first ? { expect: first } : {}),
      ...(others.length > 0 ? { alsoExpect: others } : {}),
      ...(this.faultSpec ? { faults: this.faultSpec } : {}),
      resources,
      guests,
      ...(Object.keys(scaleSetGuests).length > 0 ? { scaleSetGuests } : {}),
      ...(this.adminRules.length > 0
        ? { securityAdminRules: this.adminRules.map((r) => this.buildAdminRule(r)) }
        : {}),
    };
  }

  private buildNetworkWatcher(): Json {
    const name = `NetworkWatcher_${this.location}`;
    return {
      id: `/subscriptions/${this.sub}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/${name}`,
      name,
      type: 'Microsoft.Network/networkWatchers',
      location: this.location,
      properties: { provisioningState: 'Succeeded' },
    };
  }

  private buildAdminRule(r: AdminRuleSpec): SecurityAdminRulesInput[number] {
    const many = (v: string | number | (string | number)[] | undefined, fallback: string): string[] =>
      v === undefined ? [fallback] : (Array.isArray(v) ? v : [v]).map(String);
    return {
      name: r.name,
      priority: r.priority,
      access: r.access,
      direction: r.direction ?? 'Inbound',
      protocol: r.protocol ?? 'Tcp',
      sourceAddressPrefixes: many(r.source, '*'),
      destinationAddressPrefixes: many(r.destination, '*'),
      destinationPortRanges: many(r.ports, '*'),
      sourcePortRanges: many(r.sourcePorts, '*'),
      appliesTo: r.appliesTo ?? [this.vnetId()],
      networkManagerId: `${this.netId()}/networkManagers/${r.networkManager ?? `nm-${this.rg}`}`,
      ...(r.configurationName ? { configurationName: r.configurationName } : {}),
    };
  }

  // ---- ids -------------------------------------------------------------------------------------

  private rgId(upper = false): string {
    return `/subscriptions/${this.sub}/resourceGroups/${upper ? this.rg.toUpperCase() : this.rg}`;
  }
  private netId(upper = false): string {
    return `${this.rgId(upper)}/providers/Microsoft.Network`;
  }
  private vnetId(): string {
    return `${this.netId()}/virtualNetworks/${this.vnetName}`;
  }
  private subnetId(name: string): string {
    return `${this.vnetId()}/subnets/${name}`;
  }
  private nsgId(name: string): string {
    return `${this.netId()}/networkSecurityGroups/${name}`;
  }
  private lbId(name: string): string {
    return `${this.netId()}/loadBalancers/${name}`;
  }
  private asgId(name: string): string {
    return `${this.netId()}/applicationSecurityGroups/${name}`;
  }
  private routeTableId(name: string): string {
    return `${this.netId()}/routeTables/${name}`;
  }
  private poolId(lb: string, pool: string): string {
    return `${this.lbId(lb)}/backendAddressPools/${pool}`;
  }
  private ipConfigId(nic: NicState): string {
    return `${nic.id}/ipConfigurations/ipconfig1`;
  }
  /** A back-reference as ARM spells it when {@link realArmQuirks} is on: resource group upper-cased. */
  private backRef(id: string): Ref {
    if (!this.armCasing) return ref(id);
    const prefix = `/resourceGroups/${this.rg}/`;
    return ref(id.replace(prefix, `/resourceGroups/${this.rg.toUpperCase()}/`));
  }

  // ---- model helpers ---------------------------------------------------------------------------

  private defaultPools(): PoolRef[] {
    const lb = this.lbs[0];
    const pool = lb?.pools[0];
    return lb && pool ? [{ lb: lb.name, pool: pool.name }] : [];
  }

  private poolRef(p: PoolRef): { lb: string; pool: string } {
    if (typeof p !== 'string') return p;
    const lb = this.lbs[0];
    if (!lb) throw new Error(`pool ${p}: add a load balancer first`);
    return { lb: lb.name, pool: p };
  }

  private subnetState(name: string | undefined): SubnetState {
    const s = name ? this.subnets.find((x) => x.name === name) : this.subnets[0];
    if (!s) throw new Error(`no subnet ${name ?? '(none added)'}`);
    return s;
  }

  /** Azure keeps .0-.3 of every subnet; the first host is .4. */
  private allocateIp(subnet: SubnetState): string {
    const [base] = ipaddr.parseCIDR(subnet.prefix) as [ipaddr.IPv4, number];
    const bytes = base.toByteArray();
    const n = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    const host = n + subnet.nextHost;
    subnet.nextHost += 1;
    return [host >>> 24, (host >>> 16) & 255, (host >>> 8) & 255, host & 255].join('.');
  }

  private nicState(spec: NicSpec, name: string, id: string, ownerId: string, primary: boolean): NicState {
    const subnet = this.subnetState(spec.subnet);
    return {
      name,
      id,
      ownerId,
      subnet: subnet.name,
      ip: spec.ip ?? this.allocateIp(subnet),
      nsg: spec.nsg,
      pools: (spec.pools ?? []).map((p) => this.poolRef(p)),
      asgs: spec.asgs ?? [],
      primary,
      enableIPForwarding: spec.enableIPForwarding ?? false,
    };
  }

  private poolState(lb: string, pool: string): Required<PoolSpec> {
    const p = this.lbs.find((l) => l.name === lb)?.pools.find((x) => x.name === pool);
    if (!p) throw new Error(`no pool ${lb}/${pool}`);
    return p;
  }

  private allNics(): NicState[] {
    return this.vms.flatMap((v) => v.nics);
  }

  // ---- resources -------------------------------------------------------------------------------

  private buildVnet(): Json {
    const id = this.vnetId();
    const subnets = this.subnets.map((s) => {
      const sid = this.subnetId(s.name);
      const ipConfigs = [
        ...this.lbs
          .filter((l) => !l.frontend.public && l.frontend.subnet === s.name)
          .map((l) => this.backRef(`${this.lbId(l.name)}/frontendIPConfigurations/${l.frontend.name}`)),
        ...this.allNics()
          .filter((n) => n.subnet === s.name)
          .map((n) => this.backRef(this.ipConfigId(n))),
      ];
      return {
        name: s.name,
        id: sid,
        etag: etag(sid),
        type: 'Microsoft.Network/virtualNetworks/subnets',
        properties: {
          provisioningState: 'Succeeded',
          addressPrefix: s.prefix,
          ...(s.nsg ? { networkSecurityGroup: ref(this.nsgId(s.nsg)) } : {}),
          ...(s.routeTable ? { routeTable: ref(this.routeTableId(s.routeTable)) } : {}),
          ...(ipConfigs.length > 0 ? { ipConfigurations: ipConfigs } : {}),
          delegations: [],
          privateEndpointNetworkPolicies: 'Disabled',
          privateLinkServiceNetworkPolicies: 'Enabled',
        },
      };
    });
    return {
      name: this.vnetName,
      id,
      etag: etag(id),
      type: 'Microsoft.Network/virtualNetworks',
      location: this.location,
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: stableGuid(id),
        addressSpace: { addressPrefixes: this.vnetPrefixes },
        subnets,
        virtualNetworkPeerings: [],
        enableDdosProtection: false,
      },
    };
  }

  private securityRule(nsgId: string, collection: string, r: NsgRuleSpec, description?: string): Json {
    const id = `${nsgId}/${collection}/${r.name}`;
    const one = (
      singular: string,
      plural: string,
      v: string | number | (string | number)[] | undefined,
    ): Json => {
      if (Array.isArray(v)) return { [plural]: v.map(String) };
      return { [singular]: String(v ?? '*'), [plural]: [] };
    };
    const asgRefs = (names: string[]) => names.map((n) => ref(this.asgId(n)));
    return {
      name: r.name,
      id,
      etag: etag(id),
      type: `Microsoft.Network/networkSecurityGroups/${collection}`,
      properties: {
        provisioningState: 'Succeeded',
        ...(description ? { description } : {}),
        protocol: r.protocol ?? '*',
        ...one('sourcePortRange', 'sourcePortRanges', r.sourcePorts),
        ...one('destinationPortRange', 'destinationPortRanges', r.ports),
        ...(r.sourceAsgs
          ? { sourceApplicationSecurityGroups: asgRefs(r.sourceAsgs), sourceAddressPrefixes: [] }
          : one('sourceAddressPrefix', 'sourceAddressPrefixes', r.source)),
        ...(r.destinationAsgs
          ? {
              destinationApplicationSecurityGroups: asgRefs(r.destinationAsgs),
              destinationAddressPrefixes: [],
            }
          : one('destinationAddressPrefix', 'destinationAddressPrefixes', r.destination)),
        access: r.access,
        priority: r.priority,
        direction: r.direction ?? 'Inbound',
      },
    };
  }

  private buildNsg(name: string): Json {
    const id = this.nsgId(name);
    const rules = this.nsgs.get(name) ?? [];
    const nics = this.allNics().filter((n) => n.nsg === name);
    const subnets = this.subnets.filter((s) => s.nsg === name);
    return {
      name,
      id,
      etag: etag(id),
      type: 'Microsoft.Network/networkSecurityGroups',
      location: this.location,
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: stableGuid(id),
        securityRules: rules.map((r) => this.securityRule(id, 'securityRules', r, r.description)),
        defaultSecurityRules: DEFAULT_SECURITY_RULES.map((d) =>
          this.securityRule(
            id,
            'defaultSecurityRules',
            {
              name: d.name,
              priority: d.priority,
              access: d.access,
              direction: d.direction,
              source: d.source,
              destination: d.destination,
            },
            d.description,
          ),
        ),
        ...(nics.length > 0 ? { networkInterfaces: nics.map((n) => this.backRef(n.id)) } : {}),
        ...(subnets.length > 0 ? { subnets: subnets.map((s) => this.backRef(this.subnetId(s.name))) } : {}),
      },
    };
  }

  private buildRouteTable(name: string): Json {
    const id = this.routeTableId(name);
    const subnets = this.subnets.filter((s) => s.routeTable === name);
    return {
      name,
      id,
      etag: etag(id),
      type: 'Microsoft.Network/routeTables',
      location: this.location,
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: stableGuid(id),
        disableBgpRoutePropagation: false,
        routes: (this.routeTables.get(name) ?? []).map((r) => {
          const rid = `${id}/routes/${r.name}`;
          return {
            name: r.name,
            id: rid,
            etag: etag(rid),
            type: 'Microsoft.Network/routeTables/routes',
            properties: {
              provisioningState: 'Succeeded',
              addressPrefix: r.addressPrefix,
              nextHopType: r.nextHopType,
              ...(r.nextHopIpAddress ? { nextHopIpAddress: r.nextHopIpAddress } : {}),
              hasBgpOverride: false,
            },
          };
        }),
        ...(subnets.length > 0 ? { subnets: subnets.map((s) => this.backRef(this.subnetId(s.name))) } : {}),
      },
    };
  }

  private buildAsg(name: string): Json {
    const id = this.asgId(name);
    return {
      name,
      id,
      etag: etag(id),
      type: 'Microsoft.Network/applicationSecurityGroups',
      location: this.location,
      properties: { resourceGuid: stableGuid(id), provisioningState: 'Succeeded' },
    };
  }

  private buildPublicIp(lb: LbState): Json {
    const id = `${this.netId()}/publicIPAddresses/${lb.frontend.publicIp}`;
    const octet = 10 + this.lbs.indexOf(lb);
    return {
      name: lb.frontend.publicIp,
      id,
      etag: etag(id),
      type: 'Microsoft.Network/publicIPAddresses',
      location: this.location,
      sku:
        lb.sku === 'Standard' ? { name: 'Standard', tier: 'Regional' } : { name: 'Basic', tier: 'Regional' },
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: stableGuid(id),
        // TEST-NET-3 (RFC 5737): looks like a public address and never is one.
        ipAddress: `203.0.113.${octet}`,
        publicIPAddressVersion: 'IPv4',
        publicIPAllocationMethod: 'Static',
        idleTimeoutInMinutes: 4,
        ipTags: [],
        ipConfiguration: ref(`${this.lbId(lb.name)}/frontendIPConfigurations/${lb.frontend.name}`),
      },
    };
  }

  private poolMembers(lb: string, pool: string): { nic: NicState; vm: VmState }[] {
    return this.vms.flatMap((vm) =>
      vm.nics.filter((n) => n.pools.some((p) => p.lb === lb && p.pool === pool)).map((nic) => ({ nic, vm })),
    );
  }

  private buildLb(lb: LbState): Json {
    const id = this.lbId(lb.name);
    const feId = `${id}/frontendIPConfigurations/${lb.frontend.name}`;
    const ruleId = (n: string) => `${id}/loadBalancingRules/${n}`;
    const probeId = (n: string) => `${id}/probes/${n}`;
    const frontend = {
      name: lb.frontend.name,
      id: feId,
      etag: etag(feId),
      type: 'Microsoft.Network/loadBalancers/frontendIPConfigurations',
      properties: {
        provisioningState: 'Succeeded',
        ...(lb.frontend.public
          ? {
              privateIPAllocationMethod: 'Dynamic',
              publicIPAddress: ref(`${this.netId()}/publicIPAddresses/${lb.frontend.publicIp}`),
            }
          : {
              privateIPAddress: lb.frontend.privateIp,
              privateIPAllocationMethod: 'Static',
              privateIPAddressVersion: 'IPv4',
              subnet: ref(this.subnetId(this.subnetState(lb.frontend.subnet).name)),
            }),
        ...(lb.rules.length > 0 ? { loadBalancingRules: lb.rules.map((r) => ref(ruleId(r.name))) } : {}),
      },
    };
    const pools = lb.pools.map((p) => {
      const pid = this.poolId(lb.name, p.name);
      const members = this.poolMembers(lb.name, p.name);
      const rules = lb.rules.filter((r) => r.pool === p.name);
      const extra = this.extraIpMembers.filter((m) => m.lb === lb.name && m.pool === p.name);
      const addressEntry = (name: string, props: Json) => {
        const aid = `${pid}/loadBalancerBackendAddresses/${name}`;
        return {
          name,
          id: aid,
          etag: etag(aid),
          type: 'Microsoft.Network/loadBalancers/backendAddressPools/loadBalancerBackendAddresses',
          properties: { provisioningState: 'Succeeded', ...props },
        };
      };
      let membership: Json;
      if (p.membership === 'ip') {
        membership = {
          loadBalancerBackendAddresses: [
            ...members.map(({ nic, vm }) =>
              addressEntry(`${vm.name}-${nic.name}`, {
                ipAddress: nic.ip,
                virtualNetwork: ref(this.vnetId()),
              }),
            ),
            ...extra.map((m) =>
              addressEntry(m.name, { ipAddress: m.ip, virtualNetwork: ref(this.vnetId()) }),
            ),
          ],
        };
      } else if (members.length === 0) {
        // An empty pool: ARM returns the list, empty, and no backendIPConfigurations.
        membership = { loadBalancerBackendAddresses: [] };
      } else {
        membership = {
          backendIPConfigurations: members.map(({ nic }) => this.backRef(this.ipConfigId(nic))),
          ...(this.armCasing
            ? {
                // Real GETs also list NIC-based members here, named {rg}_{nic}{ipconfig}, without ipAddress.
                loadBalancerBackendAddresses: members.map(({ nic }) =>
                  addressEntry(`${this.rg}_${nic.name}ipconfig1`, {
                    networkInterfaceIPConfiguration: this.backRef(this.ipConfigId(nic)),
                  }),
                ),
              }
            : {}),
        };
      }
      return {
        name: p.name,
        id: pid,
        etag: etag(pid),
        type: 'Microsoft.Network/loadBalancers/backendAddressPools',
        properties: {
          provisioningState: 'Succeeded',
          ...membership,
          ...(rules.length > 0 ? { loadBalancingRules: rules.map((r) => ref(ruleId(r.name))) } : {}),
        },
      };
    });
    const rules = lb.rules.map((r) => {
      const rid = ruleId(r.name);
      const poolRef = r.pool ? ref(this.poolId(lb.name, r.pool)) : undefined;
      return {
        name: r.name,
        id: rid,
        etag: etag(rid),
        type: 'Microsoft.Network/loadBalancers/loadBalancingRules',
        properties: {
          provisioningState: 'Succeeded',
          frontendIPConfiguration: ref(feId),
          frontendPort: r.frontendPort,
          backendPort: r.backendPort,
          enableFloatingIP: r.enableFloatingIP ?? false,
          idleTimeoutInMinutes: r.idleTimeoutInMinutes ?? 4,
          protocol: r.protocol ?? 'Tcp',
          enableDestinationServiceEndpoint: false,
          enableTcpReset: lb.sku === 'Standard',
          allowBackendPortConflict: false,
          loadDistribution: 'Default',
          disableOutboundSnat: lb.sku === 'Standard',
          ...(poolRef ? { backendAddressPool: poolRef, backendAddressPools: [poolRef] } : {}),
          ...(r.probe ? { probe: ref(probeId(r.probe)) } : {}),
        },
      };
    });
    const probes = lb.probes.map((p) => {
      const pid = probeId(p.name);
      const users = lb.rules.filter((r) => r.probe === p.name);
      return {
        name: p.name,
        id: pid,
        etag: etag(pid),
        type: 'Microsoft.Network/loadBalancers/probes',
        properties: {
          provisioningState: 'Succeeded',
          protocol: p.protocol,
          port: p.port,
          ...(p.path !== undefined ? { requestPath: p.path } : {}),
          intervalInSeconds: p.intervalInSeconds ?? 5,
          numberOfProbes: p.numberOfProbes ?? 1,
          probeThreshold: p.probeThreshold ?? 1,
          noHealthyBackendsBehavior: 'AllProbedDown',
          ...(users.length > 0 ? { loadBalancingRules: users.map((r) => ref(ruleId(r.name))) } : {}),
        },
      };
    });
    return {
      name: lb.name,
      id,
      etag: etag(id),
      type: 'Microsoft.Network/loadBalancers',
      location: this.location,
      sku: { name: lb.sku, tier: 'Regional' },
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: stableGuid(id),
        frontendIPConfigurations: [frontend],
        backendAddressPools: pools,
        loadBalancingRules: rules,
        probes,
        inboundNatRules: [],
        inboundNatPools: [],
        outboundRules: [],
      },
    };
  }

  private nicPoolRefs(nic: NicState): Ref[] {
    // IP-based membership is held by the pool only; the NIC does not point back at it.
    return nic.pools
      .filter((p) => this.poolState(p.lb, p.pool).membership === 'nic')
      .map((p) => ref(this.poolId(p.lb, p.pool)));
  }

  private buildNic(vm: VmState, nic: NicState): Json {
    const ipcId = this.ipConfigId(nic);
    const pools = this.nicPoolRefs(nic);
    return {
      name: nic.name,
      id: nic.id,
      etag: etag(nic.id),
      type: 'Microsoft.Network/networkInterfaces',
      location: this.location,
      kind: 'Regular',
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: stableGuid(nic.id),
        ipConfigurations: [
          {
            name: 'ipconfig1',
            id: ipcId,
            etag: etag(ipcId),
            type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
            properties: {
              provisioningState: 'Succeeded',
              privateIPAddress: nic.ip,
              privateIPAllocationMethod: 'Dynamic',
              subnet: ref(this.subnetId(nic.subnet)),
              primary: true,
              privateIPAddressVersion: 'IPv4',
              ...(pools.length > 0 ? { loadBalancerBackendAddressPools: pools } : {}),
              ...(nic.asgs.length > 0
                ? { applicationSecurityGroups: nic.asgs.map((a) => ref(this.asgId(a))) }
                : {}),
            },
          },
        ],
        dnsSettings: {
          dnsServers: [],
          appliedDnsServers: [],
          internalDomainNameSuffix: `${stableGuid(this.vnetId()).replace(/-/g, '').slice(0, 26)}.ax.internal.cloudapp.net`,
        },
        macAddress: mac(nic.id),
        vnetEncryptionSupported: false,
        enableAcceleratedNetworking: true,
        disableTcpStateTracking: false,
        enableIPForwarding: nic.enableIPForwarding,
        ...(nic.nsg ? { networkSecurityGroup: ref(this.nsgId(nic.nsg)) } : {}),
        hostedWorkloads: [],
        tapConfigurations: [],
        nicType: 'Standard',
        primary: nic.primary,
        virtualMachine: this.backRef(vm.id),
        auxiliaryMode: 'None',
        auxiliarySku: 'None',
      },
    };
  }

  /** A VM's osProfile; a scale set model has `computerNamePrefix` instead of `computerName`. */
  private osProfile(os: 'linux' | 'windows', computerName: string, prefix = false): Json {
    return {
      ...(prefix ? { computerNamePrefix: computerName } : { computerName }),
      adminUsername: 'azureuser',
      ...(os === 'linux'
        ? {
            linuxConfiguration: {
              disablePasswordAuthentication: true,
              provisionVMAgent: true,
              patchSettings: { patchMode: 'ImageDefault', assessmentMode: 'ImageDefault' },
              enableVMAgentPlatformUpdates: false,
            },
          }
        : {
            windowsConfiguration: {
              provisionVMAgent: true,
              enableAutomaticUpdates: true,
              patchSettings: { patchMode: 'AutomaticByOS', assessmentMode: 'ImageDefault' },
              enableVMAgentPlatformUpdates: false,
            },
          }),
      secrets: [],
      allowExtensionOperations: true,
      requireGuestProvisionSignal: true,
    };
  }

  private imageReference(os: 'linux' | 'windows'): Json {
    return os === 'linux'
      ? {
          publisher: 'Canonical',
          offer: 'ubuntu-24_04-lts',
          sku: 'server',
          version: 'latest',
          exactVersion: '24.04.202510010',
        }
      : {
          publisher: 'MicrosoftWindowsServer',
          offer: 'WindowsServer',
          sku: '2022-datacenter-azure-edition',
          version: 'latest',
          exactVersion: '20348.4171.251007',
        };
  }

  private osDisk(os: 'linux' | 'windows', diskName: string): Json {
    return {
      osType: os === 'linux' ? 'Linux' : 'Windows',
      name: diskName,
      createOption: 'FromImage',
      caching: 'ReadWrite',
      managedDisk: {
        storageAccountType: 'Premium_LRS',
        id: `${this.rgId(true)}/providers/Microsoft.Compute/disks/${diskName}`,
      },
      deleteOption: 'Delete',
      diskSizeGB: os === 'linux' ? 30 : 127,
    };
  }

  private buildVm(vm: VmState): Json {
    const diskName = `${vm.name}_OsDisk_1_${stableGuid(vm.id).replace(/-/g, '')}`;
    return {
      name: vm.name,
      id: vm.id,
      type: 'Microsoft.Compute/virtualMachines',
      location: this.location,
      ...(vm.zone ? { zones: [vm.zone] } : {}),
      etag: '"1"',
      properties: {
        vmId: stableGuid(`vmId:${vm.id}`),
        hardwareProfile: { vmSize: vm.size },
        storageProfile: {
          imageReference: this.imageReference(vm.os),
          osDisk: this.osDisk(vm.os, diskName),
          dataDisks: [],
          diskControllerType: 'SCSI',
        },
        osProfile: this.osProfile(vm.os, vm.name),
        securityProfile: {
          uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
          securityType: 'TrustedLaunch',
        },
        networkProfile: {
          networkInterfaces: vm.nics.map((n) => ({
            id: n.id,
            properties: { primary: n.primary, deleteOption: 'Detach' },
          })),
        },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        provisioningState: 'Succeeded',
        timeCreated: '2026-09-14T08:21:37.5522291+00:00',
      },
    };
  }

  private vmssNicConfig(nic: NicState): Json {
    const pools = this.nicPoolRefs(nic);
    return {
      name: nic.name,
      properties: {
        primary: true,
        enableAcceleratedNetworking: false,
        disableTcpStateTracking: false,
        ...(nic.nsg ? { networkSecurityGroup: ref(this.nsgId(nic.nsg)) } : {}),
        dnsSettings: { dnsServers: [] },
        enableIPForwarding: false,
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: {
              subnet: ref(this.subnetId(nic.subnet)),
              privateIPAddressVersion: 'IPv4',
              ...(pools.length > 0 ? { loadBalancerBackendAddressPools: pools } : {}),
              ...(nic.asgs.length > 0
                ? { applicationSecurityGroups: nic.asgs.map((a) => ref(this.asgId(a))) }
                : {}),
            },
          },
        ],
      },
    };
  }

  private buildVmss(name: string, spec: VmssSpec, nic: NicState): Json {
    const id = `${this.rgId()}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
    const os = spec.os ?? 'linux';
    // The scale set model's disk has no name or id: each instance gets its own.
    const { osType, createOption, caching, diskSizeGB } = this.osDisk(os, '');
    return {
      name,
      id,
      type: 'Microsoft.Compute/virtualMachineScaleSets',
      location: this.location,
      sku: { name: spec.size ?? 'Standard_D2s_v5', tier: 'Standard', capacity: spec.instances.length },
      etag: '"3"',
      properties: {
        singlePlacementGroup: false,
        orchestrationMode: 'Uniform',
        upgradePolicy: { mode: 'Manual' },
        virtualMachineProfile: {
          osProfile: this.osProfile(os, name, true),
          storageProfile: {
            osDisk: {
              osType,
              createOption,
              caching,
              managedDisk: { storageAccountType: 'Premium_LRS' },
              diskSizeGB,
            },
            imageReference: this.imageReference(os),
          },
          networkProfile: { networkInterfaceConfigurations: [this.vmssNicConfig(nic)] },
        },
        provisioningState: 'Succeeded',
        overprovision: false,
        doNotRunExtensionsOnOverprovisionedVMs: false,
        uniqueId: stableGuid(`uniqueId:${id}`),
        platformFaultDomainCount: 1,
        timeCreated: '2026-08-02T11:04:12.8810215+00:00',
      },
    };
  }

  private buildVmssVm(vm: VmState): Json {
    const ss = this.scaleSets.find((s) => s.name === vm.scaleSet)!;
    const nic = vm.nics[0]!;
    const diskName = `${ss.name}_${ss.name}_${vm.instanceId}_OsDisk_1_${stableGuid(vm.id).replace(/-/g, '')}`;
    return {
      name: `${ss.name}_${vm.instanceId}`,
      id: vm.id,
      type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
      location: this.location,
      instanceId: String(vm.instanceId),
      sku: { name: vm.size, tier: 'Standard' },
      etag: '"2"',
      properties: {
        latestModelApplied: true,
        modelDefinitionApplied: 'VirtualMachineScaleSet',
        networkProfileConfiguration: { networkInterfaceConfigurations: [this.vmssNicConfig(nic)] },
        vmId: stableGuid(`vmId:${vm.id}`),
        hardwareProfile: {},
        storageProfile: {
          imageReference: this.imageReference(vm.os),
          osDisk: this.osDisk(vm.os, diskName),
          dataDisks: [],
        },
        // Uniform scale sets name computers prefix + instance id in base 36, six digits.
        osProfile: this.osProfile(vm.os, `${ss.name}${(vm.instanceId ?? 0).toString(36).padStart(6, '0')}`),
        networkProfile: { networkInterfaces: [{ id: nic.id }] },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        provisioningState: 'Succeeded',
      },
    };
  }

  // ---- guests and expectations -----------------------------------------------------------------

  /** Listeners on every probe and backend port the VM serves, HTTP 200 on every HTTP(S) probe path. */
  private buildGuest(vm: VmState): GuestInput {
    const listening: GuestInput['listening'] = [
      vm.os === 'linux'
        ? { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' }
        : { protocol: 'tcp', address: '0.0.0.0', port: 3389, process: 'svchost' },
    ];
    const http: NonNullable<GuestInput['http']> = [];
    const server = vm.os === 'linux' ? 'nginx' : 'System';
    const addListener = (port: number) => {
      if (!listening.some((l) => l.port === port))
        listening.push({ protocol: 'tcp', address: '0.0.0.0', port, process: server });
    };
    for (const nic of vm.nics) {
      for (const p of nic.pools) {
        const lb = this.lbs.find((l) => l.name === p.lb)!;
        for (const rule of lb.rules.filter((r) => r.pool === p.pool)) {
          addListener(rule.backendPort);
          const probe = lb.probes.find((x) => x.name === rule.probe);
          if (!probe) continue;
          addListener(probe.port);
          if (probe.protocol !== 'Tcp' && probe.path?.startsWith('/')) {
            if (!http.some((h) => h.port === probe.port && h.path === probe.path)) {
              http.push({ port: probe.port, path: probe.path, status: 200 });
            }
          }
        }
      }
    }
    return {
      os: vm.os,
      powerState: 'running',
      agentReady: true,
      listening,
      firewall: [],
      ...(vm.os === 'windows' ? { firewallTool: 'windows' as const } : {}),
      http,
      ...vm.guest,
    };
  }

  private ipConfigIdOf(member: string): string {
    const [vmName, nicName] =
      member.includes('/') && !this.scaleSets.some((s) => member.startsWith(`${s.name}/`))
        ? member.split('/')
        : [member, undefined];
    const vm = this.vms.find((v) => v.name === vmName);
    if (!vm) throw new Error(`expect: no VM named ${member}`);
    const nics = nicName
      ? vm.nics.filter((n) => n.name === nicName)
      : vm.nics.filter((n) => n.pools.length > 0);
    const [nic, ...more] = nics.length > 0 ? nics : vm.nics;
    if (!nic || more.length > 0)
      throw new Error(`expect: ${member} has ${nics.length} pool NICs; name one as vm/nic`);
    return this.ipConfigId(nic);
  }

  private resolveExpect(e: ExpectSpec): ExpectedOutcome {
    const lb = e.loadBalancer ? this.lbs.find((l) => l.name === e.loadBalancer) : this.lbs[0];
    if (!lb) throw new Error(`expect: no load balancer ${e.loadBalancer ?? ''}`);
    const backends: Record<string, CauseId[]> = {};
    for (const [member, causes] of Object.entries(e.backends)) backends[this.ipConfigIdOf(member)] = causes;
    // Every NIC member of the load balancer's pools must be named: healthy peers are part of the expectation.
    const members = lb.pools.flatMap((p) => this.poolMembers(lb.name, p.name));
    for (const { nic, vm } of members) {
      if (!(this.ipConfigId(nic) in backends))
        throw new Error(`expect: pool member ${vm.name}/${nic.name} is not listed`);
    }
    let evidence: ExpectedOutcome['evidence'];
    if (e.evidence) {
      evidence = {};
      for (const [member, byCause] of Object.entries(e.evidence)) {
        const resolved: Partial<Record<CauseId, Record<string, unknown>>> = {};
        for (const [cause, fields] of Object.entries(byCause) as [CauseId, Record<string, unknown>][]) {
          const { nsg, ...rest } = fields;
          resolved[cause] = typeof nsg === 'string' ? { nsgId: this.nsgId(nsg), ...rest } : rest;
        }
        evidence[this.ipConfigIdOf(member)] = resolved;
      }
    }
    return {
      loadBalancerId: this.lbId(lb.name),
      verdict: e.verdict,
      ...(e.fixVerdict ? { fixVerdict: e.fixVerdict } : {}),
      causes: e.causes,
      backends,
      ...(evidence ? { evidence } : {}),
    };
  }
}

/** Starts a scenario; see {@link ScenarioBuilder}. */
export function scenario(
  name: string,
  options?: { subscriptionId?: string; resourceGroup?: string; location?: string },
): ScenarioBuilder {
  return new ScenarioBuilder(name, options);
}
