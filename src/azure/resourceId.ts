/**
 * ARM resource ids: parsing, building, and checking their type. Ids come from people (the CLI), from
 * alerts and from ARM itself, so parsing is strict and every rejection says what is wrong.
 */
import { InvalidInputError } from '../errors';

/**
 * A parsed ARM resource id. For `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/
 * loadBalancers/lb/probes/p`: provider `Microsoft.Network`, types `['loadBalancers', 'probes']`,
 * names `['lb', 'p']`, name `p`, fullType `Microsoft.Network/loadBalancers/probes`.
 */
export interface ParsedResourceId {
  /** The id as given (trailing slashes removed). */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  /** Resource provider namespace, e.g. `Microsoft.Network`. */
  provider: string;
  /** Type segments from the top-level type down to this resource's type. */
  types: string[];
  /** Name segments, one per type. */
  names: string[];
  /** The last name: this resource's own name. */
  name: string;
  /** `provider/type1/type2...`, e.g. `Microsoft.Compute/virtualMachineScaleSets/virtualMachines`. */
  fullType: string;
  /** The id of the top-level resource (for a child, its root parent). */
  topLevelId: string;
  /** The id of the immediate parent, when this is a child resource. */
  parentId?: string;
}

const SUBSCRIPTION_PREFIX = /^\/subscriptions\//i;

/**
 * Parses an ARM resource id below a resource group. Case-insensitive for the fixed segments, as ARM
 * is; the names keep their spelling.
 *
 * @throws InvalidInputError naming what is malformed.
 */
export function parseResourceId(id: string): ParsedResourceId {
  if (typeof id !== 'string' || !SUBSCRIPTION_PREFIX.test(id)) {
    throw new InvalidInputError(`resource id must start with /subscriptions/: got '${String(id)}'`);
  }
  const trimmed = id.replace(/\/+$/, '');
  const segments = trimmed.split('/').slice(1);
  if (segments.some((s) => s.length === 0)) {
    throw new InvalidInputError(`resource id has an empty segment: '${id}'`);
  }
  const [, subscriptionId, rgWord, resourceGroup, providersWord, provider, ...rest] = segments;
  if (rgWord?.toLowerCase() !== 'resourcegroups' || resourceGroup === undefined) {
    throw new InvalidInputError(`resource id must continue with /resourceGroups/{name}: got '${id}'`);
  }
  if (providersWord?.toLowerCase() !== 'providers' || provider === undefined) {
    throw new InvalidInputError(`resource id must continue with /providers/{namespace}: got '${id}'`);
  }
  if (rest.length === 0) {
    throw new InvalidInputError(`resource id has no resource type and name after the provider: got '${id}'`);
  }
  if (rest.length % 2 !== 0) {
    throw new InvalidInputError(
      `resource id has an odd number of type/name segments after the provider (${rest.length}): got '${id}'`,
    );
  }
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i] as string);
    names.push(rest[i + 1] as string);
  }
  const prefix = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}`;
  const pathOf = (depth: number): string =>
    prefix +
    types
      .slice(0, depth)
      .map((t, i) => `/${t}/${names[i] as string}`)
      .join('');
  return {
    id: trimmed,
    subscriptionId: subscriptionId as string,
    resourceGroup,
    provider,
    types,
    names,
    name: names[names.length - 1] as string,
    fullType: [provider, ...types].join('/'),
    topLevelId: pathOf(1),
    ...(types.length > 1 ? { parentId: pathOf(types.length - 1) } : {}),
  };
}

/**
 * Parses an id and checks its type, e.g. `expectResourceType(id, 'Microsoft.Network/loadBalancers')`.
 *
 * @throws InvalidInputError when malformed or of another type.
 */
export function expectResourceType(id: string, fullType: string): ParsedResourceId {
  const parsed = parseResourceId(id);
  if (parsed.fullType.toLowerCase() !== fullType.toLowerCase()) {
    throw new InvalidInputError(`expected a ${fullType} id, got ${parsed.fullType}: '${id}'`);
  }
  return parsed;
}

/** Builds a load balancer id. */
export function loadBalancerId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/loadBalancers/${name}`;
}

/**
 * Parses a load balancer id (not a child of one).
 *
 * @throws InvalidInputError when malformed or not a `Microsoft.Network/loadBalancers` id.
 */
export function parseLoadBalancerId(id: string): ParsedResourceId {
  return expectResourceType(id, 'Microsoft.Network/loadBalancers');
}

/** The scale set VM a resource id belongs to, when it is one or below one (its NIC, its IP config). */
export interface ScaleSetVmRef {
  resourceGroup: string;
  scaleSetName: string;
  instanceId: string;
  /** `/subscriptions/.../virtualMachineScaleSets/{ss}/virtualMachines/{instance}` */
  vmId: string;
  scaleSetId: string;
}

/**
 * Recognises ids under a scale set VM (`.../virtualMachineScaleSets/ss/virtualMachines/3[/...]`), which
 * the SDK reads through the scale set APIs rather than the plain NIC and VM ones.
 */
export function scaleSetVmOf(parsed: ParsedResourceId): ScaleSetVmRef | undefined {
  if (parsed.provider.toLowerCase() !== 'microsoft.compute') return undefined;
  const [t0, t1] = parsed.types;
  const [scaleSetName, instanceId] = parsed.names;
  if (
    t0?.toLowerCase() !== 'virtualmachinescalesets' ||
    t1?.toLowerCase() !== 'virtualmachines' ||
    scaleSetName === undefined ||
    instanceId === undefined
  ) {
    return undefined;
  }
  const scaleSetId = parsed.topLevelId;
  return {
    resourceGroup: parsed.resourceGroup,
    scaleSetName,
    instanceId,
    scaleSetId,
    vmId: `${scaleSetId}/${t1}/${instanceId}`,
  };
}

/** Strips the child segments of a NIC IP configuration id to its NIC id (works for scale set NICs too). */
export function nicIdOfIpConfiguration(ipConfigurationId: string): string {
  const parsed = parseResourceId(ipConfigurationId);
  const last = parsed.types[parsed.types.length - 1]?.toLowerCase();
  if (last !== 'ipconfigurations' || parsed.parentId === undefined) {
    throw new InvalidInputError(
      `expected a NIC IP configuration id, got ${parsed.fullType}: '${ipConfigurationId}'`,
    );
  }
  return parsed.parentId;
}
