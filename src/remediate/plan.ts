/**
 * Fix planning (pure): diagnosis in, planned fixes out. One NSG allow rule per (NSG, probe port) that
 * blocks, merging the backends that share the NSG; opt-in VM fixes where the policy allows them; a
 * recommendation with the exact change for everything else. Nothing here does I/O.
 */
import { evaluateProbeInbound, type ClientReach } from '../diagnose/nsg/index';
import { describeOwner, isKubernetesOwner, ownerOf } from '../diagnose/ownership';
import { idKey, indexById, sameId } from '../model/ids';
import type { Cause, FixKind } from '../model/report';
import type { BackendInfo, ProbeInfo, ResourceOwner, SecurityRuleInfo, Topology } from '../model/topology';
import type { Diagnosis } from '../model/diagnosis';
import type { PlannedFix } from '../model/fixPlan';
import {
  parseAllowRuleDetail,
  PROBE_SOURCE_TAG,
  proveAllowRule,
  toSecurityRule,
  type AllowRuleDetail,
} from './allowRule';
import { chooseDestination, pinnedDestination } from './destination';
import { firewallToolOf, guestFirewallFixability } from './guestFirewall';
import { allowRuleDescription, allowRuleName } from './naming';
import { lockedOutReason, splitLockedOut, type LockedOutBackend } from './lockdown';
import { choosePriority } from './priority';
import {
  probesOf,
  recommendForBackend,
  recommendForLoadBalancer,
  recommendForProbeServedNowhere,
} from './recommend';

/** What the policy says about fixes (from src/config.ts). */
export interface FixPolicy {
  /** VM-changing fixes that may be applied (start-vm, guest-firewall-allow); off unless listed. */
  optInFixes: readonly FixKind[];
  /** Fixes that wait for a person's approval first: a gate on top of the opt-in, never a substitute. */
  approvalRequiredFor: readonly FixKind[];
}

/**
 * Azure's reason code for a backend whose probe has started to succeed but has not yet met the
 * healthy threshold: it is recovering on its own (or from an earlier fix), so nothing is written for it.
 */
export const APPROACHING_HEALTHY = 'Down_Probe_ApproachingHealthyThreshold';

export interface PlanInput {
  mode: 'observe' | 'fix';
  topology: Topology;
  diagnosis: Diagnosis;
  policy: FixPolicy;
  runId: string;
}

type DiagnosedBackend = Diagnosis['backends'][number];

/** Backends that share one NSG and one probe port. */
interface NsgGroup {
  nsgId: string;
  level: 'subnet' | 'nic';
  probe: ProbeInfo;
  backends: BackendInfo[];
  blockers: SecurityRuleInfo[];
  /**
   * The backends' address family: an NSG rule cannot hold IPv4 and IPv6 prefixes together (ARM:
   * ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies), so each family gets its own.
   */
  family: 'ipv4' | 'ipv6';
}

const familyOf = (backend: BackendInfo): NsgGroup['family'] =>
  backend.ipAddress?.includes(':') ? 'ipv6' : 'ipv4';

const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

const causesOf = (b: DiagnosedBackend, id: Cause['id']) => b.causes.filter((c) => c.id === id);

/** The topology's backends by {@link idKey} of their key, built once per plan (a pool may hold thousands). */
type BackendsByKey = ReadonlyMap<string, BackendInfo>;

function backendInfo(backends: BackendsByKey, diagnosed: DiagnosedBackend): BackendInfo | undefined {
  return backends.get(idKey(diagnosed.key));
}

/** A group's blocking rules, the one that decides first (the lowest priority number) first. */
const byPriority = (rules: readonly SecurityRuleInfo[]): SecurityRuleInfo[] =>
  [...rules].sort((a, b) => a.priority - b.priority);

/** Groups the NSG denies the evaluator finds on the probe paths of backends diagnosed as NSG-blocked. */
function nsgGroups(topology: Topology, diagnosis: Diagnosis, backends: BackendsByKey): NsgGroup[] {
  const groups = new Map<string, NsgGroup>();
  for (const diagnosed of diagnosis.backends) {
    const causes = causesOf(diagnosed, 'nsg-blocks-probe').filter((c) => c.evidence?.adminRule !== true);
    const backend = backendInfo(backends, diagnosed);
    if (causes.length === 0 || !backend) continue;
    const blamed = (nsgId: string) => causes.some((c) => sameId(c.evidence?.nsgId as string, nsgId));
    for (const probe of probesOf(topology, backend)) {
      for (const decision of evaluateProbeInbound(topology, backend, probe).decisions) {
        if (decision.access !== 'Deny' || !blamed(decision.nsgId)) continue;
        const key = `${idKey(decision.nsgId)}|${probe.port}|${familyOf(backend)}`;
        const group = groups.get(key) ?? {
          nsgId: decision.nsgId,
          level: decision.level,
          probe,
          backends: [],
          blockers: [],
          family: familyOf(backend),
        };
        if (!group.backends.some((b) => b.key === backend.key)) group.backends.push(backend);
        if (!group.blockers.some((r) => r.name === decision.rule.name)) group.blockers.push(decision.rule);
        groups.set(key, group);
      }
    }
  }
  return [...groups.values()];
}

/** The Kubernetes cloud provider names the security rules it writes `a` + the Service UID without dashes, cut to 32 characters. */
const CLOUD_PROVIDER_RULE = /^a[0-9a-f]{31}-/i;

const resourceGroupOf = (id: string): string | undefined =>
  /\/resourceGroups\/([^/]+)/i.exec(id)?.[1]?.toLowerCase();

/**
 * Where a restriction that sits in a controller's NSG can go instead, said from what is on the probe's
 * path: the subnet's NSG when the controller's NSG is on the NIC and the subnet has one of the
 * customer's; a subnet with no NSG of its own (outside the controller's resource group) can take one;
 * otherwise no NSG of the customer's is on the path (the controller's NSG is the subnet's, or the
 * subnet lives in the controller's resource group), and the restriction belongs in the controller's
 * configuration (for Kubernetes, the Service's `spec.loadBalancerSourceRanges`).
 */
function placeForRestriction(topology: Topology, group: NsgGroup, owner: ResourceOwner): string {
  const port = group.probe.port;
  const allow = `with an allow for ${PROBE_SOURCE_TAG} to port ${port} above it`;
  const subnetIds = [...new Set(group.backends.flatMap((b) => (b.subnetId ? [idKey(b.subnetId)] : [])))];
  const subnets = subnetIds.map((id) => topology.subnets[id]);
  const subnet = subnets.length === 1 ? subnets[0] : undefined;
  const nsgName = topology.nsgs[idKey(group.nsgId)]?.name ?? group.nsgId;
  const controllersPlace = isKubernetesOwner(owner)
    ? "restrict who reaches a Service with the Service's spec.loadBalancerSourceRanges instead"
    : `a restriction you need belongs in ${describeOwner(owner)}'s own configuration`;
  if (group.level === 'subnet') {
    return `${nsgName} is the NSG of subnet ${subnet?.name ?? 'of these backends'} itself, so no NSG of yours is on the probe's path: ${controllersPlace}`;
  }
  if (!subnet) return `or move the restriction to an NSG you own on the backends' subnets, ${allow}`;
  const subnetNsg = subnet.nsgId ? topology.nsgs[idKey(subnet.nsgId)] : undefined;
  if (subnet.nsgId && !ownerOf(topology, subnet.nsgId)) {
    return `or move the restriction to an NSG you own, ${subnetNsg?.name ?? subnet.nsgId} on subnet ${subnet.name}, ${allow}`;
  }
  const inControllersGroup = resourceGroupOf(subnet.id) === resourceGroupOf(group.nsgId);
  if (!subnet.nsgId && !inControllersGroup) {
    return `or move the restriction to an NSG you own associated with subnet ${subnet.name} (it has none today), ${allow}`;
  }
  const why = subnet.nsgId
    ? `subnet ${subnet.name}'s NSG ${subnetNsg?.name ?? subnet.nsgId} is the controller's too`
    : `subnet ${subnet.name} is in the controller's resource group and has no NSG`;
  return `${why}, so no NSG of yours is on the probe's path: ${controllersPlace}`;
}

/**
 * The NSG that blocks is a controller's: nothing is written to it (the controller rewrites it, and its
 * documentation says not to edit it by hand). The fix is `skipped` and says where the change belongs:
 * the Service that made the rule, or removing a hand-made rule from the controller's NSG.
 */
function controllerOwnedNsgFix(
  input: PlanInput,
  group: NsgGroup,
  blocker: SecurityRuleInfo,
): Omit<PlannedFix, 'needsApproval'> | undefined {
  const { topology } = input;
  const owner = ownerOf(topology, group.nsgId);
  if (!owner) return undefined;
  const nsgName = topology.nsgs[idKey(group.nsgId)]?.name ?? group.nsgId;
  const port = group.probe.port;
  const place = placeForRestriction(topology, group, owner);
  const change = CLOUD_PROVIDER_RULE.test(blocker.name)
    ? `rule ${blocker.name} was written by the Kubernetes cloud provider for a Service: change that Service (spec.loadBalancerSourceRanges, or the service.beta.kubernetes.io/azure-allowed-service-tags annotation) so it no longer denies ${PROBE_SOURCE_TAG} to port ${port}`
    : `rule ${blocker.name} (priority ${blocker.priority}) is not the controller's own: remove it from ${nsgName}${place.startsWith('or ') ? ', ' : '; '}${place}`;
  return {
    kind: 'nsg-allow-probe',
    target: group.nsgId,
    status: 'skipped',
    reason: `NSG ${nsgName} is owned by ${describeOwner(owner)}, which rewrites it: nothing is written there; ${change}`,
    detail: {
      controllerOwned: true,
      owner,
      backendIps: group.backends.flatMap((b) => (b.ipAddress ? [b.ipAddress] : [])),
      blockingRuleName: blocker.name,
      blockingPriority: blocker.priority,
      level: group.level,
      port,
      ...(isKubernetesOwner(owner) ? { kubernetes: true } : {}),
    },
    backendKeys: group.backends.map((b) => b.key),
  };
}

/**
 * Inbound denies above the blocker whose coverage of the probe the docs leave in doubt
 * (docs/probe-facts.md, "Settled from sources"): a source of `Internet` (the service-tags table says it
 * includes Azure-owned public space; 168.63.129.16 is Azure-owned, but it is the host's virtual IP and
 * `VirtualNetwork` covers it) or an Azure service tag such as `AzureCloud`, whose published ranges may
 * hold 168.63.129.16. The evaluator reads them as not matching the probe; the allow rule outranks them
 * anyway, so the fix holds whichever reading is Azure's.
 */
function uncertainDenies(
  nsg: { securityRules: SecurityRuleInfo[] } | undefined,
  blockingPriority: number,
  port: number,
): SecurityRuleInfo[] {
  const certain = new Set(['*', 'any', 'azureloadbalancer', 'virtualnetwork']);
  const coversPort = (range: string) => {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(range);
    if (range.trim() === '*') return true;
    return m ? port >= Number(m[1]) && port <= Number(m[2] ?? m[1]) : false;
  };
  return (nsg?.securityRules ?? []).filter(
    (r) =>
      r.direction === 'Inbound' &&
      r.access === 'Deny' &&
      r.priority < blockingPriority &&
      ['*', 'tcp'].includes(r.protocol.toLowerCase()) &&
      r.destinationPortRanges.some(coversPort) &&
      r.sourceAddressPrefixes.some((p) => /^[A-Za-z]/.test(p.trim()) && !certain.has(p.trim().toLowerCase())),
  );
}

/**
 * The allow rule for one group. `pinWhy`, when given, names the backends' own addresses as the
 * destination (with that reason) instead of what destination.ts would choose.
 */
function nsgFix(input: PlanInput, group: NsgGroup, pinWhy?: string): Omit<PlannedFix, 'needsApproval'> {
  const { topology, runId } = input;
  const nsg = topology.nsgs[idKey(group.nsgId)];
  const blockers = byPriority(group.blockers);
  const blocker = blockers[0] as SecurityRuleInfo;
  const owned = controllerOwnedNsgFix(input, group, blocker);
  if (owned) return owned;
  const ruleName = allowRuleName(topology.loadBalancer.id, group.probe.port);
  const destination =
    pinWhy !== undefined
      ? pinnedDestination(group.backends, blocker, pinWhy)
      : chooseDestination(topology, group.backends, blockers);
  const doubtful = uncertainDenies(nsg, blocker.priority, group.probe.port);
  const outrank = Math.min(blocker.priority, ...doubtful.map((r) => r.priority));
  const priority = nsg ? choosePriority(nsg, outrank, 'Inbound', ruleName) : undefined;
  const detail: AllowRuleDetail = {
    ruleName,
    priority: priority ?? blocker.priority,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefix: PROBE_SOURCE_TAG,
    sourcePortRange: '*',
    destinationAddressPrefixes: destination.prefixes,
    destinationApplicationSecurityGroupIds: destination.asgIds,
    destinationPortRange: String(group.probe.port),
    description: allowRuleDescription(topology.loadBalancer.name, group.probe.port, runId),
    blockingRuleName: blocker.name,
    blockingPriority: blocker.priority,
    level: group.level,
    port: group.probe.port,
    backendIps: group.backends.flatMap((b) => (b.ipAddress ? [b.ipAddress] : [])),
    destination: destination.reason,
    destinationBasis: destination.basis,
    ...(destination.futureGap ? { futureGap: destination.futureGap } : {}),
    ...(doubtful.length > 0
      ? {
          alsoOutranks: doubtful.map((r) => ({
            ruleName: r.name,
            priority: r.priority,
            why: `source ${r.sourceAddressPrefixes.join(', ')} may or may not cover 168.63.129.16 (docs/probe-facts.md)`,
          })),
        }
      : {}),
  };
  const base = {
    kind: 'nsg-allow-probe' as const,
    target: group.nsgId,
    backendKeys: group.backends.map((b) => b.key),
  };
  const nsgName = nsg?.name ?? group.nsgId;
  if (priority === undefined) {
    const why =
      blocker.priority <= 100
        ? `rule ${blocker.name} in NSG ${nsgName} sits at priority ${blocker.priority}, which no new rule can outrank`
        : `every priority from 100 to ${blocker.priority - 1} in NSG ${nsgName} is taken, so no new rule can outrank rule ${blocker.name} (${blocker.priority})`;
    return {
      ...base,
      status: 'skipped',
      reason: `${why}; nothing is written: change or remove ${blocker.name} so it does not deny ${PROBE_SOURCE_TAG} to port ${group.probe.port}`,
      detail: { ...detail, priority: null },
    };
  }
  const unproven = proveAllowRule(topology, group.nsgId, toSecurityRule(detail), group.backends, group.probe);
  if (unproven) {
    return { ...base, status: 'skipped', reason: `not planned: ${unproven}`, detail };
  }
  return { ...base, status: 'planned', detail };
}

/**
 * A group's fix, with the backends its NSGs shut off from every client set apart (lockdown.ts): for
 * them a skipped fix that says why, for the rest the allow rule as before. A controller's NSG is
 * skipped for its own reason first: nothing is written there either way.
 */
function lockdownAware(
  input: PlanInput,
  group: NsgGroup,
  reach: Map<string, ClientReach>,
): Omit<PlannedFix, 'needsApproval'>[] {
  const { topology } = input;
  if (ownerOf(topology, group.nsgId)) return [nsgFix(input, group)];
  const { locked, rest } = splitLockedOut(topology, group.backends, group.probe, reach);
  if (locked.length === 0) return [nsgFix(input, group)];
  const nsgName = topology.nsgs[idKey(group.nsgId)]?.name ?? group.nsgId;
  const skipped: Omit<PlannedFix, 'needsApproval'> = {
    kind: 'nsg-allow-probe',
    target: group.nsgId,
    status: 'skipped',
    reason: lockedOutReason(nsgName, group.probe, locked),
    detail: {
      clientsDenied: true,
      level: group.level,
      port: group.probe.port,
      blockingRuleName: byPriority(group.blockers)[0]?.name,
      backendIps: locked.flatMap((l) => (l.backend.ipAddress ? [l.backend.ipAddress] : [])),
      clientPorts: locked.map((l) => ({
        backend: l.backend.key,
        ports: l.ports.map((p) => ({
          port: p.port,
          protocol: 'Tcp',
          pairsTried: p.triedCount,
          deniedBy: p.deniedBy,
        })),
      })),
    },
    backendKeys: locked.map((l) => l.backend.key),
  };
  if (rest.length === 0) return [skipped];
  // The rest's own blockers: a rule that denies only a locked-out backend (its quarantine) is not theirs.
  const restGroup = {
    ...group,
    backends: rest,
    blockers: blockersAt(topology, group.nsgId, rest, group.probe),
  };
  const fix = nsgFix(input, restGroup);
  if (!opensProbeTo(topology, restGroup, fix, locked)) return [skipped, fix];
  // The rest's rule would reach the locked-out backends too (a subnet or ASG destination holds them):
  // it names the rest's own addresses instead, or is not written.
  const names = locked.map((l) => l.backend.ipAddress ?? l.backend.key).join(', ');
  const pinnedFix = nsgFix(
    input,
    restGroup,
    `only these backends: the pool's wider destination would also let the probe reach ${names}, which no client reaches`,
  );
  if (!opensProbeTo(topology, restGroup, pinnedFix, locked)) return [skipped, pinnedFix];
  return [
    skipped,
    {
      ...pinnedFix,
      status: 'skipped',
      reason: `not planned: the allow rule for ${rest.length === 1 ? 'this backend' : 'these backends'} would also let the probe reach ${names}, which no client reaches, and ${rest.length === 1 ? 'its address is' : 'their addresses are'} not all known to name instead`,
    },
  ];
}

/** The rules of NSG `nsgId` that deny `probe` to any of `backends`, each once. */
function blockersAt(
  topology: Topology,
  nsgId: string,
  backends: readonly BackendInfo[],
  probe: ProbeInfo,
): SecurityRuleInfo[] {
  const rules = new Map<string, SecurityRuleInfo>();
  for (const backend of backends) {
    for (const d of evaluateProbeInbound(topology, backend, probe).decisions) {
      if (d.access === 'Deny' && sameId(d.nsgId, nsgId)) rules.set(d.rule.name, d.rule);
    }
  }
  return [...rules.values()];
}

/** Whether a planned allow rule would let the probe through to any of the locked-out backends. */
function opensProbeTo(
  topology: Topology,
  group: NsgGroup,
  fix: Omit<PlannedFix, 'needsApproval'>,
  locked: readonly LockedOutBackend[],
): boolean {
  if (fix.status !== 'planned') return false;
  const rule = toSecurityRule(parseAllowRuleDetail(fix.detail));
  return locked.some(
    (l) => proveAllowRule(topology, group.nsgId, rule, [l.backend], group.probe) === undefined,
  );
}

/**
 * The NSG fixes: the IPv4 groups' allow rules, planned (written and proven when the run fixes), then
 * each IPv6 group's rule, advised: the probe's IPv6 source is link-local and probe-doctor's validation
 * covers IPv4 probes only, so it writes nothing it cannot prove; the advice names the exact rule, at a
 * priority the IPv4 rule does not take.
 */
function nsgFixes(input: PlanInput, groups: readonly NsgGroup[]): Omit<PlannedFix, 'needsApproval'>[] {
  const reach = new Map<string, ClientReach>();
  const v4 = groups.filter((g) => g.family === 'ipv4').flatMap((g) => lockdownAware(input, g, reach));
  const taken = (nsgId: string): number[] =>
    v4.flatMap((f) => {
      const priority = (f.detail as { priority?: unknown } | undefined)?.priority;
      return sameId(f.target, nsgId) && typeof priority === 'number' ? [priority] : [];
    });
  const v6 = groups.filter((g) => g.family === 'ipv6').map((g) => ipv6NsgFix(input, g, taken(g.nsgId)));
  return [...v4, ...v6];
}

function ipv6NsgFix(
  input: PlanInput,
  group: NsgGroup,
  takenPriorities: readonly number[],
): Omit<PlannedFix, 'needsApproval'> {
  const { topology, runId } = input;
  const nsg = topology.nsgs[idKey(group.nsgId)];
  const blockers = byPriority(group.blockers);
  const blocker = blockers[0] as SecurityRuleInfo;
  const owned = controllerOwnedNsgFix(input, group, blocker);
  if (owned) return owned;
  const ruleName = `${allowRuleName(topology.loadBalancer.id, group.probe.port)}-ipv6`;
  const doubtful = uncertainDenies(nsg, blocker.priority, group.probe.port);
  const outrank = Math.min(blocker.priority, ...doubtful.map((r) => r.priority));
  const occupied = takenPriorities.map((priority) => ({ direction: 'Inbound' as const, name: '', priority }));
  const priority = nsg
    ? choosePriority(
        { securityRules: [...nsg.securityRules, ...occupied] as SecurityRuleInfo[] },
        outrank,
        'Inbound',
        ruleName,
      )
    : undefined;
  const ips = group.backends.flatMap((b) => (b.ipAddress ? [b.ipAddress] : []));
  const nsgName = nsg?.name ?? group.nsgId;
  const detail: AllowRuleDetail = {
    ruleName,
    priority: priority ?? blocker.priority,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefix: PROBE_SOURCE_TAG,
    sourcePortRange: '*',
    destinationAddressPrefixes: ips,
    destinationApplicationSecurityGroupIds: [],
    destinationPortRange: String(group.probe.port),
    description: allowRuleDescription(topology.loadBalancer.name, group.probe.port, runId),
    blockingRuleName: blocker.name,
    blockingPriority: blocker.priority,
    level: group.level,
    port: group.probe.port,
    backendIps: ips,
    destination: `${ips.join(', ')} (the IPv6 addresses of the backends; an NSG rule cannot mix IPv4 and IPv6 prefixes)`,
    destinationBasis: 'backend-addresses',
  };
  const base = {
    kind: 'nsg-allow-probe' as const,
    target: group.nsgId,
    backendKeys: group.backends.map((b) => b.key),
  };
  if (priority === undefined) {
    return {
      ...base,
      status: 'skipped',
      reason: `no priority below ${blocker.priority} is free in NSG ${nsgName} for an IPv6 allow rule; nothing is written: change or remove ${blocker.name} so it does not deny ${PROBE_SOURCE_TAG} to port ${group.probe.port} on ${ips.join(', ')}`,
      detail: { ...detail, priority: null },
    };
  }
  const unproven = proveAllowRule(topology, group.nsgId, toSecurityRule(detail), group.backends, group.probe);
  const rule = `add to NSG ${nsgName} rule ${ruleName} at priority ${priority}: Allow TCP from ${PROBE_SOURCE_TAG} (the tag admits IPv6 probes, which come from a link-local source), any source port, to ${ips.join(', ')} port ${group.probe.port}`;
  return {
    ...base,
    status: 'skipped',
    reason: unproven
      ? `not planned: ${unproven}`
      : `advised, not written: ${rule}. An NSG rule cannot hold IPv4 and IPv6 prefixes together, so the IPv6 backends need a rule of their own, and probe-doctor writes only what it proves from inside the VNet, with IPv4 probes`,
    detail,
  };
}

function adminFixes(topology: Topology, diagnosis: Diagnosis): Omit<PlannedFix, 'needsApproval'>[] {
  const byRule = new Map<string, { cause: Cause; keys: string[] }>();
  for (const diagnosed of diagnosis.backends) {
    for (const cause of causesOf(diagnosed, 'nsg-blocks-probe')) {
      if (cause.evidence?.adminRule !== true) continue;
      const name = text(cause.evidence.ruleName, 'unknown');
      const entry = byRule.get(name) ?? { cause, keys: [] };
      entry.keys.push(diagnosed.key);
      byRule.set(name, entry);
    }
  }
  // The fix's target is what blocks: the network manager whose security admin configuration holds the
  // rule (the effective-NSG answer names it), not the load balancer, which nobody needs to change.
  const ips = (keys: readonly string[]) =>
    keys.flatMap((k) => {
      const ip = topology.backends.find((b) => idKey(b.key) === idKey(k))?.ipAddress;
      return ip ? [ip] : [];
    });
  return [...byRule.entries()].map(([name, { cause, keys }]) => {
    const manager =
      typeof cause.evidence?.networkManagerId === 'string' ? cause.evidence.networkManagerId : undefined;
    const managerName = manager?.split('/').filter(Boolean).pop();
    const where = managerName ? ` of network manager ${managerName}` : '';
    return {
      kind: 'nsg-allow-probe',
      target: manager ?? topology.loadBalancer.id,
      status: 'skipped',
      reason: `Azure Virtual Network Manager security admin rule ${name}${where} (priority ${String(cause.evidence?.priority)}) denies the probe and no NSG rule can override it; nothing is written: a network manager administrator must change or remove ${name} in the security admin configuration${managerName ? ` of ${managerName}` : ''} deployed to this virtual network so it no longer denies the probe from 168.63.129.16`,
      detail: {
        adminRule: true,
        ruleName: name,
        priority: cause.evidence?.priority ?? null,
        ...(manager ? { networkManagerId: manager } : {}),
        backendIps: ips(keys),
      },
      backendKeys: keys,
    };
  });
}

/**
 * An opt-in fix: planned only when the policy opts into it (approval, when required, is an extra gate
 * applied later); else a recommendation with the same change for a person.
 */
function optIn(
  input: PlanInput,
  kind: 'start-vm' | 'guest-firewall-allow',
  target: string,
  detail: Record<string, unknown>,
  change: string,
  backendKeys: string[],
): Omit<PlannedFix, 'needsApproval'> {
  const owner = ownerOf(input.topology, target);
  if (owner) {
    // A controller's node: starting it or editing its firewall by hand fights the controller.
    return {
      kind: 'recommendation',
      target,
      status: 'planned',
      reason: `${change}, through ${describeOwner(owner)} that owns this VM (probe-doctor does not change a controller's VM directly)`,
      detail: {
        causeId: kind === 'start-vm' ? 'vm-not-running' : 'guest-firewall-blocks-probe',
        ...detail,
        owner,
      },
      backendKeys,
    };
  }
  if (input.policy.optInFixes.includes(kind)) {
    return { kind, target, status: 'planned', detail, backendKeys };
  }
  return {
    kind: 'recommendation',
    target,
    status: 'planned',
    reason: `${change} (${kind} is not enabled: add it to PROBE_DOCTOR_OPT_IN_FIXES to let probe-doctor do it)`,
    detail: { causeId: kind === 'start-vm' ? 'vm-not-running' : 'guest-firewall-blocks-probe', ...detail },
    backendKeys,
  };
}

function vmFixes(input: PlanInput, backends: BackendsByKey): Omit<PlannedFix, 'needsApproval'>[] {
  const { topology, diagnosis } = input;
  const fixes = new Map<string, Omit<PlannedFix, 'needsApproval'>>();
  const add = (key: string, fix: Omit<PlannedFix, 'needsApproval'>) => {
    const existing = fixes.get(key);
    if (existing)
      existing.backendKeys.push(...fix.backendKeys.filter((k) => !existing.backendKeys.includes(k)));
    else fixes.set(key, fix);
  };
  for (const diagnosed of diagnosis.backends) {
    const backend = backendInfo(backends, diagnosed);
    const vmId = backend?.vmId;
    if (!backend || !vmId) continue;
    const vm = topology.vms[idKey(vmId)];
    for (const cause of causesOf(diagnosed, 'vm-not-running')) {
      const power = text(cause.evidence?.powerState, vm?.powerState ?? 'unknown');
      if (!/stopped|deallocated/i.test(power)) continue;
      add(
        `start|${idKey(vmId)}`,
        optIn(input, 'start-vm', vmId, { vmId, powerState: power }, `start VM ${vm?.name ?? vmId}`, [
          diagnosed.key,
        ]),
      );
    }
    for (const cause of causesOf(diagnosed, 'guest-firewall-blocks-probe')) {
      for (const probe of probesOf(topology, backend)) {
        const os = vm?.osType === 'Windows' ? 'windows' : 'linux';
        // A DROP in a chain ufw owns is changed through ufw (it rebuilds those chains), never iptables.
        const tool = firewallToolOf(cause.evidence ?? {});
        const evidence = { ...(cause.evidence ?? {}), ...(tool ? { tool } : {}) };
        const fixable = guestFirewallFixability(os, probe.port, evidence);
        // The finding this answers: one VM can hold several (an iptables DROP beside a firewalld rich
        // rule). Each gets its own fix or advice, keyed by tool and rule, and names the rule it is
        // about, so nothing is folded into another finding's fix, which would not touch it.
        const rule = typeof cause.evidence?.rule === 'string' ? cause.evidence.rule : null;
        const finding = { tool: tool ?? null, rule };
        const key = `fw|${idKey(vmId)}|${probe.port}|${tool ?? ''}|${fixable.ok ? '' : (rule ?? '')}`;
        if (!fixable.ok) {
          add(key, {
            kind: 'recommendation',
            target: vmId,
            status: 'planned',
            reason: `${fixable.change} on ${vm?.name ?? vmId}`,
            // No allow command for this one: an added allow cannot beat the rule (the reason says why).
            detail: {
              causeId: 'guest-firewall-blocks-probe',
              vmId,
              os,
              port: probe.port,
              ...finding,
              allowRuleHelps: false,
            },
            backendKeys: [diagnosed.key],
          });
          continue;
        }
        add(
          key,
          optIn(
            input,
            'guest-firewall-allow',
            vmId,
            {
              vmId,
              os,
              port: probe.port,
              ...finding,
              source: '168.63.129.16',
              ...(fixable.nft ? { nft: fixable.nft } : {}),
            },
            `allow TCP from 168.63.129.16 to port ${probe.port} in the ${text(tool, 'guest')} firewall of ${vm?.name ?? vmId}`,
            [diagnosed.key],
          ),
        );
      }
    }
  }
  return [...fixes.values()];
}

/** The write fix kind each cause would lead to. */
const WRITE_KIND: Partial<Record<Cause['id'], Exclude<FixKind, 'recommendation'>>> = {
  'nsg-blocks-probe': 'nsg-allow-probe',
  'vm-not-running': 'start-vm',
  'guest-firewall-blocks-probe': 'guest-firewall-allow',
};

/**
 * A backend whose probe is approaching the healthy threshold: every write its causes would lead to is
 * skipped with that reason, so a backend that is coming back is re-checked rather than changed.
 */
function recoveringFixes(diagnosed: DiagnosedBackend): Omit<PlannedFix, 'needsApproval'>[] {
  const out = new Map<string, Omit<PlannedFix, 'needsApproval'>>();
  for (const cause of diagnosed.causes) {
    const kind = WRITE_KIND[cause.id];
    if (!kind || out.has(kind)) continue;
    const target = text(
      kind === 'nsg-allow-probe' ? cause.evidence?.nsgId : undefined,
      diagnosed.vmId ?? diagnosed.key,
    );
    out.set(kind, {
      kind,
      target,
      status: 'skipped',
      reason: `backend ${diagnosed.ipAddress ?? diagnosed.key} reports ${APPROACHING_HEALTHY}: its probe has started to succeed, so nothing is written; re-check it after the next probe interval before acting`,
      detail: { healthReason: APPROACHING_HEALTHY, causeId: cause.id },
      backendKeys: [diagnosed.key],
    });
  }
  return [...out.values()];
}

function recommendations(input: PlanInput, backends: BackendsByKey): Omit<PlannedFix, 'needsApproval'>[] {
  const { topology, diagnosis } = input;
  const out = new Map<string, Omit<PlannedFix, 'needsApproval'>>();
  const add = (rec: ReturnType<typeof recommendForLoadBalancer>, keys: string[]) => {
    if (!rec) return;
    const key = `${idKey(rec.target)}|${rec.change}`;
    const existing = out.get(key);
    if (existing) existing.backendKeys.push(...keys);
    else {
      out.set(key, {
        kind: 'recommendation',
        target: rec.target,
        status: 'planned',
        reason: rec.change,
        detail: { causeId: rec.causeId },
        backendKeys: [...keys],
      });
    }
  };
  for (const cause of diagnosis.causes) add(recommendForLoadBalancer(topology, cause), []);
  // A probe port served nowhere is one load-balancer recommendation, not one per VM.
  const servedNowhere = (diagnosis.notes ?? []).filter((n) => n.id === 'probe-port-served-nowhere');
  const pooled = new Set<string>();
  for (const note of servedNowhere) {
    const rec = recommendForProbeServedNowhere(topology, note);
    if (!rec) continue;
    const keys = diagnosis.backends
      .filter((d) =>
        d.causes.some((c) => c.id === 'not-listening' && c.evidence?.port === note.evidence?.port),
      )
      .map((d) => d.key);
    keys.forEach((k) => pooled.add(`${idKey(k)}|${String(note.evidence?.port)}`));
    add(rec, keys);
  }
  for (const diagnosed of diagnosis.backends) {
    const backend = backendInfo(backends, diagnosed);
    if (!backend) continue;
    for (const cause of diagnosed.causes) {
      if (
        cause.id === 'not-listening' &&
        pooled.has(`${idKey(diagnosed.key)}|${String(cause.evidence?.port)}`)
      )
        continue;
      add(recommendForBackend(topology, backend, cause), [diagnosed.key]);
    }
  }
  return [...out.values()];
}

/**
 * Plans the fixes for one run. NSG allow rules are planned only when a free priority outranks the
 * blocking rule and the evaluator proves the probe passes that NSG with the rule added; otherwise they
 * are `skipped` with the reason (and the run escalates). Fixes that cannot be done stay `skipped` in
 * observe mode too; everything else is `planned` (observe mode never applies).
 */
export function planFixes(input: PlanInput): PlannedFix[] {
  const { topology, policy } = input;
  // Every fix answers a cause: a backend without one (the healthy pool) is left out once, here.
  const diagnosis = {
    ...input.diagnosis,
    backends: input.diagnosis.backends.filter((b) => b.causes.length > 0),
  };
  const recovering = diagnosis.backends.filter((b) => b.healthReason === APPROACHING_HEALTHY);
  const acting: PlanInput = {
    ...input,
    diagnosis: { ...diagnosis, backends: diagnosis.backends.filter((b) => !recovering.includes(b)) },
  };
  const wanted = new Set(diagnosis.backends.map((b) => idKey(b.key)));
  const backends = indexById(
    topology.backends.filter((b) => wanted.has(idKey(b.key))),
    (b) => b.key,
  );
  const fixes = [
    ...nsgFixes(acting, nsgGroups(topology, acting.diagnosis, backends)),
    ...adminFixes(topology, acting.diagnosis),
    ...vmFixes(acting, backends),
    ...recovering.flatMap(recoveringFixes),
    ...recommendations({ ...input, diagnosis }, backends),
  ];
  return fixes.map((fix) => ({
    ...fix,
    needsApproval:
      fix.status === 'planned' &&
      fix.kind !== 'recommendation' &&
      policy.approvalRequiredFor.includes(fix.kind),
  }));
}
