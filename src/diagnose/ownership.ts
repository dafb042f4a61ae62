/**
 * Reading controller ownership (detected at discovery, src/azure/ownership.ts) for the report and the
 * planner: who owns a resource, in one phrase a person can act on, and where a change belongs when a
 * controller would undo a direct edit (docs/probe-facts.md, "Resources a controller owns").
 */
import { idKey } from '../model/ids';
import type { Note } from '../model/report';
import type { ResourceOwner, Topology } from '../model/topology';

/** The controller that owns a resource of this topology, if any. */
export function ownerOf(topology: Topology, resourceId: string | undefined): ResourceOwner | undefined {
  if (!resourceId) return undefined;
  return topology.owners?.[idKey(resourceId)];
}

/** True for the Kubernetes family: AKS, the cloud provider outside AKS, Cluster API. */
export function isKubernetesOwner(owner: ResourceOwner | undefined): boolean {
  return (
    owner?.controller === 'aks' || owner?.controller === 'kubernetes' || owner?.controller === 'cluster-api'
  );
}

const CONTROLLER_NAMES: Record<ResourceOwner['controller'], string> = {
  aks: 'AKS cluster',
  kubernetes: 'the Kubernetes cloud provider of cluster',
  'cluster-api': 'Cluster API cluster',
  'service-fabric': 'Service Fabric cluster',
  'managed-by': 'its managing resource',
};

/** `AKS cluster aks-web; Service ingress/ingress-nginx` (what the report prints after "owned by"). */
export function describeOwner(owner: ResourceOwner): string {
  const who =
    owner.controller === 'managed-by'
      ? `${owner.managedBy ?? 'its managing resource'} (managedBy)`
      : owner.cluster
        ? `${CONTROLLER_NAMES[owner.controller]} ${owner.cluster}`
        : CONTROLLER_NAMES[owner.controller].replace(/ of cluster$| cluster$/, '');
  const services = owner.services?.length ? `; Service ${owner.services.join(', ')}` : '';
  return `${who}${services}`;
}

/**
 * One load-balancer note per controller-owned resource the probe path runs through (the load
 * balancer, NSGs, VMs), so the report says who owns what before anyone edits it by hand.
 */
export function ownershipNotes(topology: Topology): Note[] {
  // VMs of one pool share their owner: one note for the load balancer and each NSG, VMs summed up.
  const resources: { id: string; what: string }[] = [
    { id: topology.loadBalancer.id, what: `load balancer ${topology.loadBalancer.name}` },
    ...Object.values(topology.nsgs).map((n) => ({ id: n.id, what: `NSG ${n.name}` })),
  ];
  const notes: Note[] = [];
  for (const { id, what } of resources) {
    const owner = ownerOf(topology, id);
    if (!owner) continue;
    notes.push({
      id: 'controller-owned',
      summary: `${what} is owned by ${describeOwner(owner)}: probe-doctor writes nothing to it (the controller would undo a direct change); changes belong in the controller's configuration.`,
      evidence: { resourceId: id, ...owner },
    });
  }
  const ownedVms = Object.values(topology.vms).filter((v) => topology.owners?.[idKey(v.id)]);
  if (ownedVms.length > 0) {
    const owner = topology.owners?.[idKey(ownedVms[0]!.id)] as ResourceOwner;
    notes.push({
      id: 'controller-owned',
      summary: `${ownedVms.length} backend VM(s) (${ownedVms.map((v) => v.name).join(', ')}) are owned by ${describeOwner(owner)}: probe-doctor neither starts them nor changes their guest firewall.`,
      evidence: { resourceIds: ownedVms.map((v) => v.id), ...owner },
    });
  }
  return notes;
}
