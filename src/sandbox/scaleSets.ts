/**
 * A Uniform scale set's capacity change, as Azure carries it out: Virtual Machine Scale Sets - Update
 * (`PATCH .../virtualMachineScaleSets/{name}`, body `{ "sku": { "capacity": N } }`) or - Create Or
 * Update (`PUT`, the whole scale set with a new `sku.capacity`). Written from Microsoft's docs, not
 * from probe-doctor's code:
 *
 * - Each new instance is built from the scale set's model (`virtualMachineProfile`): one NIC per
 *   `networkProfile.networkInterfaceConfigurations[]`, named after the configuration and stored
 *   under the instance (`.../virtualMachines/{id}/networkInterfaces/{name}`), each IP configuration
 *   in the model's subnet, joined to the model's `loadBalancerBackendAddressPools` and
 *   `applicationSecurityGroups`, with the NIC NSG the model names (the shape of
 *   VirtualMachineScaleSetVMs_Get and the scale-set NIC examples in ../shared/arm-examples).
 * - Instance ids of a Uniform scale set are decimal numbers with no guaranteed order
 *   (virtual-machine-scale-sets-instance-ids.md: "There is no guarantee on the way instance IDs are
 *   assigned... They might seem sequentially increasing at times"): the sandbox takes the next number
 *   above the highest in use. The instance is named `{scale-set-name}_{instance-id}`; its computer
 *   name is the model's `computerNamePrefix` and the instance id in base 36, six characters.
 * - Its private address is dynamic: "Azure assigns the next available unassigned or unreserved IP
 *   address in the subnet's address range" (private-ip-addresses.md), and "Azure reserves the first
 *   four addresses and the last address" of each subnet (virtual-networks-faq.md).
 * - Scale-in removes the instances with the highest instance ids, as the default scale-in policy
 *   does within one zone (virtual-machine-scale-sets-scale-in-policy.md), with their NICs and
 *   their pool and subnet memberships.
 * - What runs inside a new instance comes from the image and custom data, which a scenario cannot
 *   derive: `scaleSetGuests` in the scenario says it per scale set; without one, a new instance is a
 *   running Linux VM with nothing listening.
 *
 * Only capacity is modelled; a request that changes the model itself is refused with a 400 naming
 * what is not modelled, never half applied. Flexible orchestration (instances are plain VMs whose
 * NICs the scale set creates as top-level resources) is refused the same way.
 */
import ipaddr from 'ipaddr.js';
import { idKey } from '../model/ids';
import { guidFrom, etagFor } from './etags';
import { SandboxHttpError } from './httpError';
import type { ScenarioResource } from './scenario';
import { findResource, recordChange, type SandboxState } from './state';

type Json = Record<string, unknown>;

const record = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(record) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const refId = (v: unknown): string | undefined => str(record(v).id);

function badRequest(message: string): SandboxHttpError {
  return new SandboxHttpError(400, 'BadRequest', message);
}

/** The scale set's instances (`{scaleSetId}/virtualMachines/{n}`), lowest instance id first. */
export function scaleSetInstances(state: SandboxState, scaleSetId: string): ScenarioResource[] {
  const prefix = `${idKey(scaleSetId)}/virtualmachines/`;
  return [...state.resources.values()]
    .filter((r) => {
      const key = idKey(r.id);
      return key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length));
    })
    .sort((a, b) => instanceNumber(a) - instanceNumber(b));
}

function instanceNumber(vm: ScenarioResource): number {
  return Number(/\/virtualMachines\/(\d+)$/i.exec(vm.id)?.[1] ?? NaN);
}

/** The subnet's address prefixes (`addressPrefix` and `addressPrefixes`). */
function subnetPrefixes(subnet: Json): string[] {
  const p = record(subnet.properties);
  const plural: unknown[] = Array.isArray(p.addressPrefixes) ? (p.addressPrefixes as unknown[]) : [];
  return [str(p.addressPrefix), ...plural].filter((x): x is string => typeof x === 'string' && x.length > 0);
}

/** Every private address something in the state holds in `subnetId` (NICs, frontends, anything). */
function addressesIn(state: SandboxState, subnetId: string): Set<string> {
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const v = value as Json;
    const p = record(v.properties);
    const address = str(p.privateIPAddress);
    if (address && idKey(refId(p.subnet) ?? '') === idKey(subnetId))
      used.add(address.split('/')[0] as string);
    Object.values(v).forEach(visit);
  };
  state.resources.forEach((r) => visit(r));
  return used;
}

/**
 * The lowest IPv4 address of the subnet that is neither reserved (the first four and the last) nor
 * held by anything in the state.
 */
function nextFreeAddress(state: SandboxState, subnetId: string, taken: Set<string>): string {
  const subnet = findResource(state, subnetId);
  if (!subnet) throw badRequest(`Subnet ${subnetId} of the scale set model was not found.`);
  const used = new Set([...addressesIn(state, subnetId), ...taken]);
  for (const prefix of subnetPrefixes(subnet)) {
    if (!ipaddr.IPv4.isValidCIDR(prefix)) continue;
    const first = ipaddr.IPv4.networkAddressFromCIDR(prefix).toByteArray();
    const last = ipaddr.IPv4.broadcastAddressFromCIDR(prefix).toByteArray();
    const toNumber = (bytes: number[]) => bytes.reduce((n, b) => n * 256 + b, 0);
    for (let n = toNumber(first) + 4; n < toNumber(last); n++) {
      const address = ipaddr.fromByteArray([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();
      if (!used.has(address)) return address;
    }
  }
  throw new SandboxHttpError(
    400,
    'SubnetIsFull',
    `Subnet ${subnetId.split('/').pop() ?? subnetId} has no free address for a new scale set instance.`,
  );
}

/** Adds `{ id }` to a list property of a resource or child, once. */
function addRef(target: Json | undefined, property: string, id: string): void {
  if (!target) return;
  const p = (target.properties ??= {}) as Json;
  const refs = Array.isArray(p[property]) ? (p[property] as Json[]) : [];
  if (!refs.some((r) => idKey(refId(r) ?? '') === idKey(id))) refs.push({ id });
  p[property] = refs;
}

/** Removes every `{ id }` under `prefix` from a list property. */
function dropRefs(target: Json | undefined, property: string, prefix: string): void {
  const p = record(target?.properties);
  if (!Array.isArray(p[property])) return;
  p[property] = (p[property] as Json[]).filter((r) => !idKey(refId(r) ?? '').startsWith(idKey(prefix)));
}

/** The top-level resource holding a child id (a pool's load balancer, a subnet's VNet): its etag changes too. */
function touchParent(state: SandboxState, childId: string): void {
  const parentId = /^(.*)\/(?:backendAddressPools|subnets)\/[^/]+$/i.exec(childId)?.[1];
  const parent = parentId ? state.resources.get(idKey(parentId)) : undefined;
  if (parent) parent.etag = etagFor(parent.id, state.version);
  const child = findResource(state, childId);
  if (child && typeof child.etag === 'string') child.etag = etagFor(childId, state.version);
}

/** One new instance from the model: its VM resource and NICs, joined to pools and subnets. */
function createInstance(state: SandboxState, scaleSet: ScenarioResource, instanceId: number): void {
  const vmId = `${scaleSet.id}/virtualMachines/${instanceId}`;
  const profile = record(record(scaleSet.properties).virtualMachineProfile);
  const nicConfigs = list(record(profile.networkProfile).networkInterfaceConfigurations);
  const taken = new Set<string>();
  const nicIds: string[] = [];
  nicConfigs.forEach((config, nicIndex) => {
    const nicName = str(config.name) ?? `nic${nicIndex}`;
    const nicId = `${vmId}/networkInterfaces/${nicName}`;
    const cp = record(config.properties);
    const ipConfigurations = list(cp.ipConfigurations).map((ipConfig, ipIndex) => {
      const name = str(ipConfig.name) ?? `ipconfig${ipIndex + 1}`;
      const id = `${nicId}/ipConfigurations/${name}`;
      const ip = record(ipConfig.properties);
      const subnetId = refId(ip.subnet);
      if (!subnetId) throw badRequest(`IP configuration ${name} of the scale set model names no subnet.`);
      const address = nextFreeAddress(state, subnetId, taken);
      taken.add(address);
      const pools = list(ip.loadBalancerBackendAddressPools).flatMap((r) =>
        refId(r) ? [{ id: refId(r) }] : [],
      );
      const asgs = list(ip.applicationSecurityGroups).flatMap((r) => (refId(r) ? [{ id: refId(r) }] : []));
      for (const pool of pools) {
        addRef(findResource(state, pool.id as string), 'backendIPConfigurations', id);
        touchParent(state, pool.id as string);
      }
      addRef(findResource(state, subnetId), 'ipConfigurations', id);
      touchParent(state, subnetId);
      return {
        name,
        id,
        etag: etagFor(id, state.version),
        type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
        properties: {
          provisioningState: 'Succeeded',
          privateIPAddress: address,
          privateIPAllocationMethod: 'Dynamic',
          subnet: { id: subnetId },
          primary: ip.primary ?? ipIndex === 0,
          privateIPAddressVersion: str(ip.privateIPAddressVersion) ?? 'IPv4',
          ...(pools.length > 0 ? { loadBalancerBackendAddressPools: pools } : {}),
          ...(asgs.length > 0 ? { applicationSecurityGroups: asgs } : {}),
        },
      };
    });
    const nsgId = refId(cp.networkSecurityGroup);
    state.resources.set(idKey(nicId), {
      name: nicName,
      id: nicId,
      etag: etagFor(nicId, state.version),
      type: 'Microsoft.Network/networkInterfaces',
      location: scaleSet.location,
      kind: 'Regular',
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: guidFrom(`${idKey(nicId)}#guid`),
        ipConfigurations,
        dnsSettings: { dnsServers: [], appliedDnsServers: [] },
        enableAcceleratedNetworking: cp.enableAcceleratedNetworking ?? false,
        enableIPForwarding: cp.enableIPForwarding ?? false,
        ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
        nicType: 'Standard',
        primary: cp.primary ?? nicIndex === 0,
        virtualMachine: { id: vmId },
      },
    });
    nicIds.push(nicId);
  });

  const osProfile = record(profile.osProfile);
  const prefix = str(osProfile.computerNamePrefix) ?? String(scaleSet.name);
  const osRest = structuredClone(osProfile);
  delete osRest.computerNamePrefix;
  const sku = record(scaleSet.sku);
  state.resources.set(idKey(vmId), {
    name: `${String(scaleSet.name)}_${instanceId}`,
    id: vmId,
    type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
    location: scaleSet.location,
    instanceId: String(instanceId),
    sku: { ...(sku.name ? { name: sku.name } : {}), ...(sku.tier ? { tier: sku.tier } : {}) },
    etag: '"1"',
    properties: {
      latestModelApplied: true,
      modelDefinitionApplied: 'VirtualMachineScaleSet',
      networkProfileConfiguration: { networkInterfaceConfigurations: structuredClone(nicConfigs) },
      vmId: guidFrom(`${idKey(vmId)}#vmId`),
      hardwareProfile: {},
      storageProfile: structuredClone(record(profile.storageProfile)),
      osProfile: {
        computerName: `${prefix}${instanceId.toString(36).toUpperCase().padStart(6, '0')}`,
        ...osRest,
      },
      networkProfile: { networkInterfaces: nicIds.map((id) => ({ id })) },
      provisioningState: 'Succeeded',
    },
  });

  const guest = Object.entries(state.scenario.scaleSetGuests ?? {}).find(
    ([id]) => idKey(id) === idKey(scaleSet.id),
  )?.[1];
  if (guest) state.guests.set(idKey(vmId), structuredClone(guest));
}

/** Removes one instance, its NICs, and every pool and subnet membership of their IP configurations. */
function removeInstance(state: SandboxState, vm: ScenarioResource): void {
  const nicPrefix = `${idKey(vm.id)}/networkinterfaces/`;
  for (const nic of [...state.resources.values()].filter((r) => idKey(r.id).startsWith(nicPrefix))) {
    for (const ipConfig of list(record(nic.properties).ipConfigurations)) {
      const ip = record(ipConfig.properties);
      for (const poolId of list(ip.loadBalancerBackendAddressPools).flatMap((r) => refId(r) ?? [])) {
        dropRefs(findResource(state, poolId), 'backendIPConfigurations', nic.id);
        touchParent(state, poolId);
      }
      const subnetId = refId(ip.subnet);
      if (subnetId) {
        dropRefs(findResource(state, subnetId), 'ipConfigurations', nic.id);
        touchParent(state, subnetId);
      }
    }
    state.resources.delete(idKey(nic.id));
  }
  state.resources.delete(idKey(vm.id));
  state.guests.delete(idKey(vm.id));
}

/** Fields of an Update or Create Or Update body the sandbox carries out; the rest must be unchanged. */
const MODELLED = new Set(['sku', 'location', 'tags', 'id', 'name', 'type', 'etag', 'properties', 'zones']);

/**
 * The capacity a PATCH or PUT body asks for, after checking it changes nothing the sandbox does not
 * model. Throws a 400 naming the field otherwise.
 */
export function requestedCapacity(state: SandboxState, scaleSet: ScenarioResource, body: unknown): number {
  const b = record(body);
  const extra = Object.keys(b).filter((k) => !MODELLED.has(k));
  if (extra.length > 0) {
    throw badRequest(
      `The sandbox models only sku.capacity of a scale set; it does not apply: ${extra.join(', ')}.`,
    );
  }
  const sku = record(b.sku);
  const current = record(scaleSet.sku);
  if (sku.name !== undefined && sku.name !== current.name) {
    throw badRequest('The sandbox models only sku.capacity of a scale set; it does not change sku.name.');
  }
  // A PUT carries the whole model back: accepted when it is the model the sandbox holds.
  if (b.properties !== undefined) {
    const same = (k: string) =>
      JSON.stringify(record(b.properties)[k] ?? null) ===
      JSON.stringify(record(scaleSet.properties)[k] ?? null);
    if (!same('virtualMachineProfile')) {
      throw badRequest(
        'The sandbox models only sku.capacity of a scale set; it does not change virtualMachineProfile.',
      );
    }
  }
  const capacity = sku.capacity;
  if (capacity === undefined) return scaleSetInstances(state, scaleSet.id).length;
  if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0 || capacity > 1000) {
    throw new SandboxHttpError(
      400,
      'InvalidParameter',
      `The value ${JSON.stringify(capacity)} of parameter 'sku.capacity' is not valid: a whole number from 0 to 1000.`,
    );
  }
  return capacity;
}

/**
 * Brings the scale set to `capacity` instances: new ones from the model (lowest free instance id
 * above the highest, next free address), or the highest instance ids removed. Returns the instance
 * ids added and removed.
 */
export function applyCapacity(
  state: SandboxState,
  scaleSetId: string,
  capacity: number,
): { added: string[]; removed: string[] } {
  const scaleSet = state.resources.get(idKey(scaleSetId));
  if (!scaleSet)
    throw new SandboxHttpError(404, 'ResourceNotFound', `The scale set '${scaleSetId}' was not found.`);
  // First: the etags stamped below (new NICs, the pools and subnets they join) are this version's.
  recordChange(state);
  const instances = scaleSetInstances(state, scaleSet.id);
  const added: string[] = [];
  const removed: string[] = [];
  let next = instances.length > 0 ? Math.max(...instances.map(instanceNumber)) + 1 : 0;
  for (let n = instances.length; n < capacity; n++, next++) {
    createInstance(state, scaleSet, next);
    added.push(String(next));
  }
  for (const vm of instances.slice(capacity).reverse()) {
    removeInstance(state, vm);
    removed.push(String(instanceNumber(vm)));
  }
  const sku = (scaleSet.sku ??= {}) as Json;
  sku.capacity = capacity;
  const etag = Number(/^"?(\d+)"?$/.exec(str(scaleSet.etag) ?? '')?.[1] ?? 0);
  scaleSet.etag = `"${etag + 1}"`;
  record(scaleSet.properties).provisioningState = 'Succeeded';
  return { added, removed };
}
