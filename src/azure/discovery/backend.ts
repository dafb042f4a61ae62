/**
 * Reading one backend in depth, pipelined: each resource is read as soon as the one that names it
 * arrives (NIC -> VM and NIC NSG; VNet -> subnet -> subnet NSG and route table; NSG -> the ASGs its
 * rules name), never in phases, so a slow NIC holds up only its own backend. What is read lands in
 * {@link TopologyParts}; reads go through {@link ReadOnce}, so a VNet or NSG shared by a thousand
 * backends is read once.
 */
import type { NetworkSecurityGroup, VirtualNetwork } from '@azure/arm-network';
import ipaddr from 'ipaddr.js';
import { idKey } from '../../model/ids';
import type { BackendInfo, NicInfo, Topology, VirtualNetworkInfo } from '../../model/topology';
import {
  mapAsg,
  mapNic,
  mapNsg,
  mapRouteTable,
  mapScaleSet,
  mapScaleSetVm,
  mapSubnet,
  mapVirtualMachine,
  mapVirtualNetwork,
} from '../map';
import type { OwnershipInput } from '../ownership';
import { nicIdOfIpConfiguration } from '../resourceId';
import type { TopologyReader } from '../discovery';
import { vnetIdOfSubnet } from './members';
import { problemOf, type ReadOnce } from './reads';

/** What discovery has read so far, keyed by idKey (the Topology's maps). */
export type TopologyParts = Pick<
  Topology,
  'nics' | 'subnets' | 'virtualNetworks' | 'nsgs' | 'routeTables' | 'vms' | 'asgs'
> & {
  /** Scale set models by idKey (always present while discovering). */
  scaleSets: NonNullable<Topology['scaleSets']>;
  /** Tags and `managedBy` of what was read, for ownership detection. */
  ownershipInputs: OwnershipInput[];
};

export const emptyParts = (ownershipInputs: OwnershipInput[]): TopologyParts => ({
  nics: {},
  subnets: {},
  virtualNetworks: {},
  nsgs: {},
  routeTables: {},
  vms: {},
  asgs: {},
  scaleSets: {},
  ownershipInputs,
});

/** Tags and `managedBy` as ARM returns them on any tracked resource. */
export function trackedFacts(resource: unknown): { tags?: Record<string, string>; managedBy?: string } {
  const r = (resource ?? {}) as { tags?: unknown; managedBy?: unknown };
  return {
    ...(r.tags && typeof r.tags === 'object' ? { tags: r.tags as Record<string, string> } : {}),
    ...(typeof r.managedBy === 'string' ? { managedBy: r.managedBy } : {}),
  };
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

/** True when `ip` is inside one of the VNet's address prefixes. */
export const inVirtualNetwork = (ip: string, vnet: VirtualNetworkInfo): boolean =>
  ipInPrefixes(ip, vnet.addressPrefixes);

/**
 * When the reads of one backend happen, for a caller that starts work on its VM ({@link
 * BackendDiscovery.discover}); without it every read goes as soon as its referrer is read.
 */
export interface ReadOrder {
  /** The backend's VM was read (or could not be). */
  vmRead?: () => void;
  /** Given the backend's VM read (settled when there is none), as soon as the NIC is read. */
  vmSettled?: (vm: Promise<unknown>) => void;
  /** The backend's network is read once this settles. */
  networkAfter?: Promise<unknown>;
}

/** The pipelined reader of backends in depth, over one run's reads and parts. */
export class BackendDiscovery {
  constructor(
    private readonly reader: TopologyReader,
    private readonly reads: ReadOnce,
    readonly parts: TopologyParts,
  ) {}

  /**
   * Reads everything `backend`'s probe depends on, filling its NIC-derived fields in place.
   * `order.vmRead` is called once the backend's VM is read (or could not be); `order.vmSettled` once
   * there is no VM read left to wait for (read, failed, or none to read); the network (the NIC's
   * NSG, subnet, NSGs, route table, ASGs) is read after `order.networkAfter`, at once without it.
   */
  async discover(backend: BackendInfo, order: ReadOrder = {}): Promise<void> {
    const nic = backend.ipConfigurationId
      ? await this.readNicOf(backend, backend.ipConfigurationId)
      : undefined;
    // The backend's fields are filled by now, so `vmRead` sees them.
    const vm = nic?.vmId ? this.readVm(nic.vmId, nic.id).then(order.vmRead) : Promise.resolve();
    order.vmSettled?.(vm);
    if (order.networkAfter) await order.networkAfter;
    await Promise.all([
      vm,
      nic?.nsgId ? this.readNsg(nic.nsgId, nic.id) : undefined,
      backend.virtualNetworkId ? this.readSubnetOf(backend, backend.virtualNetworkId) : undefined,
      ...backend.asgIds.map((id) => this.readAsg(id, backend.key)),
    ]);
  }

  /** The NIC, filling the backend's address, subnet, VM and ASGs; undefined when it cannot be read. */
  private async readNicOf(backend: BackendInfo, configId: string): Promise<NicInfo | undefined> {
    let nicId: string;
    try {
      nicId = nicIdOfIpConfiguration(configId);
    } catch (err) {
      this.reads.problems.push(problemOf(err, configId, backend.poolIds[0]));
      return undefined;
    }
    const nic = await this.reads.read('nic', nicId, configId, () =>
      this.reader.getNetworkInterface(nicId).then(mapNic),
    );
    if (!nic) return undefined;
    this.parts.nics[idKey(nic.id)] = nic;
    backend.nicId = nic.id;
    const config = nic.ipConfigurations.find((c) => idKey(c.id) === idKey(configId));
    if (!config) {
      this.reads.problems.push({
        resourceId: configId,
        kind: 'not-found',
        message: `IP configuration ${configId} is not on NIC ${nic.id}`,
        referencedBy: backend.poolIds[0],
      });
    } else {
      if (config.privateIpAddress) backend.ipAddress = config.privateIpAddress;
      if (config.subnetId) {
        backend.subnetId = config.subnetId;
        const vnetId = vnetIdOfSubnet(config.subnetId);
        if (vnetId) backend.virtualNetworkId = vnetId;
      }
      backend.asgIds = [...config.asgIds];
      if (nic.primary !== undefined) backend.primaryNic = nic.primary;
      if (nic.vmId) backend.vmId = nic.vmId;
    }
    return nic;
  }

  private async readVm(vmId: string, referencedBy: string): Promise<void> {
    const read = await this.reads.read('vm', vmId, referencedBy, () => this.reader.getVirtualMachine(vmId));
    if (!read) return;
    const key = idKey(read.vm.id ?? vmId);
    if (this.parts.vms[key]) return;
    const vm = read.kind === 'vm' ? mapVirtualMachine(read.vm) : mapScaleSetVm(read.vm, read.instanceView);
    this.parts.vms[idKey(vm.id)] = vm;
    this.parts.ownershipInputs.push({ id: vm.id, name: vm.name, ...trackedFacts(read.vm) });
    if (vm.scaleSetId) await this.readScaleSet(vm.scaleSetId, vm.id);
  }

  /** The scale set's model: where its next instance lands (a fix that should cover it reads this). */
  private async readScaleSet(id: string, referencedBy: string): Promise<void> {
    const readScaleSet = this.reader.getVirtualMachineScaleSet?.bind(this.reader);
    if (!readScaleSet || this.parts.scaleSets[idKey(id)]) return;
    const model = await this.reads.read('vmss', id, referencedBy, () => readScaleSet(id).then(mapScaleSet));
    if (model) this.parts.scaleSets[idKey(model.id)] ??= model;
  }

  /** The VNet (one read for all its subnets), then the backend's subnet, its NSG and route table. */
  private async readSubnetOf(backend: BackendInfo, vnetId: string): Promise<void> {
    const vnet = await this.reads.read('vnet', vnetId, backend.subnetId ?? backend.key, () =>
      this.reader.getVirtualNetwork(vnetId),
    );
    if (!vnet?.id) return;
    this.parts.virtualNetworks[idKey(vnet.id)] ??= mapVirtualNetwork(vnet);
    const subnet = this.subnetOf(backend, vnet);
    if (!subnet?.id) {
      if (
        backend.subnetId &&
        !this.reads.problems.some((p) => idKey(p.resourceId) === idKey(backend.subnetId as string))
      ) {
        this.reads.problems.push({
          resourceId: backend.subnetId,
          kind: 'not-found',
          message: `subnet ${backend.subnetId} is not in virtual network ${vnet.id}`,
          referencedBy: backend.key,
        });
      }
      return;
    }
    backend.subnetId = subnet.id;
    const mapped = (this.parts.subnets[idKey(subnet.id)] ??= mapSubnet(subnet, vnet.id));
    await Promise.all([
      mapped.nsgId ? this.readNsg(mapped.nsgId, mapped.id) : undefined,
      mapped.routeTableId ? this.readRouteTable(mapped.routeTableId, mapped.id) : undefined,
    ]);
  }

  /** An IP-only member names its VNet, not its subnet: the subnet is the one whose prefix holds it. */
  private subnetOf(backend: BackendInfo, vnet: VirtualNetwork) {
    return backend.subnetId
      ? vnet.subnets?.find((s) => s.id && idKey(s.id) === idKey(backend.subnetId as string))
      : vnet.subnets?.find((s) =>
          ipInPrefixes(backend.ipAddress ?? '', [
            ...(s.addressPrefix ? [s.addressPrefix] : []),
            ...(s.addressPrefixes ?? []),
          ]),
        );
  }

  private async readNsg(id: string, referencedBy: string): Promise<void> {
    const raw: NetworkSecurityGroup | undefined = await this.reads.read('nsg', id, referencedBy, () =>
      this.reader.getNetworkSecurityGroup(id),
    );
    if (!raw?.id || this.parts.nsgs[idKey(raw.id)]) return;
    const nsg = mapNsg(raw);
    this.parts.nsgs[idKey(nsg.id)] = nsg;
    this.parts.ownershipInputs.push({
      id: nsg.id,
      name: nsg.name,
      ...trackedFacts(raw),
      childNames: nsg.securityRules.map((r) => r.name),
    });
    // The ASGs its rules name, as soon as the rules are known.
    await Promise.all(
      [...nsg.securityRules, ...nsg.defaultSecurityRules].flatMap((r) =>
        [...r.sourceApplicationSecurityGroupIds, ...r.destinationApplicationSecurityGroupIds].map((asgId) =>
          this.readAsg(asgId, r.id ?? nsg.id),
        ),
      ),
    );
  }

  private async readRouteTable(id: string, referencedBy: string): Promise<void> {
    const table = await this.reads.read('rt', id, referencedBy, () =>
      this.reader.getRouteTable(id).then(mapRouteTable),
    );
    if (table) this.parts.routeTables[idKey(table.id)] = table;
  }

  private async readAsg(id: string, referencedBy: string): Promise<void> {
    const asg = await this.reads.read('asg', id, referencedBy, () =>
      this.reader.getApplicationSecurityGroup(id).then(mapAsg),
    );
    if (asg) this.parts.asgs[idKey(asg.id)] = asg;
  }
}
