/**
 * The load balancer and everything its probe depends on, as plain data. Built by discovery
 * (src/azure/discovery.ts) from ARM reads; read by the pure checks in src/diagnose/.
 * Maps are keyed by {@link idKey} of the resource id; each value keeps the id as ARM spelled it.
 */

export type ProbeProtocol = 'Tcp' | 'Http' | 'Https';

export interface ProbeInfo {
  id: string;
  name: string;
  protocol: ProbeProtocol;
  port: number;
  /** HTTP(S) only; ARM returns it as given, so it may be malformed. */
  requestPath?: string;
  intervalInSeconds: number;
  /** Older property: consecutive failures before Down. */
  numberOfProbes?: number;
  /** Newer property: consecutive results that flip the state both ways. */
  probeThreshold?: number;
  /** `AllProbedDown` (default) or `AllProbedUp`. */
  noHealthyBackendsBehavior?: string;
}

export interface LoadBalancingRuleInfo {
  id: string;
  name: string;
  protocol: 'Tcp' | 'Udp' | 'All';
  frontendPort: number;
  backendPort: number;
  probeId?: string;
  /** `backendAddressPool` and `backendAddressPools`, merged. */
  backendPoolIds: string[];
  enableFloatingIP: boolean;
  frontendIpConfigurationId?: string;
}

export interface FrontendIpInfo {
  id: string;
  name: string;
  privateIpAddress?: string;
  publicIpAddressId?: string;
  subnetId?: string;
}

export interface LoadBalancerInfo {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location?: string;
  sku: 'Basic' | 'Standard' | 'Gateway';
  /** `public` when any frontend has a public IP, else `internal`. */
  kind: 'public' | 'internal';
  frontendIpConfigurations: FrontendIpInfo[];
}

export interface BackendPoolInfo {
  id: string;
  name: string;
  /** Keys of {@link BackendInfo} entries that are members of this pool. */
  backendKeys: string[];
}

/**
 * One probed endpoint. Health is keyed by NIC IP configuration, so a VM with two NICs in a pool is
 * two backends.
 */
export interface BackendInfo {
  /** The NIC IP configuration id, or for an IP-based member the pool's address id. */
  key: string;
  membership: 'nic' | 'ip';
  poolIds: string[];
  ipAddress?: string;
  ipConfigurationId?: string;
  nicId?: string;
  /** Whether the NIC is the VM's primary NIC (the probe must be answered on the NIC it arrives on). */
  primaryNic?: boolean;
  /** VM or scale set VM id. */
  vmId?: string;
  subnetId?: string;
  virtualNetworkId?: string;
  /** Application security groups of this IP configuration. */
  asgIds: string[];
}

export interface IpConfigurationInfo {
  id: string;
  name: string;
  privateIpAddress?: string;
  subnetId?: string;
  primary?: boolean;
  asgIds: string[];
}

export interface NicInfo {
  id: string;
  name: string;
  nsgId?: string;
  vmId?: string;
  primary?: boolean;
  enableIpForwarding?: boolean;
  ipConfigurations: IpConfigurationInfo[];
}

export interface SubnetInfo {
  id: string;
  name: string;
  virtualNetworkId: string;
  addressPrefixes: string[];
  nsgId?: string;
  routeTableId?: string;
}

export interface VirtualNetworkInfo {
  id: string;
  name: string;
  addressPrefixes: string[];
  /**
   * The address spaces of the VNets this one is peered with (each peering's `remoteAddressSpace`),
   * which the `VirtualNetwork` service tag covers ("peered virtual networks", service-tags-overview.md).
   */
  peeredAddressPrefixes?: string[];
}

export type RuleAccess = 'Allow' | 'Deny';
export type RuleDirection = 'Inbound' | 'Outbound';

/**
 * An NSG rule with ARM's singular and plural fields merged into lists (ARM uses one or the other;
 * an empty list means the field was not used).
 */
export interface SecurityRuleInfo {
  id?: string;
  name: string;
  priority: number;
  direction: RuleDirection;
  access: RuleAccess;
  /** `*`, `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` as ARM spells them. */
  protocol: string;
  sourceAddressPrefixes: string[];
  sourcePortRanges: string[];
  destinationAddressPrefixes: string[];
  destinationPortRanges: string[];
  sourceApplicationSecurityGroupIds: string[];
  destinationApplicationSecurityGroupIds: string[];
  description?: string;
  etag?: string;
  /** True for the six default rules (priority 65000+). */
  isDefault: boolean;
}

export interface NsgInfo {
  id: string;
  name: string;
  etag?: string;
  securityRules: SecurityRuleInfo[];
  defaultSecurityRules: SecurityRuleInfo[];
}

export interface RouteInfo {
  name: string;
  addressPrefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
}

export interface RouteTableInfo {
  id: string;
  name: string;
  routes: RouteInfo[];
  disableBgpRoutePropagation?: boolean;
}

export type PowerState =
  'running' | 'starting' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated' | 'unknown';

export interface VmInfo {
  id: string;
  name: string;
  kind: 'vm' | 'vmss-vm';
  scaleSetId?: string;
  osType?: 'Linux' | 'Windows';
  /** From the instance view `PowerState/<code>` status. */
  powerState: PowerState;
  /** From the instance view `ProvisioningState/<code>` status, e.g. `succeeded`, `failed`. */
  provisioningState?: string;
  /** Guest agent: `ready` when the VM agent reports `Ready`. */
  agentStatus: 'ready' | 'not-ready' | 'unknown';
  agentMessage?: string;
  nicIds: string[];
}

/**
 * One IP configuration of a scale set's model (`virtualMachineProfile.networkProfile.
 * networkInterfaceConfigurations[].ipConfigurations[]`): what every instance the scale set creates
 * gets, whatever today's instances carry.
 */
export interface ScaleSetIpConfigurationModel {
  /** The network interface configuration's name (the instance NIC's name). */
  nicConfigurationName: string;
  name: string;
  subnetId?: string;
  /** Application security groups every new instance's IP configuration joins. */
  asgIds: string[];
  /** Load balancer backend pools every new instance's IP configuration joins. */
  poolIds: string[];
}

/** A scale set's model, as far as the network path of a new instance goes. */
export interface ScaleSetInfo {
  id: string;
  name: string;
  /** `Uniform` or `Flexible`, as ARM reports `orchestrationMode`. */
  orchestrationMode?: string;
  /** `sku.capacity`: how many instances the scale set keeps. */
  capacity?: number;
  ipConfigurations: ScaleSetIpConfigurationModel[];
}

export interface AsgInfo {
  id: string;
  name: string;
}

/** A resource discovery could not read: a typed finding, not a crash. */
export interface TopologyProblem {
  resourceId: string;
  kind: 'not-found' | 'forbidden' | 'error';
  statusCode?: number;
  message: string;
  /** The resource whose reference led here. */
  referencedBy?: string;
}

/**
 * Who reconciles a resource besides its owner's people: the controller that created it and rewrites
 * it (docs/probe-facts.md, "Resources a controller owns"). probe-doctor never writes to such a
 * resource; it recommends the change at the controller's level instead.
 */
export type ControllerKind =
  /** Azure Kubernetes Service: the node resource group and what the cloud provider creates in it. */
  | 'aks'
  /** The Kubernetes cloud provider for Azure outside AKS (acs-engine, aks-engine, self-managed). */
  | 'kubernetes'
  /** Cluster API Provider Azure (CAPZ). */
  | 'cluster-api'
  /** Service Fabric (classic clusters' ARM templates, managed clusters' SFC_ resource groups). */
  | 'service-fabric'
  /** Another `managedBy` owner ARM names (a managed application, a Databricks workspace...). */
  | 'managed-by';

/** A resource's controller, with what showed it. */
export interface ResourceOwner {
  controller: ControllerKind;
  /** The cluster as the controller names it (AKS cluster name, Kubernetes cluster name). */
  cluster?: string;
  /** The `managedBy` resource id ARM reports on the resource or its resource group. */
  managedBy?: string;
  /** Kubernetes Services (`namespace/name`) the resource serves, from `k8s-azure-service` tags. */
  services?: string[];
  /**
   * What the detection rests on, one phrase each: `resource group managedBy ...`,
   * `tag aks-managed-cluster-name=...`, `rule name a<Service UID>-TCP-80`.
   */
  evidence: string[];
}

export interface Topology {
  loadBalancer: LoadBalancerInfo;
  probes: ProbeInfo[];
  rules: LoadBalancingRuleInfo[];
  pools: BackendPoolInfo[];
  backends: BackendInfo[];
  nics: Record<string, NicInfo>;
  subnets: Record<string, SubnetInfo>;
  virtualNetworks: Record<string, VirtualNetworkInfo>;
  nsgs: Record<string, NsgInfo>;
  routeTables: Record<string, RouteTableInfo>;
  vms: Record<string, VmInfo>;
  asgs: Record<string, AsgInfo>;
  /**
   * Controller ownership of the load balancer, NSGs, VMs and scale sets, by {@link idKey} of the
   * resource id; a resource absent here is owned by its people alone. Absent on topologies built
   * before ownership detection (read as: nothing detected).
   */
  owners?: Record<string, ResourceOwner>;
  /**
   * The models of the scale sets whose instances are backends read in depth, by {@link idKey}: where a
   * new instance lands (subnet, ASGs, pools). Absent or missing a scale set: its model was not read.
   */
  scaleSets?: Record<string, ScaleSetInfo>;
  problems: TopologyProblem[];
}
