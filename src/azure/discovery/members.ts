/**
 * The backends of a load balancer from its own GET: every pool member, NIC-based (the pool names the
 * NIC IP configuration) or IP-based (the pool names an address, resolved to a NIC IP configuration
 * when a NIC in the member's VNet holds it). A member of two pools is one backend with two pool ids.
 */
import type { NetworkInterface } from '@azure/arm-network';
import { idKey } from '../../model/ids';
import type { BackendInfo } from '../../model/topology';
import type { MappedLoadBalancer, PoolAddress } from '../map';
import { parseResourceId } from '../resourceId';
import type { NicScope, TopologyReader } from '../discovery';
import { problemOf, type ReadOnce } from './reads';

/** The VNet of a subnet id (its parent). */
export function vnetIdOfSubnet(subnetId: string): string | undefined {
  try {
    return parseResourceId(subnetId).parentId;
  } catch {
    return undefined;
  }
}

/** The backends, by idKey in pool order, and each pool's member keys. */
export interface PoolBackends {
  backends: Map<string, BackendInfo>;
  /** Pool id -> idKeys of its members, in pool order. */
  poolKeys: Map<string, string[]>;
}

function findIpConfiguration(nics: NetworkInterface[] | undefined, address: PoolAddress): string | undefined {
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
}

/**
 * An IP-based member's NIC IP configuration: ARM names it when it knows it; otherwise a NIC in the
 * member's VNet that holds the address (its resource group first, then the subscription).
 */
async function resolveAddress(
  reader: TopologyReader,
  reads: ReadOnce,
  mapped: MappedLoadBalancer,
  address: PoolAddress,
): Promise<string | undefined> {
  if (address.ipConfigurationId) return address.ipConfigurationId;
  if (!address.ipAddress) return undefined;
  const listNics = (scope: NicScope) => {
    const scopeId =
      `/subscriptions/${scope.subscriptionId}` +
      (scope.resourceGroup ? `/resourceGroups/${scope.resourceGroup}` : '');
    return reads.read('nic-list', scopeId, address.id, () => reader.listNetworkInterfaces(scope));
  };
  const scopeOf = address.virtualNetworkId ? parseResourceId(address.virtualNetworkId) : undefined;
  const subscriptionId = scopeOf?.subscriptionId ?? mapped.loadBalancer.subscriptionId;
  const resourceGroup = scopeOf?.resourceGroup ?? mapped.loadBalancer.resourceGroup;
  const inGroup = findIpConfiguration(await listNics({ subscriptionId, resourceGroup }), address);
  return inGroup ?? findIpConfiguration(await listNics({ subscriptionId }), address);
}

/** Every pool member as a backend (only IP-based members without an IP configuration cost reads). */
export async function poolBackends(
  reader: TopologyReader,
  reads: ReadOnce,
  mapped: MappedLoadBalancer,
): Promise<PoolBackends> {
  const backends = new Map<string, BackendInfo>();
  const poolKeys = new Map<string, string[]>();
  const poolSeen = new Map<string, Set<string>>();
  const addBackend = (poolId: string, backend: Omit<BackendInfo, 'poolIds'>): void => {
    const key = idKey(backend.key);
    const existing = backends.get(key);
    if (existing) {
      if (!existing.poolIds.some((p) => idKey(p) === idKey(poolId))) existing.poolIds.push(poolId);
    } else {
      backends.set(key, { ...backend, poolIds: [poolId] });
    }
    const seen = poolSeen.get(poolId) ?? new Set<string>();
    if (!seen.has(key)) {
      seen.add(key);
      poolKeys.get(poolId)?.push(key);
    }
    poolSeen.set(poolId, seen);
  };

  for (const pool of mapped.pools) poolKeys.set(pool.poolId, []);
  const resolvedPools = await Promise.all(
    mapped.pools.map(async (pool) => ({
      pool,
      addresses: await Promise.all(
        pool.addresses.map(async (address) => ({
          address,
          // A malformed VNet id in the pool is the pool's problem, not the run's.
          ipConfigurationId: await resolveAddress(reader, reads, mapped, address).catch((err: unknown) => {
            reads.problems.push(problemOf(err, address.id, pool.poolId));
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
  return { backends, poolKeys };
}
