/**
 * Where the probe allow rule points (pure): at what stays true of the backends it is for, never wider
 * than the rules that block them.
 *
 * - Plain VMs: their own addresses. A new VM joins a pool by hand, and the rule is written again then.
 * - Scale-set instances and Kubernetes nodes: the pool grows by itself (a scale-out, the cluster
 *   autoscaler), and a rule pinned to today's addresses blocks tomorrow's instance again. The rule
 *   targets the scale set's application security group when its model gives one to every instance
 *   and the blocking rule covers the whole group; else the subnet prefixes the instances live in (and
 *   the model says new ones land in), cut down to what the blocking rules deny. Where a blocking rule
 *   denies only part of the subnet, the rule covers only that part and says why it may not cover an
 *   instance added elsewhere.
 *
 * Containment is CIDR arithmetic by ipaddr.js; the service tags a destination may use are read as
 * Microsoft's NSG docs define them: `*` / `Any` every address, `VirtualNetwork` the VNet's address
 * space (a subnet's prefixes always lie inside it). Other tags are not taken to cover a subnet.
 */
import ipaddr from 'ipaddr.js';
import { describeOwner, isKubernetesOwner, ownerOf } from '../diagnose/ownership';
import { idKey } from '../model/ids';
import type { BackendInfo, ResourceOwner, SecurityRuleInfo, Topology } from '../model/topology';

/** What the destination rests on. */
export type DestinationBasis =
  /** Today's backend addresses (plain VMs, or a pool whose growth cannot be covered). */
  | 'backend-addresses'
  /** The scale set's application security group, which its model gives every instance. */
  | 'scale-set-asg'
  /** The subnet prefixes the pool's instances live in and new ones land in. */
  | 'subnet'
  /** What the blocking rules deny inside the subnet, narrower than the subnet. */
  | 'blocking-rule';

/** The allow rule's destination and why it was chosen. */
export interface DestinationChoice {
  /** Address prefixes (CIDR or single address); empty when {@link asgIds} is used. */
  prefixes: string[];
  /** Application security group ids; empty when {@link prefixes} is used. */
  asgIds: string[];
  basis: DestinationBasis;
  /**
   * The destination and its reason in one phrase for the report, e.g. `subnet snet-web 10.10.1.0/24
   * (scale set vmss-web's instances; new instances land there)`.
   */
  reason: string;
  /** Set when an instance added later may not be admitted by this rule: why. */
  futureGap?: string;
}

const lastName = (id: string): string => id.split('/').filter(Boolean).pop() ?? id;

/** `.../virtualMachineScaleSets/{ss}` of a scale set VM or its NIC IP configuration, if it is one. */
function scaleSetIdIn(id: string | undefined): string | undefined {
  return id ? /^(.*\/virtualMachineScaleSets\/[^/]+)\/virtualMachines\//i.exec(id)?.[1] : undefined;
}

/** Why a backend's pool grows by itself: its scale set, or the Kubernetes controller that owns it. */
interface Growth {
  scaleSetId?: string;
  owner?: ResourceOwner;
}

function growthOf(topology: Topology, backend: BackendInfo): Growth | undefined {
  const vm = backend.vmId ? topology.vms[idKey(backend.vmId)] : undefined;
  const scaleSetId = vm?.scaleSetId ?? scaleSetIdIn(backend.vmId) ?? scaleSetIdIn(backend.ipConfigurationId);
  const owner = [backend.vmId, scaleSetId, topology.loadBalancer.id]
    .map((id) => ownerOf(topology, id))
    .find(isKubernetesOwner);
  if (!scaleSetId && !owner) return undefined;
  return { ...(scaleSetId ? { scaleSetId } : {}), ...(owner ? { owner } : {}) };
}

/** A parsed CIDR (a bare address is its /32 or /128). */
type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseCidr(text: string): Cidr | undefined {
  const value = text.trim();
  if (ipaddr.isValidCIDR(value)) {
    const [address, bits] = ipaddr.parseCIDR(value);
    return [address, bits];
  }
  if (ipaddr.isValid(value)) {
    const address = ipaddr.parse(value);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  return undefined;
}

/** True when `outer` holds every address of `inner`. */
function contains(outer: Cidr, inner: Cidr): boolean {
  return outer[0].kind() === inner[0].kind() && outer[1] <= inner[1] && inner[0].match(outer);
}

function ipIn(ip: string, prefixes: readonly string[]): boolean {
  const address = parseCidr(ip);
  return (
    address !== undefined &&
    prefixes.some((p) => {
      const range = parseCidr(p);
      return range !== undefined && contains(range, address);
    })
  );
}

/** Destinations that hold every address (`Internet` does not: it is what lies outside the VNet). */
const EVERYTHING = new Set(['*', 'any', '0.0.0.0/0', '::/0']);

/**
 * `subnetPrefix` cut down to what one blocking rule denies: the whole prefix when the rule's
 * destination holds it (`*`, `VirtualNetwork`, a wider CIDR), the rule's own narrower prefixes inside
 * it, else nothing. Application security groups and other service tags prove nothing about a subnet.
 */
function intersect(subnetPrefix: string, rule: SecurityRuleInfo): { prefixes: string[]; narrowed: boolean } {
  const subnet = parseCidr(subnetPrefix);
  if (!subnet) return { prefixes: [], narrowed: false };
  const out: string[] = [];
  let narrowed = false;
  for (const raw of rule.destinationAddressPrefixes) {
    const entry = raw.trim();
    const lower = entry.toLowerCase();
    if (EVERYTHING.has(lower) || lower === 'virtualnetwork')
      return { prefixes: [subnetPrefix], narrowed: false };
    const range = parseCidr(entry);
    if (!range) continue;
    if (contains(range, subnet)) return { prefixes: [subnetPrefix], narrowed: false };
    if (contains(subnet, range)) {
      out.push(entry);
      narrowed = true;
    }
  }
  return { prefixes: out, narrowed };
}

const unique = (values: readonly string[]): string[] =>
  [...new Map(values.map((v) => [v.toLowerCase(), v])).values()].sort();

function addresses(backends: readonly BackendInfo[]): string[] {
  return unique(backends.flatMap((b) => (b.ipAddress ? [b.ipAddress] : [])));
}

/** Today's rule: the backends' own addresses, or the blocking rule's destination when one is unknown. */
export function pinnedDestination(
  backends: readonly BackendInfo[],
  blocker: SecurityRuleInfo,
  why: string,
  futureGap?: string,
): DestinationChoice {
  const known = addresses(backends);
  const gap = futureGap ? { futureGap } : {};
  if (known.length > 0 && backends.every((b) => b.ipAddress)) {
    return {
      prefixes: known,
      asgIds: [],
      basis: 'backend-addresses',
      reason: `${known.join(', ')} (${why})`,
      ...gap,
    };
  }
  if (blocker.destinationApplicationSecurityGroupIds.length > 0) {
    const asgIds = [...blocker.destinationApplicationSecurityGroupIds];
    return {
      prefixes: [],
      asgIds,
      basis: 'blocking-rule',
      reason: `${asgIds.map(lastName).join(', ')} (rule ${blocker.name}'s own destination: a backend's address is unknown)`,
      ...gap,
    };
  }
  const prefixes = [...blocker.destinationAddressPrefixes];
  return {
    prefixes,
    asgIds: [],
    basis: 'blocking-rule',
    reason: `${prefixes.join(', ')} (rule ${blocker.name}'s own destination: a backend's address is unknown)`,
    ...gap,
  };
}

/** Who adds instances, in words: `scale set vmss-web's instances`, `AKS cluster aks-web's nodes`. */
function whoGrows(topology: Topology, growths: readonly Growth[]): string {
  const scaleSets = unique(growths.flatMap((g) => (g.scaleSetId ? [lastName(g.scaleSetId)] : [])));
  const owner = growths.find((g) => g.owner)?.owner;
  if (scaleSets.length > 0) {
    const sets = `scale set${scaleSets.length > 1 ? 's' : ''} ${scaleSets.join(', ')}`;
    return `${sets}'s instances${owner ? `, ${describeOwner(owner)}` : ''}`;
  }
  return owner ? `nodes of ${describeOwner(owner)}` : `the pool of ${topology.loadBalancer.name}`;
}

/** The model's IP configurations of the scale sets that join one of the backends' pools. */
function modelConfigs(topology: Topology, scaleSetIds: readonly string[], backends: readonly BackendInfo[]) {
  const pools = new Set(backends.flatMap((b) => b.poolIds.map(idKey)));
  return scaleSetIds.map((id) => {
    const model = topology.scaleSets?.[idKey(id)];
    if (!model) return undefined;
    const joining = model.ipConfigurations.filter((c) => c.poolIds.some((p) => pools.has(idKey(p))));
    return joining.length > 0 ? joining : model.ipConfigurations;
  });
}

/**
 * The scale set's ASG: every backend's IP configuration carries it, every scale set's model gives it
 * to new instances, and a blocking rule's destination is that ASG (so it is never wider) or covers
 * the whole VNet (`*`, `VirtualNetwork`), which holds every member of an ASG.
 */
function scaleSetAsg(
  topology: Topology,
  scaleSetIds: readonly string[],
  backends: readonly BackendInfo[],
  blockers: readonly SecurityRuleInfo[],
): string | undefined {
  const models = modelConfigs(topology, scaleSetIds, backends);
  if (models.some((m) => m === undefined) || models.length === 0) return undefined;
  const onEveryBackend = (asg: string) =>
    backends.every((b) => b.asgIds.some((a) => idKey(a) === idKey(asg)));
  const inEveryModel = (asg: string) =>
    models.every((configs) => (configs ?? []).every((c) => c.asgIds.some((a) => idKey(a) === idKey(asg))));
  const coveredByBlocker = (asg: string) =>
    blockers.some(
      (r) =>
        r.destinationApplicationSecurityGroupIds.some((a) => idKey(a) === idKey(asg)) ||
        r.destinationAddressPrefixes.some((p) => {
          const lower = p.trim().toLowerCase();
          return EVERYTHING.has(lower) || lower === 'virtualnetwork';
        }),
    );
  const candidates = backends[0]?.asgIds ?? [];
  return [...candidates]
    .sort()
    .find((asg) => onEveryBackend(asg) && inEveryModel(asg) && coveredByBlocker(asg));
}

/**
 * Chooses the allow rule's destination for `backends`, blocked by `blockers` (the lowest priority
 * first) in one NSG. See the module comment for the order of choices.
 */
export function chooseDestination(
  topology: Topology,
  backends: readonly BackendInfo[],
  blockers: readonly SecurityRuleInfo[],
): DestinationChoice {
  const blocker = blockers[0];
  if (!blocker) throw new Error('chooseDestination needs the blocking rule');
  const growths = backends.map((b) => growthOf(topology, b));
  if (backends.length === 0 || growths.some((g) => g === undefined)) {
    return pinnedDestination(
      backends,
      blocker,
      'the backends are VMs a person adds to the pool; a new one needs its own rule',
    );
  }
  const grown = growths as Growth[];
  const who = whoGrows(topology, grown);
  const scaleSetIds = unique(grown.flatMap((g) => (g.scaleSetId ? [g.scaleSetId] : [])));

  const asg = scaleSetIds.length > 0 ? scaleSetAsg(topology, scaleSetIds, backends, blockers) : undefined;
  if (asg) {
    const name = topology.asgs[idKey(asg)]?.name ?? lastName(asg);
    return {
      prefixes: [],
      asgIds: [asg],
      basis: 'scale-set-asg',
      reason: `application security group ${name} (${who}; the scale set's model gives it to every new instance)`,
    };
  }

  // The subnets the instances live in, and the ones the models put new instances in.
  const subnetIds = unique([
    ...backends.flatMap((b) => (b.subnetId ? [b.subnetId] : [])),
    ...modelConfigs(topology, scaleSetIds, backends).flatMap((configs) =>
      (configs ?? []).flatMap((c) => (c.subnetId ? [c.subnetId] : [])),
    ),
  ]);
  const subnets = subnetIds.map((id) => ({ id, info: topology.subnets[idKey(id)] }));
  const unread = subnets.filter((s) => !s.info || s.info.addressPrefixes.length === 0);
  if (subnets.length === 0 || unread.length > 0) {
    const which = unread.map((s) => lastName(s.id)).join(', ') || "the instances' subnet";
    return pinnedDestination(
      backends,
      blocker,
      `${who}; subnet ${which} was not read`,
      `the subnet ${which} new instances land in was not read, so the rule covers today's addresses only; an instance added later may be blocked again`,
    );
  }

  const parts: string[] = [];
  const prefixes: string[] = [];
  const narrowedBy: string[] = [];
  for (const { info } of subnets) {
    const subnet = info as NonNullable<typeof info>;
    for (const prefix of subnet.addressPrefixes) {
      const cut = blockers.map((r) => ({ rule: r, ...intersect(prefix, r) }));
      const whole = cut.some((c) => !c.narrowed && c.prefixes.length > 0);
      if (whole) {
        prefixes.push(prefix);
        parts.push(`subnet ${subnet.name} ${prefix}`);
        continue;
      }
      const inside = unique(cut.flatMap((c) => c.prefixes));
      if (inside.length === 0) continue;
      prefixes.push(...inside);
      parts.push(`${inside.join(', ')} of subnet ${subnet.name} ${prefix}`);
      narrowedBy.push(
        `rule ${cut
          .filter((c) => c.prefixes.length > 0)
          .map((c) => c.rule.name)
          .join(', ')} denies only ${inside.join(', ')} of subnet ${subnet.name} (${prefix})`,
      );
    }
  }
  const chosen = unique(prefixes);
  const uncovered = backends.filter((b) => !b.ipAddress || !ipIn(b.ipAddress, chosen));
  if (chosen.length === 0 || uncovered.length > 0) {
    return pinnedDestination(
      backends,
      blocker,
      `${who}; the blocking rule's destination does not hold their subnet`,
      `rule ${blocker.name}'s destination (${[...blocker.destinationAddressPrefixes, ...blocker.destinationApplicationSecurityGroupIds.map(lastName)].join(', ')}) is not a prefix of the instances' subnet, so the rule covers today's addresses only; an instance added later may be blocked again`,
    );
  }
  if (narrowedBy.length > 0) {
    return {
      prefixes: chosen,
      asgIds: [],
      basis: 'blocking-rule',
      reason: `${parts.join('; ')} (${who}; what the blocking rule denies there, never wider)`,
      futureGap: `${narrowedBy.join('; ')}, so the allow covers only that: an instance added elsewhere in the subnet is not denied by that rule, but is not admitted by this one either if another rule blocks it`,
    };
  }
  return {
    prefixes: chosen,
    asgIds: [],
    basis: 'subnet',
    reason: `${parts.join('; ')} (${who}; new instances land there)`,
  };
}
