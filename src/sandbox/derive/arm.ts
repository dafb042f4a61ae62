/**
 * Minimal readers over raw ARM JSON in the sandbox state (`properties.…` as ARM GET returns it). The
 * packet-filtering model reads NSGs itself (src/sandbox/truth/); nothing here maps to the product's
 * types.
 */
import { idKey } from '../../model/ids';
import { SandboxHttpError } from '../httpError';
import type { GuestState, ScenarioResource } from '../scenario';
import { findGuest, findResource, type SandboxState } from '../state';
import { indexPerVersion } from '../versionMemo';

/** A raw ARM object. */
export type Raw = Record<string, unknown>;

/** `properties` of a raw resource, or `{}`. */
export function props(resource: Raw | undefined): Raw {
  const p = resource?.properties;
  return p && typeof p === 'object' ? (p as Raw) : {};
}

/** The `id` of a `{ id }` sub-resource reference. */
export function refId(value: unknown): string | undefined {
  const id = value && typeof value === 'object' ? (value as Raw).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** A property that should be an array of objects, or `[]`. */
export function list(value: unknown): Raw[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === 'object') as Raw[]) : [];
}

/** A string property, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Top-level resources of one ARM type (case-insensitive), in scenario order. */
export function resourcesOfType(state: SandboxState, type: string): ScenarioResource[] {
  const wanted = type.toLowerCase();
  return [...state.resources.values()].filter((r) => r.type.toLowerCase() === wanted);
}

/** A resource by id, or ARM's 404. */
export function requireResource(state: SandboxState, id: string, what: string): Raw {
  const found = findResource(state, id);
  if (!found) throw new SandboxHttpError(404, 'ResourceNotFound', `The ${what} '${id}' was not found.`);
  return found;
}

/** Everything the probe and flow models need to know about one NIC IP configuration. */
export interface Endpoint {
  nic: Raw;
  nicId: string;
  ipConfig: Raw;
  ipConfigurationId: string;
  ipAddress?: string;
  subnet?: Raw;
  subnetId?: string;
  vnet?: Raw;
  asgIds: string[];
  vmId?: string;
  /** Position of the NIC in the VM's `networkProfile` (0 = first); names the guest device. */
  nicIndex: number;
  guest?: GuestState;
}

/** NIC ids in a raw VM's (or scale set VM's) `networkProfile`, in order. */
export function vmNicIds(vm: Raw | undefined): string[] {
  const profile = props(vm).networkProfile as Raw | undefined;
  return list(profile?.networkInterfaces).flatMap((n) => refId(n) ?? []);
}

/**
 * Where each NIC id is listed in a resource's `networkProfile`, at one state version: the first
 * resource in scenario order that lists it, and its first position there. The same answer as scanning
 * every resource for each NIC, built once per version instead of once per NIC.
 */
const nicListings = indexPerVersion((state) => {
  const listed = new Map<string, { vmId?: string; nicIndex: number }>();
  for (const vm of state.resources.values()) {
    vmNicIds(vm).forEach((id, index) => {
      const key = idKey(id);
      if (!listed.has(key)) listed.set(key, { vmId: str(vm.id), nicIndex: index });
    });
  }
  return listed;
});

/** The VM that owns a NIC: `properties.virtualMachine`, else a VM whose network profile lists it. */
function vmOfNic(state: SandboxState, nicId: string, nic: Raw): { vmId?: string; nicIndex: number } {
  const declared = refId(props(nic).virtualMachine);
  if (declared) {
    const vm = findResource(state, declared);
    const index = vmNicIds(vm).findIndex((id) => idKey(id) === idKey(nicId));
    if (vm && index >= 0) return { vmId: str(vm.id), nicIndex: index };
  } else {
    const listing = nicListings(state).get(idKey(nicId));
    if (listing) return listing;
  }
  return { vmId: declared, nicIndex: props(nic).primary === false ? 1 : 0 };
}

function vnetOfSubnet(state: SandboxState, subnetId: string | undefined): Raw | undefined {
  const m = subnetId ? /^(.*)\/subnets\/[^/]+$/i.exec(subnetId) : null;
  return m?.[1] ? findResource(state, m[1]) : undefined;
}

/** Builds the {@link Endpoint} of a NIC IP configuration. */
export function endpointOf(state: SandboxState, nic: Raw, ipConfig: Raw): Endpoint {
  const nicId = str(nic.id) ?? '';
  const p = props(ipConfig);
  const subnetId = refId(p.subnet);
  const subnet = subnetId ? findResource(state, subnetId) : undefined;
  const { vmId, nicIndex } = vmOfNic(state, nicId, nic);
  const ip = str(p.privateIPAddress)?.split('/')[0];
  const endpoint: Endpoint = {
    nic,
    nicId,
    ipConfig,
    ipConfigurationId: str(ipConfig.id) ?? `${nicId}/ipConfigurations/${str(ipConfig.name) ?? ''}`,
    asgIds: list(p.applicationSecurityGroups).flatMap((a) => refId(a) ?? []),
    nicIndex,
  };
  if (ip) endpoint.ipAddress = ip;
  if (subnetId) endpoint.subnetId = subnetId;
  if (subnet) endpoint.subnet = subnet;
  const vnet = vnetOfSubnet(state, subnetId);
  if (vnet) endpoint.vnet = vnet;
  if (vmId) {
    endpoint.vmId = vmId;
    const guest = findGuest(state, vmId);
    if (guest) endpoint.guest = guest;
  }
  return endpoint;
}

const nicsAtVersion = indexPerVersion((state): readonly Raw[] =>
  Object.freeze([...state.resources.values()].filter((r) => /\/networkinterfaces\/[^/]+$/i.test(r.id))),
);

/** Every NIC in the state: top-level `networkInterfaces`, including scale set VM NICs (read-only list). */
export function allNics(state: SandboxState): readonly Raw[] {
  return nicsAtVersion(state);
}

/** The endpoint of a NIC IP configuration id (`…/networkInterfaces/{nic}/ipConfigurations/{name}`). */
export function endpointByIpConfigId(state: SandboxState, ipConfigurationId: string): Endpoint | undefined {
  const m = /^(.*)\/ipConfigurations\/([^/]+)$/i.exec(ipConfigurationId);
  if (!m?.[1] || !m[2]) return undefined;
  const nic = state.resources.get(idKey(m[1]));
  const name = m[2].toLowerCase();
  const ipConfig = list(props(nic).ipConfigurations).find((c) => str(c.name)?.toLowerCase() === name);
  return nic && ipConfig ? endpointOf(state, nic, ipConfig) : undefined;
}

/** NIC IP configurations by private IP, in NIC then IP configuration order, once per state version. */
const ipConfigsByIp = indexPerVersion((state) => {
  const byIp = new Map<string, { nic: Raw; ipConfig: Raw }[]>();
  for (const nic of allNics(state)) {
    for (const ipConfig of list(props(nic).ipConfigurations)) {
      const ip = str(props(ipConfig).privateIPAddress)?.split('/')[0];
      if (ip === undefined) continue;
      const holders = byIp.get(ip) ?? [];
      holders.push({ nic, ipConfig });
      byIp.set(ip, holders);
    }
  }
  return byIp;
});

/** The endpoint that holds a private IP (optionally only inside one VNet), for IP-based pool members. */
export function endpointByIp(state: SandboxState, ip: string, vnetId?: string): Endpoint | undefined {
  for (const { nic, ipConfig } of ipConfigsByIp(state).get(ip) ?? []) {
    const endpoint = endpointOf(state, nic, ipConfig);
    if (vnetId && endpoint.vnet && idKey(str(endpoint.vnet.id) ?? '') !== idKey(vnetId)) continue;
    return endpoint;
  }
  return undefined;
}

/** The primary IP configuration of a VM's primary NIC. */
export function primaryEndpointOfVm(state: SandboxState, vmId: string): Endpoint | undefined {
  const nics = allNics(state).filter((n) => idKey(refId(props(n).virtualMachine) ?? '') === idKey(vmId));
  const vm = findResource(state, vmId);
  const listed = vmNicIds(vm)
    .map((id) => state.resources.get(idKey(id)))
    .filter((n): n is ScenarioResource => n !== undefined);
  const ordered = [...listed, ...nics];
  const nic = ordered.find((n) => props(n).primary === true) ?? ordered[0];
  if (!nic) return undefined;
  const configs = list(props(nic).ipConfigurations);
  const ipConfig = configs.find((c) => props(c).primary === true) ?? configs[0];
  return ipConfig ? endpointOf(state, nic, ipConfig) : undefined;
}

/**
 * The endpoint's VNet address space (the system VnetLocal routes). `VirtualNetwork` covers more than
 * this (host IPs, UDR prefixes): see tags.ts.
 */
export function vnetPrefixes(endpoint: Pick<Endpoint, 'vnet'>): string[] {
  const space = props(endpoint.vnet).addressSpace as Raw | undefined;
  return Array.isArray(space?.addressPrefixes) ? (space.addressPrefixes as string[]) : [];
}
