/**
 * Topology discovery: from a load balancer id to everything its probe depends on (pools -> NIC IP
 * configurations -> NICs -> VMs, subnets via their VNet, NIC and subnet NSGs, ASGs, route tables).
 *
 * Reads go through the {@link TopologyReader} port, so discovery itself is plain logic: bounded
 * concurrency, each resource read once per run, and a resource that cannot be read (404, 403, other
 * failures) becomes a {@link TopologyProblem} instead of ending the run. Only the load balancer
 * itself is required.
 *
 * Health first: with a {@link DiscoveryOptions.focus}, the load balancer's own GET (rules, pools,
 * members) and its rules' list are all that is read before the caller says which backends fail; the
 * list only lets the caller start the rules' health sooner ({@link DiscoveryOptions.rulesListed}). Only
 * the failing backends are read in
 * depth, plus, when fix-mode validation will need one ({@link DiscoveryOptions.validationPeers}), one
 * healthy peer per virtual network. The parts live in ./discovery/:
 * the read discipline (reads.ts), the pool members (members.ts), one backend in depth (backend.ts).
 */
import type {
  VirtualMachine,
  VirtualMachineScaleSet,
  VirtualMachineScaleSetVM,
  VirtualMachineScaleSetVMInstanceView,
} from '@azure/arm-compute';
import type {
  ApplicationSecurityGroup,
  LoadBalancer,
  LoadBalancingRule,
  NetworkInterface,
  NetworkSecurityGroup,
  RouteTable,
  VirtualNetwork,
} from '@azure/arm-network';
import { isInvalidArmAnswerError } from './armAnswer';
import { AzureCallError, ensureError, isAzureCallError } from '../errors';
import { idKey, sameId } from '../model/ids';
import type {
  BackendInfo,
  LoadBalancingRuleInfo,
  ResourceOwner,
  Topology,
  VirtualNetworkInfo,
} from '../model/topology';
import { BackendDiscovery, emptyParts, inVirtualNetwork, trackedFacts } from './discovery/backend';
import { poolBackends } from './discovery/members';
import { ReadOnce } from './discovery/reads';
import { mapLoadBalancer, mapLoadBalancingRule } from './map';
import { detectOwner, type OwnershipInput, type ResourceGroupFacts } from './ownership';
import { parseLoadBalancerId, parseResourceId } from './resourceId';
import { nextMacrotask } from '../util/nextMacrotask';

/** A VM or scale set VM as read, with its instance view. */
export type VmRead =
  | { kind: 'vm'; vm: VirtualMachine }
  | { kind: 'vmss-vm'; vm: VirtualMachineScaleSetVM; instanceView?: VirtualMachineScaleSetVMInstanceView };

/** Where to list NICs when resolving an IP-based pool member. */
export interface NicScope {
  subscriptionId: string;
  /** Omitted: the whole subscription. */
  resourceGroup?: string;
}

/**
 * The reads discovery needs. Implementations throw {@link AzureCallError} (with `statusCode`) on
 * failure; the SDK adapter is {@link createSdkTopologyReader} in ./topologyReader.
 */
export interface TopologyReader {
  /**
   * The load balancer. `beforePools`, when given, may be called first with the same answer without
   * its backend pools (every other part converted and checked): what a caller needs to start reading
   * the rules' health while the pools, the bulk of a large answer (838 KB at 1,000 members), are
   * converted and checked.
   */
  getLoadBalancer(id: string, beforePools?: (withoutPools: LoadBalancer) => void): Promise<LoadBalancer>;
  /**
   * The load balancer's rules, from their own list (LoadBalancerLoadBalancingRules_List): a few KB
   * however large the pools, so a caller reading the rules' health can start it before the load
   * balancer's own answer (838 KB at 1,000 members) has arrived. Optional: without it the rules come
   * from the load balancer's GET alone.
   */
  listLoadBalancingRules?(
    loadBalancerId: string,
    options?: { abortSignal?: AbortSignal },
  ): Promise<LoadBalancingRule[]>;
  /** A NIC, including a scale set VM's (`.../virtualMachineScaleSets/ss/virtualMachines/3/networkInterfaces/n`). */
  getNetworkInterface(id: string): Promise<NetworkInterface>;
  /** NICs of a resource group or a subscription (regular NICs only: scale set NICs are not listed). */
  listNetworkInterfaces(scope: NicScope): Promise<NetworkInterface[]>;
  getVirtualNetwork(id: string): Promise<VirtualNetwork>;
  getNetworkSecurityGroup(id: string): Promise<NetworkSecurityGroup>;
  getApplicationSecurityGroup(id: string): Promise<ApplicationSecurityGroup>;
  getRouteTable(id: string): Promise<RouteTable>;
  /** A VM (read with its instance view) or a scale set VM (and its instance view). */
  getVirtualMachine(id: string): Promise<VmRead>;
  /**
   * A resource group (Resource Groups - Get): its `managedBy` and tags show a controller that owns
   * everything in it (an AKS node resource group is managed by its cluster, whatever its name).
   * Optional: a reader without it leaves ownership to the resources' own signs.
   */
  getResourceGroup?(subscriptionId: string, resourceGroup: string): Promise<ResourceGroupFacts>;
  /**
   * A scale set's model (Virtual Machine Scale Sets - Get): where the instances it adds will land, so
   * a fix can cover them. Optional: a reader without it leaves fixes to today's instances.
   */
  getVirtualMachineScaleSet?(id: string): Promise<VirtualMachineScaleSet>;
}

/**
 * The load balancer and its backends as its own GET gives them, before anything else is read: what a
 * {@link DiscoveryOptions.focus} decides on. NIC-based backends carry only their IP configuration id.
 */
export type FocusView = Topology;

/** The load balancer and its rules and probes as its GET gives them, before any pool member is mapped. */
export type RulesView = Pick<Topology, 'loadBalancer' | 'rules' | 'probes'>;

/** Which backends to read in depth, from the probe health (src/app/health.ts decides). */
export interface DiscoveryFocus {
  /** {@link idKey}s of the backends that need the cause checks: each is read in depth. */
  failing: ReadonlySet<string>;
  /**
   * {@link idKey}s of the backends the health answer says are up, with the address it gives: they
   * appear in the topology with that address alone, and one `up` on every rule per virtual network is
   * read in depth as the peer validation tests from. A function, called once: discovery asks for it
   * after the failing backends' first reads are on their way, so a pool of thousands is gone through
   * while Azure answers them, not before they are sent.
   */
  healthy: () => ReadonlyMap<string, HealthyMember>;
}

/** What the health answer says of a backend that needs no checks. */
export interface HealthyMember {
  /** The address the health answer gives (it stands for the NIC read not made). */
  ipAddress?: string;
  /** Up on every rule the backend is in: a peer candidate. */
  up: boolean;
}

/** Options of {@link discoverTopology}. */
export interface DiscoveryOptions {
  /** Reads in flight at once; ARM throttles per subscription, so keep it modest. Default 8. */
  concurrency?: number;
  /**
   * Health first: called with the load balancer's own parts before any backend is read; returns which
   * backends to read in depth, or undefined to read every one (a Basic load balancer, health that
   * could not be read for every probed rule). A throw reads every one too.
   */
  focus?: (view: FocusView) => Promise<DiscoveryFocus | undefined>;
  /**
   * Called once the load balancer's rules are known, before its pool members are mapped: a caller
   * that reads the rules' health (a long-running POST per rule) starts it here, so mapping a pool of
   * thousands runs while Azure computes the answer instead of before the request is sent.
   */
  rulesKnown?: (view: RulesView) => void;
  /**
   * Called with the load balancer's rules from their own list (when the reader has
   * {@link TopologyReader.listLoadBalancingRules}), if that small answer arrives before the load
   * balancer's own: a caller that reads the rules' health starts it here, before the load balancer's
   * answer, which lists every pool member, has been received. The list is read alongside the load
   * balancer, never instead of it: {@link rulesKnown} is still called, with the load balancer's rules
   * and its SKU (which the list does not give). Not called when the list fails, or answers once the
   * rules are known or the load balancer's read has settled (answered or failed).
   */
  rulesListed?: (rules: LoadBalancingRuleInfo[]) => void;
  /**
   * With a focus: also read one healthy peer per virtual network of a failing backend in depth (its
   * NIC, VM and NSG), the VM fix-mode validation runs its TCP test from (src/remediate/validate.ts).
   * Observe mode validates nothing and leaves it off: three reads fewer on the activity's chain.
   * Default true.
   */
  validationPeers?: boolean;
  /**
   * With a focus: the first `count` failing backends (in topology order) have their NIC and VM read
   * before any other read of the backends' (their network, the other failing backends, peers), and
   * `vmRead` is called for each as soon as its VM is read (or could not be), with its place among the
   * failing backends and what the topology holds so far (the VM under `vms`, the load balancer's
   * rules and probes; not yet the healthy members' addresses from the health answer, which are set
   * once these reads are done). A caller that starts those backends' Run Commands here has them running while
   * discovery reads the rest. A throw of `vmRead` is ignored: discovery goes on.
   */
  failingVmsFirst?: {
    count: number;
    vmRead: (backend: BackendInfo, index: number, topology: Topology) => void;
  };
}

const DEFAULT_CONCURRENCY = 8;

/** A promise and its resolve, for a wait on something another task settles. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T | Promise<T>) => void } {
  let resolve!: (value: T | Promise<T>) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
/** Healthy candidates tried per virtual network before validation goes without a peer there. */
const PEER_ATTEMPTS = 3;

/**
 * The load balancer's GET: the one read whose failure ends the run.
 *
 * @throws AzureCallError naming what went wrong (not found, access denied, cannot be read).
 * @throws InvalidArmAnswerError when the answer breaks ARM's invariants (never retried).
 */
async function readLoadBalancer(
  reader: TopologyReader,
  reads: ReadOnce,
  lbId: string,
  beforePools?: (withoutPools: LoadBalancer) => void,
) {
  try {
    return await reads.bounded(() => reader.getLoadBalancer(lbId, beforePools));
  } catch (err) {
    // An answer that breaks ARM's invariants is invalid data: said as it is, never retried.
    if (isInvalidArmAnswerError(err)) throw err;
    const base = isAzureCallError(err) ? err : undefined;
    const what =
      base?.statusCode === 404 ? 'not found' : base?.statusCode === 403 ? 'access denied' : 'cannot be read';
    throw new AzureCallError(
      `load balancer ${what}: ${lbId}: ${ensureError(err).message}`,
      lbId,
      base?.statusCode,
      base?.code,
      { cause: err },
    );
  }
}

/**
 * Sends the rules' own list ({@link TopologyReader.listLoadBalancingRules}) and hands its rules to
 * `listed` if they are `stillWanted` when it answers. One request outside the read limit, so a slow or
 * stuck list never holds the load balancer's GET (or any other read) back. A list that fails (a role
 * without loadBalancingRules/read, throttling, a rule without an id, the abort) only loses the head
 * start: the rules come from the load balancer's answer. Returns what aborts it; undefined when the
 * reader has no such list.
 */
function listRulesAhead(
  reader: TopologyReader,
  lbId: string,
  listed: (rules: LoadBalancingRuleInfo[]) => void,
  stillWanted: () => boolean,
): AbortController | undefined {
  if (!reader.listLoadBalancingRules) return undefined;
  const abort = new AbortController();
  void reader
    .listLoadBalancingRules(lbId, { abortSignal: abort.signal })
    .then((rules) => {
      if (stillWanted()) listed(rules.map(mapLoadBalancingRule));
    })
    .catch(() => undefined);
  return abort;
}

/** What the focus callback answers; a throw (health unreadable) reads every backend. */
async function focusOf(options: DiscoveryOptions, view: FocusView): Promise<DiscoveryFocus | undefined> {
  if (!options.focus) return undefined;
  try {
    return await options.focus(view);
  } catch {
    return undefined;
  }
}

/**
 * Discovers the topology of a load balancer: every backend in depth, or with a focus only the
 * failing ones and one healthy peer per virtual network they are in.
 *
 * @throws InvalidInputError when `lbId` is not a load balancer id.
 * @throws AzureCallError when the load balancer itself cannot be read.
 */
export async function discoverTopology(
  reader: TopologyReader,
  lbId: string,
  options: DiscoveryOptions = {},
): Promise<Topology> {
  parseLoadBalancerId(lbId);
  const reads = new ReadOnce(options.concurrency ?? DEFAULT_CONCURRENCY);
  // The rules are announced as soon as the answer's parts other than the pools are read, so a caller
  // reading their health has its requests out before the pools are converted and mapped.
  let rulesAnnounced = false;
  const announceRules = (view: RulesView) => {
    if (rulesAnnounced || !options.rulesKnown) return;
    rulesAnnounced = true;
    options.rulesKnown(view);
  };
  // The rules' own list, sent first and not awaited: the load balancer's GET goes out right behind it.
  // Once the load balancer's read has settled (answered or failed) the list is of no use.
  let loadBalancerSettled = false;
  const listing =
    options.rulesListed &&
    listRulesAhead(reader, lbId, options.rulesListed, () => !rulesAnnounced && !loadBalancerSettled);
  let lb: LoadBalancer;
  try {
    lb = await readLoadBalancer(
      reader,
      reads,
      lbId,
      options.rulesKnown &&
        ((withoutPools) => {
          try {
            const early = mapLoadBalancer(withoutPools);
            announceRules({ loadBalancer: early.loadBalancer, rules: early.rules, probes: early.probes });
          } catch {
            // Announced from the whole answer below, or the whole answer's own error ends the run.
          }
        }),
    );
  } finally {
    loadBalancerSettled = true;
    listing?.abort();
  }
  const mapped = mapLoadBalancer(lb);
  if (options.rulesKnown && !rulesAnnounced) {
    announceRules({ loadBalancer: mapped.loadBalancer, rules: mapped.rules, probes: mapped.probes });
    // A request just started is only written to its socket once the event loop turns: mapping the
    // pool's members at once would hold the health requests back.
    await nextMacrotask();
  }
  const ownershipInputs: OwnershipInput[] = [
    {
      id: mapped.loadBalancer.id,
      name: mapped.loadBalancer.name,
      ...trackedFacts(lb),
      childNames: [...mapped.rules.map((r) => r.name), ...mapped.probes.map((p) => p.name)],
      isLoadBalancer: true,
    },
  ];
  const { backends, poolKeys } = await poolBackends(reader, reads, mapped);
  const deep = new BackendDiscovery(reader, reads, emptyParts(ownershipInputs));
  const { nics, subnets, virtualNetworks, nsgs, routeTables, vms, asgs, scaleSets } = deep.parts;
  const all = [...backends.values()];
  const skeleton: Topology = {
    loadBalancer: mapped.loadBalancer,
    probes: mapped.probes,
    rules: mapped.rules,
    pools: mapped.pools.map((p) => ({
      id: p.poolId,
      name: p.name,
      backendKeys: (poolKeys.get(p.poolId) ?? []).map((k) => (backends.get(k) as BackendInfo).key),
    })),
    backends: all,
    // The same records discovery fills in place: empty while the focus decides.
    nics,
    subnets,
    virtualNetworks,
    nsgs,
    routeTables,
    vms,
    asgs,
    scaleSets,
    problems: reads.problems,
  };

  const focusing = focusOf(options, skeleton);
  // The load balancer's resource group (its `managedBy` speaks for what it holds) is read while the
  // health is, not after the backends: readResourceGroups below finds it read.
  void readResourceGroup(reader, reads, mapped.loadBalancer.id);
  const focus = await focusing;
  if (!focus) {
    await Promise.all(all.map((b) => deep.discover(b)));
  } else {
    const first = options.failingVmsFirst;
    await discoverFocused(
      deep,
      backends,
      focus,
      options.validationPeers ?? true,
      first && {
        count: first.count,
        vmRead: (backend, index) => {
          try {
            first.vmRead(backend, index, skeleton);
          } catch {
            // The caller's business: discovery's reads go on.
          }
        },
      },
    );
  }

  await readResourceGroups(reader, reads, deep.parts.ownershipInputs);
  return { ...skeleton, owners: detectOwners(deep.parts.ownershipInputs) };
}

/** `/subscriptions/{s}/resourceGroups/{rg}` of a resource id; undefined for an id that does not parse. */
function resourceGroupIdOf(
  id: string,
): { subscriptionId: string; resourceGroup: string; id: string } | undefined {
  try {
    const { subscriptionId, resourceGroup } = parseResourceId(id);
    return {
      subscriptionId,
      resourceGroup,
      id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`,
    };
  } catch {
    return undefined;
  }
}

/** The one read of the resource group `memberId` sits in; undefined when it cannot be read or named. */
function readResourceGroup(
  reader: TopologyReader,
  reads: ReadOnce,
  memberId: string,
): Promise<ResourceGroupFacts | undefined> {
  const group = resourceGroupIdOf(memberId);
  const readGroup = reader.getResourceGroup?.bind(reader);
  if (!group || !readGroup) return Promise.resolve(undefined);
  return reads.read('rg', group.id, undefined, () => readGroup(group.subscriptionId, group.resourceGroup));
}

/**
 * The resource group of everything read: its `managedBy` and tags speak for all it holds. Read once per
 * group; a group that cannot be read is a problem like any other read, and its members keep their own
 * signs of ownership.
 */
async function readResourceGroups(
  reader: TopologyReader,
  reads: ReadOnce,
  inputs: OwnershipInput[],
): Promise<void> {
  const groups = new Map<string, string>();
  for (const input of inputs) {
    const group = resourceGroupIdOf(input.id);
    if (group) groups.set(idKey(group.id), input.id);
  }
  const facts = new Map<string, ResourceGroupFacts>();
  await Promise.all(
    [...groups.entries()].map(async ([key, memberId]) => {
      const read = await readResourceGroup(reader, reads, memberId);
      if (read) facts.set(key, read);
    }),
  );
  for (const input of inputs) {
    const group = resourceGroupIdOf(input.id);
    const read = group ? facts.get(idKey(group.id)) : undefined;
    if (read) input.resourceGroup = read;
  }
}

/**
 * The first few healthy backends that can be in `vnet` (their VNet, else their address, says so),
 * at most {@link PEER_ATTEMPTS}, chosen before any read (a pool may hold thousands).
 */
function peerCandidates(healthy: readonly BackendInfo[], vnet: VirtualNetworkInfo): BackendInfo[] {
  const candidates: BackendInfo[] = [];
  for (const b of healthy) {
    if (candidates.length === PEER_ATTEMPTS) break;
    const inNetwork = b.virtualNetworkId
      ? sameId(b.virtualNetworkId, vnet.id)
      : b.ipAddress !== undefined && inVirtualNetwork(b.ipAddress, vnet);
    if (inNetwork) candidates.push(b);
  }
  return candidates;
}

/**
 * Reads `candidates` in depth one after another and gives the VM id of the first whose VM runs with a
 * known OS in `vnet` (what validation's TCP test and Network Watcher's check need); undefined if none.
 */
async function firstPeerVm(
  deep: BackendDiscovery,
  candidates: readonly BackendInfo[],
  vnet: VirtualNetworkInfo,
): Promise<string | undefined> {
  for (const candidate of candidates) {
    await deep.discover(candidate);
    const vm = candidate.vmId ? deep.parts.vms[idKey(candidate.vmId)] : undefined;
    if (vm?.powerState === 'running' && vm.osType && sameId(candidate.virtualNetworkId, vnet.id))
      return vm.id;
  }
  return undefined;
}

/**
 * The failing backends in depth, each followed (with `withPeers`) as soon as its virtual network is
 * known by the search for that network's peer: the first healthy backend whose address is in the
 * network and whose VM runs with a known OS (what validation's TCP test needs), at most
 * {@link PEER_ATTEMPTS} tried.
 */
async function discoverFocused(
  deep: BackendDiscovery,
  backends: ReadonlyMap<string, BackendInfo>,
  focus: DiscoveryFocus,
  withPeers: boolean,
  vmsFirst?: { count: number; vmRead: (backend: BackendInfo, index: number) => void },
) {
  // The failing members, in pool order, by the keys they were indexed under: their reads start first.
  const failing: BackendInfo[] = [];
  for (const [key, backend] of backends) if (focus.failing.has(key)) failing.push(backend);
  // The healthy members (a pool may hold thousands) once those reads are on their way.
  let healthy: BackendInfo[] | undefined;
  const healthyMembers = (): BackendInfo[] => (healthy ??= withHealthAddresses(backends, focus, withPeers));
  const peers = new Map<string, Promise<void>>();
  const peerIn = (vnet: VirtualNetworkInfo): Promise<void> => {
    const key = idKey(vnet.id);
    let pending = peers.get(key);
    if (!pending) {
      pending = firstPeerVm(deep, peerCandidates(healthyMembers(), vnet), vnet).then(() => undefined);
      peers.set(key, pending);
    }
    return pending;
  };
  // A caller that starts work on the first failing backends' VMs (their checks' Run Commands) has
  // those reads go first: everything else (their network, the large virtual network among it, the
  // other failing backends, peers) follows once those VMs are read, and runs while the commands do.
  const firstCount = vmsFirst ? Math.min(vmsFirst.count, failing.length) : 0;
  const vmReads = Array.from({ length: firstCount }, () => deferred<unknown>());
  const rest = firstCount > 0 ? Promise.all(vmReads.map((d) => d.promise)) : undefined;
  const discovering = Promise.all(
    failing.map(async (backend, index) => {
      if (index >= firstCount) {
        if (rest) await rest;
        await deep.discover(backend);
      } else {
        try {
          await deep.discover(backend, {
            vmRead: () => vmsFirst?.vmRead(backend, index),
            vmSettled: (vm) => vmReads[index]?.resolve(vm.catch(() => undefined)),
            ...(rest ? { networkAfter: rest } : {}),
          });
        } finally {
          // Never leaves the others waiting: a backend whose reads threw counts as read.
          vmReads[index]?.resolve(undefined);
        }
      }
      const vnet = backend.virtualNetworkId
        ? deep.parts.virtualNetworks[idKey(backend.virtualNetworkId)]
        : undefined;
      if (vnet && withPeers) await peerIn(vnet);
    }),
  );
  // Seen here too, so a failure while the turn below passes is not taken for an unhandled one; the
  // await at the end still throws it.
  discovering.catch(() => undefined);
  // Once the first failing backends' VMs are read (their Run Commands started) and one more turn of
  // the event loop has put those requests on the wire: until then this thread is theirs.
  if (rest) await rest;
  await nextMacrotask();
  healthyMembers();
  await discovering;
}

/**
 * Gives each healthy member the address the health answer gives it (it stands for the NIC read not
 * made), in one pass over the pool by the keys the members were indexed under; returns, with
 * `withPeers`, those up on every rule: the peer candidates, in pool order.
 */
function withHealthAddresses(
  backends: ReadonlyMap<string, BackendInfo>,
  focus: DiscoveryFocus,
  withPeers: boolean,
): BackendInfo[] {
  const seenHealthy = focus.healthy();
  const candidates: BackendInfo[] = [];
  for (const [key, backend] of backends) {
    const seen = seenHealthy.get(key);
    if (!seen) continue;
    if (seen.ipAddress && !backend.ipAddress) backend.ipAddress = seen.ipAddress;
    if (withPeers && seen.up && !focus.failing.has(key)) candidates.push(backend);
  }
  return candidates;
}

/**
 * A healthy peer's VM, searched for after discovery, when it read none (observe mode reads no peer):
 * for the virtual network of each of `targets` in turn, the first of `healthy` (in their order) whose
 * address is in the network and whose VM runs with a known OS, at most {@link PEER_ATTEMPTS} tried
 * per network, as the search during discovery picks it. Undefined when no candidate qualifies.
 *
 * @param targets - the backends a test would reach, read in depth (their virtual network is known).
 * @param healthy - backends up on their probes, as the topology lists them (not read in depth).
 */
export async function findPeerVm(
  reader: TopologyReader,
  topology: Topology,
  targets: readonly BackendInfo[],
  healthy: readonly BackendInfo[],
): Promise<string | undefined> {
  const deep = new BackendDiscovery(reader, new ReadOnce(DEFAULT_CONCURRENCY), emptyParts([]));
  const tried = new Set<string>();
  for (const target of targets) {
    const vnet = target.virtualNetworkId
      ? topology.virtualNetworks[idKey(target.virtualNetworkId)]
      : undefined;
    if (!vnet || tried.has(idKey(vnet.id))) continue;
    tried.add(idKey(vnet.id));
    // Read into copies: the stored topology stays as discovery left it.
    const candidates = peerCandidates(healthy, vnet).map((b) => ({
      ...b,
      asgIds: [...b.asgIds],
      poolIds: [...b.poolIds],
    }));
    const vmId = await firstPeerVm(deep, candidates, vnet);
    if (vmId) return vmId;
  }
  return undefined;
}

/** Ownership of each resource read, by {@link idKey} (src/azure/ownership.ts says from what). */
function detectOwners(inputs: OwnershipInput[]): Record<string, ResourceOwner> {
  const owners: Record<string, ResourceOwner> = {};
  for (const input of inputs) {
    const owner = detectOwner(input);
    if (owner) owners[idKey(input.id)] = owner;
  }
  return owners;
}
