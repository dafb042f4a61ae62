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

/** A subscription id is a GUID. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Longest id a message quotes whole; a longer one (a 100 KB name) is cut and its length given. */
const QUOTE_LIMIT = 200;

/** The id as a message shows it: whole when short, else its start and its length. */
export function quoteId(id: string): string {
  return id.length <= QUOTE_LIMIT ? `'${id}'` : `'${id.slice(0, QUOTE_LIMIT)}...' (${id.length} characters)`;
}

/**
 * ARM's naming rules, from Microsoft's "Naming rules and restrictions for Azure resources"
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
 * - resource group: 1-90 letters or digits (Unicode), underscores, hyphens, periods, parentheses; not
 *   ending in a period;
 * - Microsoft.Network resources and their children (loadBalancers and their probes, rules, pools and
 *   frontends; networkInterfaces and ipConfigurations; networkSecurityGroups and securityRules;
 *   virtualNetworks and subnets; routeTables; applicationSecurityGroups; publicIPAddresses): 1-80
 *   alphanumerics, underscores, periods and hyphens, starting with an alphanumeric and ending with an
 *   alphanumeric or an underscore;
 * - Microsoft.Compute virtualMachines and virtualMachineScaleSets: 1-64, no spaces, control characters
 *   or `~ ! @ # $ % ^ & * ( ) = + [ ] { } \ | ; : ' " , < > / ?`; a scale set VM's name is its
 *   instance id (digits).
 * Any other type: 1-260 characters, none of them a control character or `/ ? # % \`, and not `.` or
 * `..` (which a URL would resolve away).
 */
const NETWORK_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
const COMPUTE_NAME = /^[^\s\p{Cc}~!@#$%^&*()=+[\]{}\\|;:'",<>/?]{1,64}$/u;
const RESOURCE_GROUP_NAME = /^[\p{L}\p{N}_.()-]{1,90}$/u;
const ANY_NAME = /^[^\p{Cc}/?#%\\]{1,260}$/u;

function checkName(
  provider: string,
  types: readonly string[],
  index: number,
  name: string,
  id: string,
): void {
  const type = types[index]?.toLowerCase() ?? '';
  const p = provider.toLowerCase();
  const bad = (rule: string) =>
    new InvalidInputError(
      `resource id has an invalid ${types.slice(0, index + 1).join('/')} name ${quoteId(name)} (${rule}): ${quoteId(id)}`,
    );
  if (p === 'microsoft.network') {
    if (!NETWORK_NAME.test(name)) {
      throw bad(
        'ARM allows 1-80 letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore',
      );
    }
    return;
  }
  if (
    p === 'microsoft.compute' &&
    types[0]?.toLowerCase() === 'virtualmachinescalesets' &&
    index === 1 &&
    type === 'virtualmachines'
  ) {
    if (!/^\d{1,10}$/.test(name)) throw bad('a scale set VM is named by its instance id, digits only');
    return;
  }
  if (p === 'microsoft.compute' && (type === 'virtualmachines' || type === 'virtualmachinescalesets')) {
    if (!COMPUTE_NAME.test(name) || name.endsWith('.') || name.endsWith('-') || name.startsWith('_')) {
      throw bad(
        'ARM allows 1-64 characters without spaces or ~ ! @ # $ % ^ & * ( ) = + [ ] { } \\ | ; : \' " , < > / ?, not starting with an underscore nor ending with a period or hyphen',
      );
    }
    return;
  }
  if (!ANY_NAME.test(name) || name === '.' || name === '..') {
    throw bad('ARM allows 1-260 characters without control characters, / ? # % \\, and not . or ..');
  }
}

/**
 * Parses an ARM resource id below a resource group. Case-insensitive for the fixed segments, as ARM
 * is; the names keep their spelling. Every segment is held to ARM's own rules (a GUID subscription,
 * names as ARM would accept them), so `..`, `lb?api-version=` or `$(id)` never reach a URL or a script.
 *
 * @throws InvalidInputError naming what is malformed.
 */
export function parseResourceId(id: string): ParsedResourceId {
  if (typeof id !== 'string') {
    throw new InvalidInputError(`resource id must be a string: got ${typeof id} ${quoteId(String(id))}`);
  }
  if (!SUBSCRIPTION_PREFIX.test(id)) {
    throw new InvalidInputError(`resource id must start with /subscriptions/: got ${quoteId(id)}`);
  }
  const trimmed = id.replace(/\/+$/, '');
  const segments = trimmed.split('/').slice(1);
  if (segments.some((s) => s.length === 0)) {
    throw new InvalidInputError(`resource id has an empty segment: ${quoteId(id)}`);
  }
  const [, subscriptionId, rgWord, resourceGroup, providersWord, provider, ...rest] = segments;
  if (subscriptionId === undefined || !GUID.test(subscriptionId)) {
    throw new InvalidInputError(
      `resource id has an invalid subscription id ${quoteId(subscriptionId ?? '')} (a subscription id is a GUID): ${quoteId(id)}`,
    );
  }
  if (rgWord?.toLowerCase() !== 'resourcegroups' || resourceGroup === undefined) {
    throw new InvalidInputError(`resource id must continue with /resourceGroups/{name}: got ${quoteId(id)}`);
  }
  if (!RESOURCE_GROUP_NAME.test(resourceGroup) || resourceGroup.endsWith('.')) {
    throw new InvalidInputError(
      `resource id has an invalid resource group name ${quoteId(resourceGroup)} (ARM allows 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period): ${quoteId(id)}`,
    );
  }
  if (providersWord?.toLowerCase() !== 'providers' || provider === undefined) {
    throw new InvalidInputError(`resource id must continue with /providers/{namespace}: got ${quoteId(id)}`);
  }
  if (!/^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+$/.test(provider)) {
    throw new InvalidInputError(
      `resource id has an invalid provider namespace ${quoteId(provider)} (like Microsoft.Network): ${quoteId(id)}`,
    );
  }
  if (rest.length === 0) {
    throw new InvalidInputError(
      `resource id has no resource type and name after the provider: got ${quoteId(id)}`,
    );
  }
  if (rest.length % 2 !== 0) {
    throw new InvalidInputError(
      `resource id has an odd number of type/name segments after the provider (${rest.length}): got ${quoteId(id)}`,
    );
  }
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const type = rest[i] as string;
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(type)) {
      throw new InvalidInputError(
        `resource id has an invalid resource type ${quoteId(type)}: ${quoteId(id)}`,
      );
    }
    types.push(type);
    names.push(rest[i + 1] as string);
  }
  names.forEach((name, i) => checkName(provider, types, i, name, trimmed));
  const prefix = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}`;
  const pathOf = (depth: number): string =>
    prefix +
    types
      .slice(0, depth)
      .map((t, i) => `/${t}/${names[i] as string}`)
      .join('');
  return {
    id: trimmed,
    subscriptionId: subscriptionId,
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
    throw new InvalidInputError(`expected a ${fullType} id, got ${parsed.fullType}: ${quoteId(id)}`);
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
