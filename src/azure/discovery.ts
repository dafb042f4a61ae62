/**
 * Topology discovery: from a load balancer id to everything its probe depends on (pools -> NIC IP
 * configurations -> NICs -> VMs, subnets via their VNet, NIC and subnet NSGs, ASGs, route tables).
 *
 * Reads go through the {@link TopologyReader} port, so discovery itself is plain logic: bounded
 * concurrency, each resource read once per run, and a resource that cannot be read (404, 403, other
 * failures) becomes a {@link TopologyProblem} instead of ending the run. Only the load balancer
 * itself is required.
 */
import type {
  VirtualMachine,
  VirtualMachineScaleSetVM,
  VirtualMachineScaleSetVMInstanceView,
} from '@azure/arm-compute';
import type {
  ApplicationSecurityGroup,
  LoadBalancer,
  NetworkInterface,
  NetworkSecurityGroup,
  RouteTable,
  VirtualNetwork,
} from '@azure/arm-network';
import ipaddr from 'ipaddr.js';
import pLimit from 'p-limit';
import { isInvalidArmAnswerError } from './armAnswer';
import { AzureCallError, ensureError, isAzureCallError } from '../errors';
import { idKey } from '../model/ids';
import type {
  BackendInfo,
  NicInfo,
  ResourceOwner,
  SubnetInfo,
  Topology,
  TopologyProblem,
  VirtualNetworkInfo,
  VmInfo,
} from '../model/topology';
import {
  mapAsg,
  mapLoadBalancer,
  mapNic,
  mapNsg,
  mapRouteTable,
  mapScaleSetVm,
  mapSubnet,
  mapVirtualMachine,
  mapVirtualNetwork,
  type PoolAddress,
} from './map';
import { detectOwner, type OwnershipInput, type ResourceGroupFacts } from './ownership';
import { nicIdOfIpConfiguration, parseLoadBalancerId, parseResourceId } from './resourceId';

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
  getLoadBalancer(id: string): Promise<LoadBalancer>;
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
}

/** Tags and `managedBy` as ARM returns them on any tracked resource. */
interface TrackedFacts {
  tags?: Record<string, string>;
  managedBy?: string;
}
const trackedFacts = (resource: unknown): TrackedFacts => {
  const r = (resource ?? {}) as { tags?: unknown; managedBy?: unknown };
  return {
    ...(r.tags && typeof r.tags === 'object' ? { tags: r.tags as Record<string, string> } : {}),
    ...(typeof r.managedBy === 'string' ? { managedBy: r.managedBy } : {}),
  };
};

/** Options of {@link discoverTopology}. */
export interface DiscoveryOptions {
  /** Reads in flight at once; ARM throttles per subscription, so keep it modest. Default 8. */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 8;

function problemOf(err: unknown, resourceId: string, referencedBy: string | undefined): TopologyProblem {
  const statusCode = isAzureCallError(err) ? err.statusCode : undefined;
  const kind: TopologyProblem['kind'] =
    statusCode === 404 ? 'not-found' : statusCode === 403 || statusCode === 401 ? 'forbidden' : 'error';
  return {
    resourceId,
    kind,
    ...(statusCode !== undefined ? { statusCode } : {}),
    message: ensureError(err).message,
    ...(referencedBy !== undefined ? { referencedBy } : {}),
  };
}

/** The VNet of a subnet id (its parent). */
function vnetIdOfSubnet(subnetId: string): string | undefined {
  try {
    return parseResourceId(subnetId).parentId;
  } catch {
    return undefined;
  }
}

function ipInPrefixes(ip: string, prefixes: readonly string[]): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const address = ipaddr.process(ip);
  return prefixes.some((p) => {
    if (!ipaddr.isValidCIDR(p)) return false;
    const [range, bits] = ipaddr.parseCIDR(p);
    return range.kind() === address.kind() && address.match(range, bits);
  });
}

/**
 * Discovers the topology of a load balancer.
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
  const limit = pLimit(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
  const problems: TopologyProblem[] = [];
  const memo = new Map<string, Promise<unknown>>();

  /** Reads once per (kind, id); a failure is recorded once and reads as undefined. */
  function readOnce<T>(
    kind: string,
    id: string,
    referencedBy: string | undefined,
    read: () => Promise<T>,
  ): Promise<T | undefined> {
    const key = `${kind}:${idKey(id)}`;
    let pending = memo.get(key) as Promise<T | undefined> | undefined;
    if (!pending) {
      pending = limit(read).catch((err: unknown) => {
        problems.push(problemOf(err, id, referencedBy));
        return undefined;
      });
      memo.set(key, pending);
    }
    return pending;
  }

  let lb: LoadBalancer;
  try {
    lb = await limit(() => reader.getLoadBalancer(lbId));
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
  const mapped = mapLoadBalancer(lb);
  const ownershipInputs: OwnershipInput[] = [
    {
      id: mapped.loadBalancer.id,
      name: mapped.loadBalancer.name,
      ...trackedFacts(lb),
      childNames: [...mapped.rules.map((r) => r.name), ...mapped.probes.map((p) => p.name)],
      isLoadBalancer: true,
    },
  ];

  // Backends by key, in pool order; a member of two pools is one backend with two pool ids.
  const backends = new Map<string, BackendInfo>();
  const poolKeys = new Map<string, string[]>();
  const addBackend = (poolId: string, backend: Omit<BackendInfo, 'poolIds'>): void => {
    const key = idKey(backend.key);
    const existing = backends.get(key);
    if (existing) {
      if (!existing.poolIds.some((p) => idKey(p) === idKey(poolId))) existing.poolIds.push(poolId);
    } else {
      backends.set(key, { ...backend, poolIds: [poolId] });
    }
    const keys = poolKeys.get(poolId) ?? [];
    if (!keys.includes(key)) keys.push(key);
    poolKeys.set(poolId, keys);
  };

  // IP-based members: ARM names the NIC IP configuration when it knows it; otherwise look for a NIC
  // in the member's VNet that holds the address (resource group first, then the subscription).
  const listNics = (scope: NicScope, referencedBy: string): Promise<NetworkInterface[] | undefined> => {
    const scopeId =
      `/subscriptions/${scope.subscriptionId}` +
      (scope.resourceGroup ? `/resourceGroups/${scope.resourceGroup}` : '');
    return readOnce('nic-list', scopeId, referencedBy, () => reader.listNetworkInterfaces(scope));
  };
  const findIpConfiguration = (
    nics: NetworkInterface[] | undefined,
    address: PoolAddress,
  ): string | undefined => {
    const vnetKey = address.virtualNetworkId ? idKey(address.virtualNetworkId) : undefined;
    for (const nic of nics ?? []) {
      for (const config of nic.ipConfigurations ?? []) {
        if (config.privateIPAddress !== address.ipAddress || !config.id) continue;
        const subnetVnet = config.subnet?.id ? vnetIdOfSubnet(config.subnet.id) : undefined;
        if (vnetKey === undefined || (subnetVnet !== undefined && idKey(subnetVnet) === vnetKey))
          return config.id;
      }
    }
    return undefined;
  };
  const resolveAddress = async (address: PoolAddress): Promise<string | undefined> => {
    if (address.ipConfigurationId) return address.ipConfigurationId;
    if (!address.ipAddress) return undefined;
    const scopeOf = address.virtualNetworkId ? parseResourceId(address.virtualNetworkId) : undefined;
    const subscriptionId = scopeOf?.subscriptionId ?? mapped.loadBalancer.subscriptionId;
    const resourceGroup = scopeOf?.resourceGroup ?? mapped.loadBalancer.resourceGroup;
    const inGroup = findIpConfiguration(
      await listNics({ subscriptionId, resourceGroup }, address.id),
      address,
    );
    if (inGroup) return inGroup;
    return findIpConfiguration(await listNics({ subscriptionId }, address.id), address);
  };

  for (const pool of mapped.pools) poolKeys.set(pool.poolId, []);
  const resolvedPools = await Promise.all(
    mapped.pools.map(async (pool) => ({
      pool,
      addresses: await Promise.all(
        pool.addresses.map(async (address) => ({
          address,
          // A malformed VNet id in the pool is the pool's problem, not the run's.
          ipConfigurationId: await resolveAddress(address).catch((err: unknown) => {
            problems.push(problemOf(err, address.id, pool.poolId));
            return undefined;
          }),
        })),
      ),
    })),
  );
  for (const { pool, addresses } of resolvedPools) {
    for (const ipConfigurationId of pool.ipConfigurationIds) {
      addBackend(pool.poolId, { key: ipConfigurationId, membership: 'nic', ipConfigurationId, asgIds: [] });
    }
    for (const { address, ipConfigurationId } of addresses) {
      addBackend(
        pool.poolId,
        ipConfigurationId
          ? { key: ipConfigurationId, membership: 'ip', ipConfigurationId, asgIds: [] }
          : {
              key: address.id,
              membership: 'ip',
              ...(address.ipAddress ? { ipAddress: address.ipAddress } : {}),
              ...(address.subnetId ? { subnetId: address.subnetId } : {}),
              ...(address.virtualNetworkId ? { virtualNetworkId: address.virtualNetworkId } : {}),
              asgIds: [],
            },
      );
    }
  }

  // NICs of the NIC-backed members.
  const nics: Record<string, NicInfo> = {};
  const nicBackends = [...backends.values()].filter((b) => b.ipConfigurationId);
  await Promise.all(
    nicBackends.map(async (backend) => {
      const configId = backend.ipConfigurationId as string;
      let nicId: string;
      try {
        nicId = nicIdOfIpConfiguration(configId);
      } catch (err) {
        problems.push(problemOf(err, configId, backend.poolIds[0]));
        return;
      }
      const nic = await readOnce('nic', nicId, configId, () =>
        reader.getNetworkInterface(nicId).then(mapNic),
      );
      if (!nic) return;
      nics[idKey(nic.id)] = nic;
      backend.nicId = nic.id;
      const config = nic.ipConfigurations.find((c) => idKey(c.id) === idKey(configId));
      if (!config) {
        problems.push({
          resourceId: configId,
          kind: 'not-found',
          message: `IP configuration ${configId} is not on NIC ${nic.id}`,
          referencedBy: backend.poolIds[0],
        });
        return;
      }
      if (config.privateIpAddress) backend.ipAddress = config.privateIpAddress;
      if (config.subnetId) {
        backend.subnetId = config.subnetId;
        const vnetId = vnetIdOfSubnet(config.subnetId);
        if (vnetId) backend.virtualNetworkId = vnetId;
      }
      backend.asgIds = [...config.asgIds];
      if (nic.primary !== undefined) backend.primaryNic = nic.primary;
      if (nic.vmId) backend.vmId = nic.vmId;
    }),
  );

  // VNets (one read each, for every subnet in them) and VMs, in parallel.
  const virtualNetworks: Record<string, VirtualNetworkInfo> = {};
  const subnets: Record<string, SubnetInfo> = {};
  const vms: Record<string, VmInfo> = {};
  const readVnet = (vnetId: string, referencedBy: string): Promise<VirtualNetwork | undefined> =>
    readOnce('vnet', vnetId, referencedBy, () => reader.getVirtualNetwork(vnetId));

  const subnetTasks = [...backends.values()].map(async (backend) => {
    if (!backend.virtualNetworkId) return;
    const vnet = await readVnet(backend.virtualNetworkId, backend.subnetId ?? backend.key);
    if (!vnet?.id) return;
    virtualNetworks[idKey(vnet.id)] = mapVirtualNetwork(vnet);
    // An IP-only member names its VNet, not its subnet: the subnet is the one whose prefix holds it.
    const subnet = backend.subnetId
      ? vnet.subnets?.find((s) => s.id && idKey(s.id) === idKey(backend.subnetId as string))
      : vnet.subnets?.find((s) =>
          ipInPrefixes(backend.ipAddress ?? '', [
            ...(s.addressPrefix ? [s.addressPrefix] : []),
            ...(s.addressPrefixes ?? []),
          ]),
        );
    if (!subnet?.id) {
      if (
        backend.subnetId &&
        !problems.some((p) => idKey(p.resourceId) === idKey(backend.subnetId as string))
      ) {
        problems.push({
          resourceId: backend.subnetId,
          kind: 'not-found',
          message: `subnet ${backend.subnetId} is not in virtual network ${vnet.id}`,
          referencedBy: backend.key,
        });
      }
      return;
    }
    backend.subnetId = subnet.id;
    subnets[idKey(subnet.id)] = mapSubnet(subnet, vnet.id);
  });
  const vmTasks = Object.values(nics).map(async (nic) => {
    if (!nic.vmId) return;
    const vmId = nic.vmId;
    const read = await readOnce('vm', vmId, nic.id, () => reader.getVirtualMachine(vmId));
    if (!read) return;
    const vm = read.kind === 'vm' ? mapVirtualMachine(read.vm) : mapScaleSetVm(read.vm, read.instanceView);
    vms[idKey(vm.id)] = vm;
    ownershipInputs.push({ id: vm.id, name: vm.name, ...trackedFacts(read.vm) });
  });
  await Promise.all([...subnetTasks, ...vmTasks]);

  // NSGs (NIC and subnet level) and route tables; then the ASGs the rules and IP configurations name.
  const nsgs: Topology['nsgs'] = {};
  const routeTables: Topology['routeTables'] = {};
  const nsgRefs = [
    ...Object.values(nics).flatMap((n) => (n.nsgId ? [{ id: n.nsgId, by: n.id }] : [])),
    ...Object.values(subnets).flatMap((s) => (s.nsgId ? [{ id: s.nsgId, by: s.id }] : [])),
  ];
  await Promise.all([
    ...nsgRefs.map(async ({ id, by }) => {
      const raw = await readOnce('nsg', id, by, () => reader.getNetworkSecurityGroup(id));
      if (!raw) return;
      const nsg = mapNsg(raw);
      nsgs[idKey(nsg.id)] = nsg;
      ownershipInputs.push({
        id: nsg.id,
        name: nsg.name,
        ...trackedFacts(raw),
        childNames: nsg.securityRules.map((r) => r.name),
      });
    }),
    ...Object.values(subnets).map(async (s) => {
      if (!s.routeTableId) return;
      const id = s.routeTableId;
      const table = await readOnce('rt', id, s.id, () => reader.getRouteTable(id).then(mapRouteTable));
      if (table) routeTables[idKey(table.id)] = table;
    }),
  ]);

  const asgs: Topology['asgs'] = {};
  const asgRefs = [
    ...[...backends.values()].flatMap((b) => b.asgIds.map((id) => ({ id, by: b.key }))),
    ...Object.values(nsgs).flatMap((n) =>
      [...n.securityRules, ...n.defaultSecurityRules].flatMap((r) =>
        [...r.sourceApplicationSecurityGroupIds, ...r.destinationApplicationSecurityGroupIds].map((id) => ({
          id,
          by: r.id ?? n.id,
        })),
      ),
    ),
  ];
  await Promise.all(
    asgRefs.map(async ({ id, by }) => {
      const asg = await readOnce('asg', id, by, () => reader.getApplicationSecurityGroup(id).then(mapAsg));
      if (asg) asgs[idKey(asg.id)] = asg;
    }),
  );

  // The resource group of everything read: its `managedBy` and tags speak for all it holds. Read once
  // per group; a group that cannot be read is a problem like any other read, and its members keep
  // their own signs of ownership.
  const groups = new Map<string, { subscriptionId: string; resourceGroup: string; id: string }>();
  for (const input of ownershipInputs) {
    try {
      const parsed = parseResourceId(input.id);
      const id = `/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}`;
      groups.set(idKey(id), {
        subscriptionId: parsed.subscriptionId,
        resourceGroup: parsed.resourceGroup,
        id,
      });
    } catch {
      // An id discovery could not parse names no resource group.
    }
  }
  const groupFacts = new Map<string, ResourceGroupFacts>();
  const readGroup = reader.getResourceGroup?.bind(reader);
  if (readGroup) {
    await Promise.all(
      [...groups.entries()].map(async ([key, g]) => {
        const facts = await readOnce('rg', g.id, undefined, () =>
          readGroup(g.subscriptionId, g.resourceGroup),
        );
        if (facts) groupFacts.set(key, facts);
      }),
    );
  }
  for (const input of ownershipInputs) {
    try {
      const parsed = parseResourceId(input.id);
      const facts = groupFacts.get(
        idKey(`/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}`),
      );
      if (facts) input.resourceGroup = facts;
    } catch {
      // As above.
    }
  }
  const owners = detectOwners(ownershipInputs);

  return {
    loadBalancer: mapped.loadBalancer,
    probes: mapped.probes,
    rules: mapped.rules,
    pools: mapped.pools.map((p) => ({
      id: p.poolId,
      name: p.name,
      backendKeys: (poolKeys.get(p.poolId) ?? []).map((k) => (backends.get(k) as BackendInfo).key),
    })),
    backends: [...backends.values()],
    nics,
    subnets,
    virtualNetworks,
    nsgs,
    routeTables,
    vms,
    asgs,
    owners,
    problems,
  };
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
