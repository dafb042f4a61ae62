/**
 * The sandbox's mutable world: the scenario's resources and guests, indexed by id. The server
 * (src/sandbox/server.ts) reads and writes it; the derived views (src/sandbox/derive/) and the guest
 * simulator (./guest) compute what Azure would answer from it on every request, so a write
 * (an added NSG rule) changes what is read or probed afterwards.
 */
import { idKey } from '../model/ids';
import type { GuestState, Scenario, ScenarioResource } from './scenario';

export interface SandboxState {
  readonly scenario: Scenario;
  /** Top-level resources by {@link idKey}; child resources live inside their parent's body. */
  readonly resources: Map<string, ScenarioResource>;
  /** Guest facts by {@link idKey} of the VM or scale set VM id. */
  readonly guests: Map<string, GuestState>;
  /**
   * Bumped on every change of the state, only through {@link recordChange}: answers remembered per
   * version (versionMemo.ts, probeTime.ts) and etags (etags.ts) derive from it, so a change that
   * skips it leaves a stale answer or an etag that did not move.
   */
  version: number;
}

/**
 * Records a change of the state: every write, and every operation that changes something when it
 * finishes (a rule's provisioningState `Updating` -> `Succeeded`, a VM's power state), calls this
 * before stamping new etags. Returns the new version.
 */
export function recordChange(state: SandboxState): number {
  state.version += 1;
  return state.version;
}

/** Builds the state from a validated scenario. The scenario is deep-copied: writes never touch it. */
export function createSandboxState(scenario: Scenario): SandboxState {
  const copy = structuredClone(scenario);
  return {
    scenario: copy,
    resources: new Map(copy.resources.map((r) => [idKey(r.id), r])),
    guests: new Map(Object.entries(copy.guests).map(([id, g]) => [idKey(id), g])),
    version: 0,
  };
}

/** Child collections ARM nests in `properties` of a parent, by the child's id segment. */
export const CHILD_COLLECTIONS: Readonly<Record<string, string>> = {
  probes: 'probes',
  loadbalancingrules: 'loadBalancingRules',
  backendaddresspools: 'backendAddressPools',
  frontendipconfigurations: 'frontendIPConfigurations',
  inboundnatrules: 'inboundNatRules',
  outboundrules: 'outboundRules',
  securityrules: 'securityRules',
  defaultsecurityrules: 'defaultSecurityRules',
  subnets: 'subnets',
  routes: 'routes',
  ipconfigurations: 'ipConfigurations',
};

/**
 * Finds a resource by id: a top-level resource, or a child (a probe, a rule, a subnet, an NIC IP
 * configuration) inside its parent's `properties`. Case-insensitive, as ARM is.
 */
export function findResource(state: SandboxState, id: string): Record<string, unknown> | undefined {
  const key = idKey(id);
  const top = state.resources.get(key);
  if (top) return top;
  const match = /^(.*)\/([^/]+)\/([^/]+)$/.exec(key);
  if (!match) return undefined;
  const [, parentId, collection, name] = match as unknown as [string, string, string, string];
  const property = CHILD_COLLECTIONS[collection];
  if (!property) return undefined;
  const parent = findResource(state, parentId);
  const children = (parent?.properties as Record<string, unknown> | undefined)?.[property];
  if (!Array.isArray(children)) return undefined;
  return (children as Record<string, unknown>[]).find(
    (c) => typeof c.name === 'string' && c.name.toLowerCase() === name,
  );
}

/** The guest facts of a VM or scale set VM, if the scenario has them. */
export function findGuest(state: SandboxState, vmId: string): GuestState | undefined {
  return state.guests.get(idKey(vmId));
}
