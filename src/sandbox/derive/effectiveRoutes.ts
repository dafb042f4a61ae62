/** `POST …/networkInterfaces/{nic}/effectiveRouteTable` (NetworkInterfaces_GetEffectiveRouteTable example). */
import type { SandboxState } from '../state';
import { findResource } from '../state';
import { endpointOf, list, props, refId, str, vnetPrefixes } from './arm';
import { ipConfigurations, requireNicOfRunningVm } from './vmFacts';

/** A route as the API writes it. */
export interface EffectiveRouteBody {
  name?: string;
  source: 'Default' | 'User';
  state: 'Active' | 'Invalid';
  addressPrefix: string[];
  nextHopType: string;
  nextHopIpAddress: string[];
}

/** The private ranges Azure drops by default (next hop None), as in Microsoft's example. */
const DEFAULT_NONE = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];

/** The routes of a subnet's route table (UDRs), raw. */
export function userRoutes(
  state: SandboxState,
  subnet: Record<string, unknown> | undefined,
): EffectiveRouteBody[] {
  const tableId = refId(props(subnet).routeTable);
  const table = tableId ? findResource(state, tableId) : undefined;
  return list(props(table).routes).map((r) => {
    const p = props(r);
    const hop = str(p.nextHopIpAddress);
    const route: EffectiveRouteBody = {
      source: 'User',
      state: 'Active',
      addressPrefix: [str(p.addressPrefix) ?? ''],
      nextHopType: str(p.nextHopType) ?? 'None',
      nextHopIpAddress: hop ? [hop] : [],
    };
    const name = str(r.name);
    if (name) route.name = name;
    return route;
  });
}

/**
 * System routes (the VNet's address spaces VnetLocal, 0.0.0.0/0 Internet, the private ranges None)
 * plus the subnet route table's UDRs. A UDR with the same prefix as a system route makes the system
 * route `Invalid`. Pure over the state; 400 unless the NIC's VM is running.
 */
export function effectiveRouteTableFor(
  state: SandboxState,
  subnet: Record<string, unknown> | undefined,
  vnet: string[],
): EffectiveRouteBody[] {
  const system = (prefix: string, nextHopType: string): EffectiveRouteBody => ({
    source: 'Default',
    state: 'Active',
    addressPrefix: [prefix],
    nextHopType,
    nextHopIpAddress: [],
  });
  const routes = [
    ...vnet.map((p) => system(p, 'VnetLocal')),
    system('0.0.0.0/0', 'Internet'),
    ...DEFAULT_NONE.map((p) => system(p, 'None')),
  ];
  const udrs = userRoutes(state, subnet);
  const overridden = new Set(udrs.map((u) => u.addressPrefix[0]));
  for (const r of routes) if (overridden.has(r.addressPrefix[0])) r.state = 'Invalid';
  return [...routes, ...udrs];
}

/** The effective route table of a NIC: `{ value: [...] }`. */
export function effectiveRouteTable(state: SandboxState, nicId: string): { value: EffectiveRouteBody[] } {
  const { nic } = requireNicOfRunningVm(state, nicId);
  const first = ipConfigurations(nic)[0];
  const endpoint = first ? endpointOf(state, nic, first) : undefined;
  return { value: effectiveRouteTableFor(state, endpoint?.subnet, endpoint ? vnetPrefixes(endpoint) : []) };
}
