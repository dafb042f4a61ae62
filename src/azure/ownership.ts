/**
 * Controller ownership from what ARM and the controllers write (docs/probe-facts.md, "Resources a
 * controller owns"): a `managedBy` on the resource or its resource group, the AKS node resource
 * group's default name, the tags AKS and the Kubernetes cloud provider put on what they create, the
 * cloud provider's load balancer names and the rule and probe names it builds from a Service UID,
 * Cluster API's and Service Fabric's tags. Pure: discovery hands it what it read.
 */
import type { ControllerKind, ResourceOwner } from '../model/topology';
import { parseResourceId } from './resourceId';

/** What ARM says about a resource group (`GET /subscriptions/{s}/resourcegroups/{rg}`). */
export interface ResourceGroupFacts {
  managedBy?: string;
  tags?: Record<string, string>;
}

/** One resource as discovery read it. */
export interface OwnershipInput {
  id: string;
  name?: string;
  tags?: Record<string, string>;
  /** ARM's `managedBy` on the resource itself, when the read carried it. */
  managedBy?: string;
  /** The resource group, when it could be read. */
  resourceGroup?: ResourceGroupFacts;
  /**
   * Names of the rules and probes of a load balancer, or the security rules of an NSG: the cloud
   * provider names what it creates `a<Service UID without dashes>-...`.
   */
  childNames?: string[];
  /** Tags of the public IPs behind a load balancer's frontends (`k8s-azure-service` lives there). */
  frontendTags?: Record<string, string>[];
  /** True for a load balancer: its name alone can show the cloud provider. */
  isLoadBalancer?: boolean;
}

/** `MC_{resource group}_{cluster}_{location}`: AKS's default node resource group name. */
const AKS_NODE_RESOURCE_GROUP = /^MC_(.+)$/i;
/** The cloud provider names rules, probes and security rules after `DefaultLoadBalancerName` (k8s.io/cloud-provider): `a` + the Service UID without dashes, cut to 32 characters. */
const SERVICE_UID_NAME = /^a[0-9a-f]{31}(-|$)/i;
/** The load balancers the cloud provider creates for a cluster named `kubernetes` (AKS's name for it). */
const CLOUD_PROVIDER_LB_NAMES = new Set(['kubernetes', 'kubernetes-internal']);
/** CAPZ tags what it creates `sigs.k8s.io_cluster-api-provider-azure_cluster_<cluster>: owned`. */
const CAPZ_TAG = /^sigs\.k8s\.io_cluster-api-provider-azure_cluster_(.+)$/i;

function tagValue(tags: Record<string, string> | undefined, name: string): string | undefined {
  if (!tags) return undefined;
  const key = Object.keys(tags).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : tags[key];
}

/** The controller a `managedBy` resource id stands for. */
function controllerOfManagedBy(managedBy: string): { controller: ControllerKind; cluster?: string } {
  let type = '';
  let name: string | undefined;
  try {
    const parsed = parseResourceId(managedBy);
    type = parsed.fullType.toLowerCase();
    name = parsed.name;
  } catch {
    type = managedBy.toLowerCase();
  }
  if (type.includes('microsoft.containerservice/managedclusters'))
    return { controller: 'aks', ...(name ? { cluster: name } : {}) };
  if (type.includes('microsoft.servicefabric'))
    return { controller: 'service-fabric', ...(name ? { cluster: name } : {}) };
  return { controller: 'managed-by' };
}

/**
 * The controller that owns a resource, or undefined when nothing ARM or a controller wrote shows one.
 * Several signs may agree; all are kept as evidence, and the most specific controller wins (AKS over
 * the generic Kubernetes cloud provider, which AKS runs).
 */
export function detectOwner(input: OwnershipInput): ResourceOwner | undefined {
  const evidence: string[] = [];
  const kinds = new Set<ControllerKind>();
  let cluster: string | undefined;
  let managedBy: string | undefined;
  const services = new Set<string>();
  const note = (kind: ControllerKind, why: string, clusterName?: string) => {
    kinds.add(kind);
    evidence.push(why);
    if (clusterName && !cluster) cluster = clusterName;
  };

  for (const [where, value] of [
    ['resource', input.managedBy],
    ['resource group', input.resourceGroup?.managedBy],
  ] as const) {
    if (!value) continue;
    const of = controllerOfManagedBy(value);
    managedBy ??= value;
    note(of.controller, `${where} managedBy ${value}`, of.cluster);
  }

  let resourceGroup: string | undefined;
  try {
    resourceGroup = parseResourceId(input.id).resourceGroup;
  } catch {
    resourceGroup = undefined;
  }
  const mc = resourceGroup ? AKS_NODE_RESOURCE_GROUP.exec(resourceGroup) : null;
  if (mc && resourceGroup) {
    // MC_{rg}_{cluster}_{location}: the location has no underscore; the cluster is the part before it
    // only when the split is unambiguous.
    const parts = resourceGroup.split('_');
    note(
      'aks',
      `resource group ${resourceGroup} (AKS node resource group name)`,
      parts.length === 4 ? parts[2] : undefined,
    );
  }

  const tagSets = [input.tags, ...(input.frontendTags ?? [])];
  for (const tags of tagSets) {
    if (!tags) continue;
    const aksCluster = tagValue(tags, 'aks-managed-cluster-name');
    const aksTags = Object.keys(tags).filter((k) => k.toLowerCase().startsWith('aks-managed-'));
    if (aksCluster) note('aks', `tag aks-managed-cluster-name=${aksCluster}`, aksCluster);
    else if (aksTags.length > 0) note('aks', `tag ${aksTags[0]}`);
    for (const name of ['k8s-azure-cluster-name', 'kubernetes-cluster-name']) {
      const value = tagValue(tags, name);
      if (value) note('kubernetes', `tag ${name}=${value}`, aksCluster ? undefined : value);
    }
    const service = tagValue(tags, 'k8s-azure-service');
    if (service) {
      for (const s of service
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean))
        services.add(s);
      note('kubernetes', `tag k8s-azure-service=${service}`);
    }
    const orchestrator = tagValue(tags, 'orchestrator');
    if (orchestrator && /^kubernetes:/i.test(orchestrator))
      note('kubernetes', `tag orchestrator=${orchestrator}`);
    for (const key of Object.keys(tags)) {
      const capz = CAPZ_TAG.exec(key);
      if (capz) note('cluster-api', `tag ${key}=${tags[key] ?? ''}`, capz[1]);
    }
    if (/^service fabric$/i.test(tagValue(tags, 'resourceType') ?? '')) {
      note('service-fabric', 'tag resourceType=Service Fabric', tagValue(tags, 'clusterName'));
    }
  }

  if (input.isLoadBalancer && input.name && CLOUD_PROVIDER_LB_NAMES.has(input.name.toLowerCase())) {
    note('kubernetes', `load balancer name ${input.name} (the Kubernetes cloud provider's)`);
  }
  const uidNamed = (input.childNames ?? []).filter((n) => SERVICE_UID_NAME.test(n));
  if (uidNamed.length > 0) {
    note('kubernetes', `rule name ${uidNamed[0]} (a<Service UID>-..., the Kubernetes cloud provider's)`);
  }

  if (kinds.size === 0) return undefined;
  const order: ControllerKind[] = ['aks', 'cluster-api', 'service-fabric', 'kubernetes', 'managed-by'];
  const controller = order.find((k) => kinds.has(k)) as ControllerKind;
  return {
    controller,
    ...(cluster ? { cluster } : {}),
    ...(managedBy ? { managedBy } : {}),
    ...(services.size > 0 ? { services: [...services].sort() } : {}),
    evidence,
  };
}
