/**
 * Reads: GET of any resource or child by id, lists (by resource group, by subscription, children of
 * a parent, scale set VMs and their NICs), VM instance views, and the metric and Resource Health
 * reads that are computed by the derived views.
 */
import { idKey } from '../../model/ids';
import { childNotFound, resourceGroupNotFound, resourceNotFound, subscriptionNotFound } from '../armErrors';
import type { SandboxContext } from '../context';
import { isHidden } from '../forbidden';
import type { ArmRequest, ArmResponse, RouteParams } from '../router';
import { stateJson, storedJsonBytes } from '../storedJson';
import { CHILD_COLLECTIONS, findResource, type SandboxState } from '../state';

type Json = Record<string, unknown>;

const TOP_LEVEL_ID = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+)/i;

const VM_TYPES = new Set([
  'microsoft.compute/virtualmachines',
  'microsoft.compute/virtualmachinescalesets/virtualmachines',
]);

/** A resource or child by id; ARM's 404s otherwise (front door for the parent, provider for a child). */
export function requireResource(state: SandboxState, id: string): Json {
  const found = findResource(state, id);
  if (found) return found;
  const top = TOP_LEVEL_ID.exec(id)?.[1];
  // A scale set VM or its NIC is stored under its own (nested) id: its nearest stored ancestor decides.
  if (!top || !findResource(state, top)) throw resourceNotFound(id);
  throw childNotFound(id);
}

/** A VM or scale set VM by id; 404 when absent or of another type. */
export function requireVm(state: SandboxState, vmId: string): Json {
  const vm = requireResource(state, vmId);
  if (!VM_TYPES.has(String(vm.type).toLowerCase())) throw resourceNotFound(vmId);
  return vm;
}

/** A network interface by id; 404 when absent or of another type. */
export function requireNic(state: SandboxState, nicId: string): Json {
  const nic = requireResource(state, nicId);
  if (String(nic.type).toLowerCase() !== 'microsoft.network/networkinterfaces') throw resourceNotFound(nicId);
  return nic;
}

/** The location an operation on `id` reports under (the resource's region, or its parent's). */
export function locationOf(state: SandboxState, id: string): string {
  const top = TOP_LEVEL_ID.exec(id)?.[1];
  const resource = findResource(state, id) ?? (top ? findResource(state, top) : undefined);
  const location = resource?.location;
  return typeof location === 'string' && location.length > 0 ? location : 'westus';
}

/** `GET {id}`, with `$expand=instanceView` for VMs. */
export function getResource(ctx: SandboxContext, req: ArmRequest): ArmResponse {
  const resource = requireResource(ctx.state, req.path);
  const expand = req.query.get('$expand') ?? '';
  // Serialized from the stored resource rather than deep-copied first: a load balancer of 1,000
  // members is 838 KB whose copy cost the sandbox ~6 ms per read (Azure's time, not the product's).
  // A plain read is served the text stored for the state's version (storedJson.ts).
  if (/instanceview/i.test(expand) && VM_TYPES.has(String(resource.type).toLowerCase())) {
    const properties = {
      ...((resource.properties ?? {}) as Json),
      instanceView: ctx.views.vmInstanceView(ctx.state, String(resource.id)),
    };
    const body = { ...resource, properties };
    return { status: 200, body, json: stateJson(ctx.state, body) };
  }
  return { status: 200, body: resource, json: storedJsonBytes(ctx.state, resource) };
}

/**
 * `GET /subscriptions/{sub}/resourcegroups/{rg}` (Resource Groups - Get): the scenario's entry for the
 * group, in ARM's shape (`type` Microsoft.Resources/resourceGroups, `properties.provisioningState`), or
 * for a group that holds resources of the scenario but is not listed, the same without `managedBy` or
 * tags; 404 ResourceGroupNotFound otherwise.
 */
export function getResourceGroup(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): ArmResponse {
  const sub = String(params.sub);
  const name = String(params.rg);
  requireSubscription(ctx, sub);
  const body = resourceGroupBody(ctx, `/subscriptions/${sub}/resourceGroups/${name}`);
  if (!body) throw resourceGroupNotFound(name);
  return { status: 200, body };
}

/** A group in ARM's shape, from the scenario's entry or from the resources in it; undefined if neither. */
function resourceGroupBody(ctx: SandboxContext, id: string): Json | undefined {
  const name = id.split('/').pop() ?? id;
  const listed = (ctx.state.scenario.resourceGroups ?? []).find((g) => idKey(g.id) === idKey(id));
  const prefix = `${idKey(id)}/`;
  const member = [...ctx.state.resources.values()].find((r) => idKey(r.id).startsWith(prefix));
  if (!listed && !member) return undefined;
  const location =
    listed?.location ?? (typeof member?.location === 'string' ? member.location : undefined) ?? 'westus';
  return {
    id: listed?.id ?? id,
    name: listed?.name ?? name,
    type: 'Microsoft.Resources/resourceGroups',
    location,
    ...(listed?.managedBy ? { managedBy: listed.managedBy } : {}),
    ...(listed?.tags ? { tags: structuredClone(listed.tags) } : {}),
    properties: { provisioningState: 'Succeeded' },
  };
}

/** The scenario's ids (resources, resource groups, forbidden scopes): what the sandbox's ARM knows. */
function knownIds(ctx: SandboxContext): string[] {
  return [
    ...[...ctx.state.resources.values()].map((r) => r.id),
    ...(ctx.state.scenario.resourceGroups ?? []).map((g) => g.id),
    ...(ctx.state.scenario.forbidden ?? []),
  ];
}

/** 404 SubscriptionNotFound unless the scenario has something in the subscription. */
function requireSubscription(ctx: SandboxContext, sub: string): void {
  const prefix = `/subscriptions/${sub.toLowerCase()}`;
  const known = knownIds(ctx).some((id) => idKey(id) === prefix || idKey(id).startsWith(`${prefix}/`));
  if (!known) throw subscriptionNotFound(sub);
}

/**
 * `GET /subscriptions/{sub}/resourcegroups` (Resource Groups - List): every group the scenario lists
 * or holds resources in, one `{ id, name, type, location, properties }` each in `value`, paged like
 * the other lists; 404 SubscriptionNotFound for a subscription the scenario has nothing in.
 */
export function listResourceGroups(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): Json[] {
  const sub = String(params.sub);
  requireSubscription(ctx, sub);
  const groupOf = new RegExp(`^(/subscriptions/${escape(sub.toLowerCase())}/resourcegroups/[^/]+)(?:/|$)`);
  const ids = new Map<string, string>();
  for (const id of [
    ...(ctx.state.scenario.resourceGroups ?? []).map((g) => g.id),
    ...[...ctx.state.resources.values()].map((r) => r.id),
  ]) {
    const key = groupOf.exec(idKey(id))?.[1];
    // The group's id as the scenario spells it (its first `/resourceGroups/<name>`).
    if (key && !ids.has(key)) ids.set(key, id.slice(0, key.length));
  }
  return [...ids.values()].flatMap((id): Json[] => {
    const body = resourceGroupBody(ctx, id);
    return body ? [body] : [];
  });
}

/** `GET {vmId}/instanceView` for a VM or a scale set VM. */
export function getInstanceView(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): ArmResponse {
  const vm = requireVm(ctx.state, params.vm as string);
  return { status: 200, body: ctx.views.vmInstanceView(ctx.state, String(vm.id)) };
}

/** `GET {lbId}/providers/Microsoft.Insights/metrics`: the DipAvailability metric. */
export function getMetrics(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): ArmResponse {
  const lb = requireResource(ctx.state, params.id as string);
  return { status: 200, body: ctx.views.dipAvailabilityMetric(ctx.state, String(lb.id)) };
}

/** `GET {id}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`. */
export function getResourceHealth(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): ArmResponse {
  const resource = requireResource(ctx.state, params.id as string);
  return { status: 200, body: ctx.views.resourceHealth(ctx.state, String(resource.id)) };
}

/**
 * `GET {parent}/{collection}`: children nested in the parent's properties (probes, securityRules,
 * subnets...), or stored resources whose id is `{path}/{name}` (resources of a resource group,
 * scale set VMs, a scale set VM's NICs).
 */
export function listChildren(ctx: SandboxContext, req: ArmRequest): Json[] {
  const path = idKey(req.path);
  const slash = path.lastIndexOf('/');
  const parentPath = path.slice(0, slash);
  const collection = path.slice(slash + 1);
  const parentIsResource = /\/providers\/[^/]+\/[^/]+\/[^/]+(\/[^/]+\/[^/]+)*$/.test(parentPath);
  if (parentIsResource) {
    const parent = requireResource(ctx.state, parentPath);
    const property = CHILD_COLLECTIONS[collection];
    const nested = property ? (parent.properties as Json | undefined)?.[property] : undefined;
    if (Array.isArray(nested)) return nested as Json[];
  }
  const prefix = `${path}/`;
  return [...ctx.state.resources.values()].filter((r) => {
    const key = idKey(r.id);
    return key.startsWith(prefix) && !key.slice(prefix.length).includes('/');
  });
}

/** `GET /subscriptions/{sub}/providers/{ns}/{type}`: every resource of that type in the subscription. */
export function listBySubscription(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): Json[] {
  const type = `${params.ns}/${params.type}`.toLowerCase();
  const sub = String(params.sub).toLowerCase();
  // Only resources under their own provider path: scale set NICs (ids under Microsoft.Compute) are
  // not in the subscription's NIC list, as in ARM.
  const own = new RegExp(
    `^/subscriptions/${escape(sub)}/resourcegroups/[^/]+/providers/${escape(type)}/[^/]+$`,
  );
  return [...ctx.state.resources.values()].filter(
    (r) => r.type.toLowerCase() === type && own.test(idKey(r.id)),
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isNic(r: { type: string }): boolean {
  return r.type.toLowerCase() === 'microsoft.network/networkinterfaces';
}

function vmIdOfNic(r: Json): string | undefined {
  const vm = (r.properties as Json | undefined)?.virtualMachine as Json | undefined;
  return typeof vm?.id === 'string' ? idKey(vm.id) : undefined;
}

/**
 * `GET {scaleSetId}/networkInterfaces` and `GET {scaleSetVmId}/networkInterfaces`: NICs stored under
 * the scale set's ids, or attached (`properties.virtualMachine.id`) to its VMs.
 */
export function listScaleSetNics(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): Json[] {
  const owner = idKey(params.owner as string);
  // For one instance the owner is the scale set VM; for the whole set, any of its VMs.
  const ownedBy =
    params.instance === 'true'
      ? (vmKey: string | undefined): boolean => vmKey === owner
      : (vmKey: string | undefined): boolean =>
          vmKey !== undefined && vmKey.startsWith(`${owner}/virtualmachines/`);
  return [...ctx.state.resources.values()].filter((r) => {
    if (!isNic(r)) return false;
    const key = idKey(r.id);
    const storedUnder = key.includes('/networkinterfaces/')
      ? key.replace(/\/networkinterfaces\/[^/]+$/, '')
      : undefined;
    return ownedBy(storedUnder) || ownedBy(vmIdOfNic(r));
  });
}

/** Wraps list items in ARM's page shape, hiding forbidden items; `$skiptoken` is the offset. */
export function page(ctx: SandboxContext, req: ArmRequest, items: readonly unknown[]): ArmResponse {
  const visible = items.filter((i) => !isHidden(ctx.state, i));
  const size = ctx.behaviour.pageSize;
  if (size <= 0) return { status: 200, body: { value: structuredClone(visible) } };
  const start = Number.parseInt(req.query.get('$skiptoken') ?? '0', 10) || 0;
  const value = structuredClone(visible.slice(start, start + size));
  const body: Json = { value };
  if (start + size < visible.length) {
    const next = new URLSearchParams(req.query);
    next.set('$skiptoken', String(start + size));
    body.nextLink = `${ctx.endpoint()}${req.path}?${next.toString()}`;
  }
  return { status: 200, body };
}
