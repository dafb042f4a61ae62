/**
 * Pure mapping from SDK model objects to the domain types of src/model/topology.ts. The SDKs flatten
 * ARM's `properties` into the object, and every field is optional on the wire, so defaults are
 * chosen here once (and say why) rather than in every check.
 */
import type {
  InstanceViewStatus,
  VirtualMachine,
  VirtualMachineAgentInstanceView,
  VirtualMachineScaleSet,
  VirtualMachineScaleSetVM,
  VirtualMachineScaleSetVMInstanceView,
} from '@azure/arm-compute';
import type {
  ApplicationSecurityGroup,
  BackendAddressPool,
  LoadBalancer,
  LoadBalancingRule,
  NetworkInterface,
  NetworkSecurityGroup,
  Probe,
  RouteTable,
  SecurityRule,
  Subnet,
  VirtualNetwork,
} from '@azure/arm-network';
import type {
  AsgInfo,
  FrontendIpInfo,
  IpConfigurationInfo,
  LoadBalancerInfo,
  LoadBalancingRuleInfo,
  NicInfo,
  NsgInfo,
  PowerState,
  ProbeInfo,
  ProbeProtocol,
  RouteTableInfo,
  ScaleSetInfo,
  SecurityRuleInfo,
  SubnetInfo,
  VirtualNetworkInfo,
  VmInfo,
} from '../model/topology';
import { InvalidArmAnswerError } from './armAnswer';
import { parseResourceId, scaleSetVmOf } from './resourceId';

/** One IP-based pool member as the pool lists it (`loadBalancerBackendAddresses`). */
export interface PoolAddress {
  /** `{poolId}/loadBalancerBackendAddresses/{name}`: the backend key when it resolves to no NIC. */
  id: string;
  name: string;
  ipAddress?: string;
  virtualNetworkId?: string;
  subnetId?: string;
  /** Set by ARM when the address belongs to a NIC IP configuration. */
  ipConfigurationId?: string;
}

/** A pool's members before they are resolved to NICs. */
export interface PoolMembers {
  poolId: string;
  name: string;
  /** NIC-based members (`backendIPConfigurations`). */
  ipConfigurationIds: string[];
  /** IP-based members (`loadBalancerBackendAddresses`). */
  addresses: PoolAddress[];
}

/** The load balancer's own parts, mapped. */
export interface MappedLoadBalancer {
  loadBalancer: LoadBalancerInfo;
  probes: ProbeInfo[];
  rules: LoadBalancingRuleInfo[];
  pools: PoolMembers[];
}

const ids = (refs: ReadonlyArray<{ id?: string }> | undefined): string[] =>
  (refs ?? []).map((r) => r.id).filter((id): id is string => typeof id === 'string' && id.length > 0);

/** ARM uses either the singular or the plural field; a list holds whichever is set. */
function merged(single: string | undefined, plural: string[] | undefined): string[] {
  const all = [...(single !== undefined && single !== '' ? [single] : []), ...(plural ?? [])];
  return [...new Set(all)];
}

function probeProtocol(value: string | undefined): ProbeProtocol {
  const lower = value?.toLowerCase();
  if (lower === 'http') return 'Http';
  if (lower === 'https') return 'Https';
  return 'Tcp';
}

function ruleProtocol(value: string | undefined): LoadBalancingRuleInfo['protocol'] {
  const lower = value?.toLowerCase();
  if (lower === 'udp') return 'Udp';
  if (lower === 'all') return 'All';
  return 'Tcp';
}

function sku(value: string | undefined): LoadBalancerInfo['sku'] {
  const lower = value?.toLowerCase();
  if (lower === 'standard') return 'Standard';
  if (lower === 'gateway') return 'Gateway';
  // ARM's default when a load balancer is created without a SKU.
  return 'Basic';
}

function requireId(resource: { id?: string }, what: string): string {
  // ARM gives every resource and sub-resource an id: one without is an answer that breaks ARM's
  // invariants, reported as invalid data (never a TypeError).
  if (typeof resource.id !== 'string' || resource.id === '') {
    throw new InvalidArmAnswerError(`invalid ARM answer: ${what} has no id`, 'id');
  }
  return resource.id;
}

/** Maps one probe. */
export function mapProbe(probe: Probe): ProbeInfo {
  return {
    id: requireId(probe, 'probe'),
    name: probe.name ?? '',
    protocol: probeProtocol(probe.protocol),
    port: probe.port ?? 0,
    ...(probe.requestPath !== undefined ? { requestPath: probe.requestPath } : {}),
    // ARM's documented default interval.
    intervalInSeconds: probe.intervalInSeconds ?? 15,
    ...(probe.numberOfProbes !== undefined ? { numberOfProbes: probe.numberOfProbes } : {}),
    ...(probe.probeThreshold !== undefined ? { probeThreshold: probe.probeThreshold } : {}),
    ...(probe.noHealthyBackendsBehavior !== undefined
      ? { noHealthyBackendsBehavior: probe.noHealthyBackendsBehavior }
      : {}),
  };
}

/** Maps one pool's members; IP-based members get a stable id under the pool. */
export function mapPoolMembers(pool: BackendAddressPool): PoolMembers {
  const poolId = requireId(pool, 'backend pool');
  return {
    poolId,
    name: pool.name ?? '',
    ipConfigurationIds: ids(pool.backendIPConfigurations),
    // One per member (a NIC-based pool lists each here too): optional fields set one by one, in this
    // order, rather than spread from a temporary object each.
    addresses: (pool.loadBalancerBackendAddresses ?? []).map((a, i) => {
      const name = a.name ?? `address-${i}`;
      const address: PoolAddress = { id: `${poolId}/loadBalancerBackendAddresses/${name}`, name };
      if (a.ipAddress) address.ipAddress = a.ipAddress;
      if (a.virtualNetwork?.id) address.virtualNetworkId = a.virtualNetwork.id;
      if (a.subnet?.id) address.subnetId = a.subnet.id;
      if (a.networkInterfaceIPConfiguration?.id)
        address.ipConfigurationId = a.networkInterfaceIPConfiguration.id;
      return address;
    }),
  };
}

/** Maps a load balancer and its child resources. */
export function mapLoadBalancer(lb: LoadBalancer): MappedLoadBalancer {
  const id = requireId(lb, 'load balancer');
  const parsed = parseResourceId(id);
  const frontends: FrontendIpInfo[] = (lb.frontendIPConfigurations ?? []).map((f) => ({
    id: requireId(f, 'frontend IP configuration'),
    name: f.name ?? '',
    ...(f.privateIPAddress ? { privateIpAddress: f.privateIPAddress } : {}),
    ...(f.publicIPAddress?.id ? { publicIpAddressId: f.publicIPAddress.id } : {}),
    ...(f.subnet?.id ? { subnetId: f.subnet.id } : {}),
  }));
  return {
    loadBalancer: {
      id,
      name: lb.name ?? parsed.name,
      subscriptionId: parsed.subscriptionId,
      resourceGroup: parsed.resourceGroup,
      ...(lb.location ? { location: lb.location } : {}),
      sku: sku(lb.sku?.name),
      kind: frontends.some((f) => f.publicIpAddressId) ? 'public' : 'internal',
      frontendIpConfigurations: frontends,
    },
    probes: (lb.probes ?? []).map(mapProbe),
    rules: (lb.loadBalancingRules ?? []).map(mapLoadBalancingRule),
    pools: (lb.backendAddressPools ?? []).map(mapPoolMembers),
  };
}

/**
 * Maps a load balancing rule, as the load balancer's GET holds it or as its own list gives it
 * (LoadBalancerLoadBalancingRules_List): the pool ids of ARM's singular and plural fields merged.
 *
 * @throws InvalidArmAnswerError when the rule has no id.
 */
export function mapLoadBalancingRule(r: LoadBalancingRule): LoadBalancingRuleInfo {
  return {
    id: requireId(r, 'load balancing rule'),
    name: r.name ?? '',
    protocol: ruleProtocol(r.protocol),
    frontendPort: r.frontendPort ?? 0,
    backendPort: r.backendPort ?? 0,
    ...(r.probe?.id ? { probeId: r.probe.id } : {}),
    backendPoolIds: [
      ...new Set([...ids(r.backendAddressPool ? [r.backendAddressPool] : []), ...ids(r.backendAddressPools)]),
    ],
    enableFloatingIP: r.enableFloatingIP ?? false,
    ...(r.frontendIPConfiguration?.id ? { frontendIpConfigurationId: r.frontendIPConfiguration.id } : {}),
  };
}

/** Maps an NSG rule, merging ARM's singular and plural prefix and port fields. */
export function mapSecurityRule(rule: SecurityRule, isDefault = false): SecurityRuleInfo {
  const priority = rule.priority ?? 0;
  return {
    ...(rule.id ? { id: rule.id } : {}),
    name: rule.name ?? '',
    priority,
    direction: rule.direction?.toLowerCase() === 'outbound' ? 'Outbound' : 'Inbound',
    access: rule.access?.toLowerCase() === 'deny' ? 'Deny' : 'Allow',
    protocol: rule.protocol ?? '*',
    sourceAddressPrefixes: merged(rule.sourceAddressPrefix, rule.sourceAddressPrefixes),
    sourcePortRanges: merged(rule.sourcePortRange, rule.sourcePortRanges),
    destinationAddressPrefixes: merged(rule.destinationAddressPrefix, rule.destinationAddressPrefixes),
    destinationPortRanges: merged(rule.destinationPortRange, rule.destinationPortRanges),
    sourceApplicationSecurityGroupIds: ids(rule.sourceApplicationSecurityGroups),
    destinationApplicationSecurityGroupIds: ids(rule.destinationApplicationSecurityGroups),
    ...(rule.description ? { description: rule.description } : {}),
    ...(rule.etag ? { etag: rule.etag } : {}),
    // The six default rules sit at 65000 and above; nothing a user writes can.
    isDefault: isDefault || priority >= 65000,
  };
}

/** Maps an NSG with its custom and default rules. */
export function mapNsg(nsg: NetworkSecurityGroup): NsgInfo {
  const id = requireId(nsg, 'network security group');
  return {
    id,
    name: nsg.name ?? parseResourceId(id).name,
    ...(nsg.etag ? { etag: nsg.etag } : {}),
    securityRules: (nsg.securityRules ?? []).map((r) => mapSecurityRule(r, false)),
    defaultSecurityRules: (nsg.defaultSecurityRules ?? []).map((r) => mapSecurityRule(r, true)),
  };
}

/**
 * Maps a NIC. The VM comes from `virtualMachine`; a scale set VM's NIC may lack it, but its id
 * names the instance.
 */
export function mapNic(nic: NetworkInterface): NicInfo {
  const id = requireId(nic, 'network interface');
  const parsed = parseResourceId(id);
  const vmId = nic.virtualMachine?.id ?? scaleSetVmOf(parsed)?.vmId;
  return {
    id,
    name: nic.name ?? parsed.name,
    ...(nic.networkSecurityGroup?.id ? { nsgId: nic.networkSecurityGroup.id } : {}),
    ...(vmId ? { vmId } : {}),
    ...(nic.primary !== undefined ? { primary: nic.primary } : {}),
    ...(nic.enableIPForwarding !== undefined ? { enableIpForwarding: nic.enableIPForwarding } : {}),
    ipConfigurations: (nic.ipConfigurations ?? []).map((c): IpConfigurationInfo => ({
      id: requireId(c, 'IP configuration'),
      name: c.name ?? '',
      ...(c.privateIPAddress ? { privateIpAddress: c.privateIPAddress } : {}),
      ...(c.subnet?.id ? { subnetId: c.subnet.id } : {}),
      ...(c.primary !== undefined ? { primary: c.primary } : {}),
      asgIds: ids(c.applicationSecurityGroups),
    })),
  };
}

/** Maps a subnet; `virtualNetworkId` is its parent. */
export function mapSubnet(subnet: Subnet, virtualNetworkId: string): SubnetInfo {
  return {
    id: requireId(subnet, 'subnet'),
    name: subnet.name ?? '',
    virtualNetworkId,
    addressPrefixes: merged(subnet.addressPrefix, subnet.addressPrefixes),
    ...(subnet.networkSecurityGroup?.id ? { nsgId: subnet.networkSecurityGroup.id } : {}),
    ...(subnet.routeTable?.id ? { routeTableId: subnet.routeTable.id } : {}),
  };
}

/** Maps a virtual network (its subnets are mapped one by one with {@link mapSubnet}). */
export function mapVirtualNetwork(vnet: VirtualNetwork): VirtualNetworkInfo {
  const id = requireId(vnet, 'virtual network');
  const peered = (vnet.virtualNetworkPeerings ?? []).flatMap(
    (peering) => peering.remoteAddressSpace?.addressPrefixes ?? [],
  );
  return {
    id,
    name: vnet.name ?? parseResourceId(id).name,
    addressPrefixes: vnet.addressSpace?.addressPrefixes ?? [],
    ...(peered.length > 0 ? { peeredAddressPrefixes: peered } : {}),
  };
}

/** Maps a route table. */
export function mapRouteTable(table: RouteTable): RouteTableInfo {
  const id = requireId(table, 'route table');
  return {
    id,
    name: table.name ?? parseResourceId(id).name,
    routes: (table.routes ?? []).map((r) => ({
      name: r.name ?? '',
      addressPrefix: r.addressPrefix ?? '',
      nextHopType: r.nextHopType ?? '',
      ...(r.nextHopIpAddress ? { nextHopIpAddress: r.nextHopIpAddress } : {}),
    })),
    ...(table.disableBgpRoutePropagation !== undefined
      ? { disableBgpRoutePropagation: table.disableBgpRoutePropagation }
      : {}),
  };
}

/** Maps an application security group. */
export function mapAsg(asg: ApplicationSecurityGroup): AsgInfo {
  const id = requireId(asg, 'application security group');
  return { id, name: asg.name ?? parseResourceId(id).name };
}

const POWER_STATES: readonly PowerState[] = [
  'running',
  'starting',
  'stopping',
  'stopped',
  'deallocating',
  'deallocated',
];

/** The code after `prefix/` of the first status that has it, lower-cased. */
function statusCode(statuses: InstanceViewStatus[] | undefined, prefix: string): string | undefined {
  const wanted = `${prefix.toLowerCase()}/`;
  const code = statuses?.find((s) => s.code?.toLowerCase().startsWith(wanted))?.code;
  return code?.slice(wanted.length).toLowerCase();
}

/** `PowerState/running` -> `running`; absent or unrecognised -> `unknown`. */
export function powerStateOf(statuses: InstanceViewStatus[] | undefined): PowerState {
  const code = statusCode(statuses, 'PowerState');
  return POWER_STATES.find((s) => s === code) ?? 'unknown';
}

/** `ProvisioningState/succeeded` -> `succeeded` (`ProvisioningState/failed/...` -> `failed/...`). */
export function provisioningStateOf(statuses: InstanceViewStatus[] | undefined): string | undefined {
  return statusCode(statuses, 'ProvisioningState');
}

/**
 * The guest agent's state. It reports `displayStatus: Ready` when it runs and accepts
 * configurations; `Not Ready` (with a message) when it stopped talking to the host.
 */
export function agentStatusOf(agent: VirtualMachineAgentInstanceView | undefined): {
  agentStatus: VmInfo['agentStatus'];
  agentMessage?: string;
} {
  const status = agent?.statuses?.[0];
  if (!status) return { agentStatus: 'unknown' };
  const display = status.displayStatus?.trim().toLowerCase();
  const agentStatus = display === 'ready' ? 'ready' : display === undefined ? 'unknown' : 'not-ready';
  return { agentStatus, ...(status.message ? { agentMessage: status.message } : {}) };
}

function osTypeOf(value: string | undefined): VmInfo['osType'] {
  const lower = value?.toLowerCase();
  if (lower === 'linux') return 'Linux';
  if (lower === 'windows') return 'Windows';
  return undefined;
}

interface InstanceViewLike {
  statuses?: InstanceViewStatus[];
  vmAgent?: VirtualMachineAgentInstanceView;
}

function healthOf(
  view: InstanceViewLike | undefined,
): Pick<VmInfo, 'powerState' | 'provisioningState' | 'agentStatus' | 'agentMessage'> {
  const provisioningState = provisioningStateOf(view?.statuses);
  return {
    powerState: powerStateOf(view?.statuses),
    ...(provisioningState ? { provisioningState } : {}),
    ...agentStatusOf(view?.vmAgent),
  };
}

/** Maps a VM read with `$expand=instanceView`. */
export function mapVirtualMachine(vm: VirtualMachine): VmInfo {
  const id = requireId(vm, 'virtual machine');
  const osType = osTypeOf(vm.storageProfile?.osDisk?.osType);
  return {
    id,
    name: vm.name ?? parseResourceId(id).name,
    kind: 'vm',
    ...(vm.virtualMachineScaleSet?.id ? { scaleSetId: vm.virtualMachineScaleSet.id } : {}),
    ...(osType ? { osType } : {}),
    ...healthOf(vm.instanceView),
    nicIds: ids(vm.networkProfile?.networkInterfaces),
  };
}

/**
 * Maps a scale set VM. Its instance view comes from a separate call (or from the VM when read with
 * `$expand=instanceView`); the separate one wins.
 */
export function mapScaleSetVm(
  vm: VirtualMachineScaleSetVM,
  instanceView?: VirtualMachineScaleSetVMInstanceView,
): VmInfo {
  const id = requireId(vm, 'scale set VM');
  const parsed = parseResourceId(id);
  const ref = scaleSetVmOf(parsed);
  const osType = osTypeOf(vm.storageProfile?.osDisk?.osType);
  return {
    id,
    name: vm.name ?? parsed.name,
    kind: 'vmss-vm',
    ...(ref ? { scaleSetId: ref.scaleSetId } : {}),
    ...(osType ? { osType } : {}),
    ...healthOf(instanceView ?? vm.instanceView),
    nicIds: ids(vm.networkProfile?.networkInterfaces),
  };
}

/**
 * Maps a scale set's model: the IP configurations every new instance gets
 * (`virtualMachineProfile.networkProfile.networkInterfaceConfigurations[].ipConfigurations[]`, with
 * their subnet, application security groups and load balancer pools), and `sku.capacity`.
 */
export function mapScaleSet(vmss: VirtualMachineScaleSet): ScaleSetInfo {
  const id = requireId(vmss, 'scale set');
  const nicConfigurations = vmss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations ?? [];
  return {
    id,
    name: vmss.name ?? parseResourceId(id).name,
    ...(vmss.orchestrationMode ? { orchestrationMode: vmss.orchestrationMode } : {}),
    ...(typeof vmss.sku?.capacity === 'number' ? { capacity: vmss.sku.capacity } : {}),
    ipConfigurations: nicConfigurations.flatMap((nic) =>
      (nic.ipConfigurations ?? []).map((ip) => ({
        nicConfigurationName: nic.name,
        name: ip.name,
        ...(ip.subnet?.id ? { subnetId: ip.subnet.id } : {}),
        asgIds: ids(ip.applicationSecurityGroups),
        poolIds: ids(ip.loadBalancerBackendAddressPools),
      })),
    ),
  };
}
