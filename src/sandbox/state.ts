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
 * What a change touched, when it touched only that: the body of one NSG (a security rule PUT, its
 * completion, a DELETE), or the guest of one VM (its power state, its firewall). A change that names
 * no scope may have changed anything.
 */
export type ChangeScope = { nsgId: string } | { guestOf: string };

/** The key a {@link ChangeScope} is recorded under; derivations name their dependencies the same way. */
export function scopeKey(scope: ChangeScope): string {
  return 'nsgId' in scope ? `nsg:${idKey(scope.nsgId)}` : `guest:${idKey(scope.guestOf)}`;
}

/**
 * The scoped changes of each state, by the version they made: what each touched. A version missing
 * here (an unscoped change, a bump that skipped {@link recordChange}, or one older than the log keeps)
 * counts as a change of anything.
 */
const scopedChanges = new WeakMap<SandboxState, Map<number, readonly string[]>>();

/** How many scoped changes are remembered per state: older ones count as changes of anything. */
const SCOPED_CHANGES_KEPT = 256;

/**
 * Records a change of the state: every write, and every operation that changes something when it
 * finishes (a rule's provisioningState `Updating` -> `Succeeded`, a VM's power state), calls this
 * before stamping new etags. `scopes` say what the change touched, when that is all it touched: an
 * answer that depends on none of them may be kept (probeModel.ts re-derives only the backends behind
 * a written NSG). Without scopes, the change may have touched anything. Returns the new version.
 */
export function recordChange(state: SandboxState, ...scopes: ChangeScope[]): number {
  state.version += 1;
  if (scopes.length > 0) {
    let log = scopedChanges.get(state);
    if (!log) {
      log = new Map();
      scopedChanges.set(state, log);
    }
    log.set(state.version, scopes.map(scopeKey));
    // Versions only grow, so the map is oldest first.
    for (const v of log.keys()) {
      if (v > state.version - SCOPED_CHANGES_KEPT) break;
      log.delete(v);
    }
  }
  return state.version;
}

/**
 * The scope keys ({@link scopeKey}) of every change since `version`, or undefined when one of them
 * may have touched anything (so nothing derived at `version` can be kept).
 */
export function changedSince(state: SandboxState, version: number): ReadonlySet<string> | undefined {
  if (version > state.version) return undefined;
  const log = scopedChanges.get(state);
  const touched = new Set<string>();
  for (let v = version + 1; v <= state.version; v++) {
    const keys = log?.get(v);
    if (!keys) return undefined;
    for (const key of keys) touched.add(key);
  }
  return touched;
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
