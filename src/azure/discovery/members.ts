/**
 * The backends of a load balancer from its own GET: every pool member, NIC-based (the pool names the
 * NIC IP configuration) or IP-based (the pool names an address, resolved to a NIC IP configuration
 * when a NIC in the member's VNet holds it). A member of two pools is one backend with two pool ids.
 */
import type { NetworkInterface } from '@azure/arm-network';
import { idKey } from '../../model/ids';
import type { BackendInfo } from '../../model/topology';
import type { MappedLoadBalancer, PoolAddress, PoolMembers } from '../map';
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
  /**
   * One member of one pool, keyed once. A backend already in this pool (a member listed twice) is
   * neither a new pool of the backend nor a new member of the pool: its pool list says which pools
   * hold it, so no per-pool set of seen members is kept. Called once per member of a pool of
   * thousands: no copy of the member, no idKey of the pool's id per member.
   */
  const addBackend = (
    poolId: string,
    poolKey: string,
    members: string[],
    backend: Omit<BackendInfo, 'poolIds'>,
  ): void => {
    const key = idKey(backend.key);
    const existing = backends.get(key);
    if (!existing) {
      backends.set(key, Object.assign(backend, { poolIds: [poolId] }));
      members.push(key);
    } else if (!existing.poolIds.some((p) => p === poolId || idKey(p) === poolKey)) {
      existing.poolIds.push(poolId);
      members.push(key);
    }
  };

  for (const pool of mapped.pools) poolKeys.set(pool.poolId, []);
  // Only a member ARM names no IP configuration for costs reads; the others (every member of a
  // NIC-based pool is listed here too) are resolved as they are, without a promise each.
  const resolve = (pool: PoolMembers, address: PoolAddress): Promise<string | undefined> =>
    // A malformed VNet id in the pool is the pool's problem, not the run's.
    resolveAddress(reader, reads, mapped, address).catch((err: unknown) => {
      reads.problems.push(problemOf(err, address.id, pool.poolId));
      return undefined;
    });
  const resolvedPools = await Promise.all(
    mapped.pools.map(async (pool) => {
      const addresses: { address: PoolAddress; ipConfigurationId: string | undefined }[] = [];
      const pending: Promise<void>[] = [];
      for (const address of pool.addresses) {
        const resolved = { address, ipConfigurationId: address.ipConfigurationId };
        addresses.push(resolved);
        if (resolved.ipConfigurationId === undefined) {
          pending.push(
            resolve(pool, address).then((id) => {
              resolved.ipConfigurationId = id;
            }),
          );
        }
      }
      await Promise.all(pending);
      return { pool, addresses };
    }),
  );
  for (const { pool, addresses } of resolvedPools) {
    const poolKey = idKey(pool.poolId);
    const members = poolKeys.get(pool.poolId) as string[];
    for (const ipConfigurationId of pool.ipConfigurationIds) {
      addBackend(pool.poolId, poolKey, members, {
        key: ipConfigurationId,
        membership: 'nic',
        ipConfigurationId,
        asgIds: [],
      });
    }
    for (const { address, ipConfigurationId } of addresses) {
      addBackend(
        pool.poolId,
        poolKey,
        members,
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
