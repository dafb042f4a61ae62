/** Reads a raw load balancer: its rules, their probes, and the members of their pools. */
import { idKey } from '../../model/ids';
import type { SandboxState } from '../state';
import { findResource } from '../state';
import { indexPerVersion } from '../versionMemo';
import {
  allNics,
  endpointByIp,
  endpointByIpConfigId,
  endpointOf,
  list,
  props,
  refId,
  requireResource,
  str,
  type Endpoint,
  type Raw,
} from './arm';

/** One member of a backend pool: a NIC IP configuration, or an IP address resolved to one if possible. */
export interface PoolMember {
  ipAddress?: string;
  ipConfigurationId?: string;
  /** The NIC IP configuration behind the member; undefined for an IP that no NIC in the scenario holds. */
  endpoint?: Endpoint;
}

/** The load balancer, or ARM's 404. */
export function requireLoadBalancer(state: SandboxState, lbId: string): Raw {
  return requireResource(state, lbId, 'load balancer');
}

/** `backendAddressPool` and `backendAddressPools` of a rule, merged. */
export function rulePoolIds(rule: Raw): string[] {
  const p = props(rule);
  const ids = [refId(p.backendAddressPool), ...list(p.backendAddressPools).map(refId)].filter(
    (id): id is string => !!id,
  );
  return [...new Map(ids.map((id) => [idKey(id), id])).values()];
}

/**
 * The NIC IP configurations that name each pool in `loadBalancerBackendAddressPools`, by pool key, in
 * NIC then IP configuration order: read once per state version rather than once per pool.
 */
const ipConfigsInPools = indexPerVersion((state) => {
  const byPool = new Map<string, { nic: Raw; ipConfig: Raw }[]>();
  for (const nic of allNics(state)) {
    for (const ipConfig of list(props(nic).ipConfigurations)) {
      const pools = new Set(
        list(props(ipConfig).loadBalancerBackendAddressPools)
          .flatMap((r) => refId(r) ?? [])
          .map(idKey),
      );
      for (const pool of pools) {
        const members = byPool.get(pool) ?? [];
        members.push({ nic, ipConfig });
        byPool.set(pool, members);
      }
    }
  }
  return byPool;
});

/**
 * Members of a pool, from every place ARM records them: NIC IP configurations that point at the pool,
 * the pool's `backendIPConfigurations`, and its `loadBalancerBackendAddresses` (IP-based members are
 * resolved to the NIC that holds the address in their VNet).
 */
export function poolMembers(state: SandboxState, poolId: string): PoolMember[] {
  const members = new Map<string, PoolMember>();
  const add = (m: PoolMember) => {
    const key = idKey(m.ipConfigurationId ?? m.ipAddress ?? '');
    if (key && !members.has(key)) members.set(key, m);
  };
  const fromEndpoint = (e: Endpoint): PoolMember => ({
    ipConfigurationId: e.ipConfigurationId,
    endpoint: e,
    ...(e.ipAddress ? { ipAddress: e.ipAddress } : {}),
  });
  for (const { nic, ipConfig } of ipConfigsInPools(state).get(idKey(poolId)) ?? [])
    add(fromEndpoint(endpointOf(state, nic, ipConfig)));
  const pool = findResource(state, poolId);
  for (const ref of list(props(pool).backendIPConfigurations)) {
    const id = refId(ref);
    // ARM lists the members its NICs already named here (and below) too: each is built once.
    if (id && members.has(idKey(id))) continue;
    const endpoint = id ? endpointByIpConfigId(state, id) : undefined;
    if (endpoint) add(fromEndpoint(endpoint));
    else if (id) add({ ipConfigurationId: id });
  }
  for (const address of list(props(pool).loadBalancerBackendAddresses)) {
    const p = props(address);
    const viaNic = refId(p.networkInterfaceIPConfiguration);
    if (viaNic && members.get(idKey(viaNic))?.endpoint) continue;
    const ip = str(p.ipAddress);
    const endpoint = viaNic
      ? endpointByIpConfigId(state, viaNic)
      : ip
        ? endpointByIp(state, ip, refId(p.virtualNetwork))
        : undefined;
    if (endpoint) add(fromEndpoint(endpoint));
    else if (ip) add({ ipAddress: ip });
  }
  return [...members.values()];
}

/** Rules of the load balancer, raw. */
export function lbRules(lb: Raw): Raw[] {
  return list(props(lb).loadBalancingRules);
}
