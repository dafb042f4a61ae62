/**
 * Terraform plan JSON -> planned edits. Only the azurerm resource types that change what a health
 * probe meets are read; every other resource change is ignored. Attribute names follow the azurerm
 * provider's documentation (azurerm_network_security_rule, azurerm_network_security_group's
 * `security_rule` blocks, the three association resources, azurerm_lb_probe, azurerm_lb_rule).
 */
import type { EffectiveSecurityRule } from '../model/evidence';
import type { SecurityRuleInfo } from '../model/topology';
import { InvalidInputError } from '../errors';
import type { ChangeEdit, NsgRef, PlannedEdit } from './changes';

type Json = Record<string, unknown>;

const RULE_FIELDS = [
  'name',
  'priority',
  'direction',
  'access',
  'protocol',
  'source_port_range',
  'source_port_ranges',
  'destination_port_range',
  'destination_port_ranges',
  'source_address_prefix',
  'source_address_prefixes',
  'destination_address_prefix',
  'destination_address_prefixes',
  'source_application_security_group_ids',
  'destination_application_security_group_ids',
] as const;

/** The attributes of `after_unknown` that are true (or hold a true anywhere below), as paths. */
function unknownPaths(value: unknown, path = ''): string[] {
  if (value === true) return [path || '(value)'];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, path ? `${path}.${k}` : k));
  }
  return [];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
const merged = (one: unknown, many: unknown): string[] => [
  ...new Set([...(str(one) ? [str(one)!] : []), ...strs(many)]),
];

function capitalised(v: unknown, where: string, allowed: readonly string[]): string {
  const text = str(v);
  const match = allowed.find((a) => a.toLowerCase() === text?.toLowerCase());
  if (!match)
    throw new InvalidInputError(
      `${where} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v ?? null)})`,
      where,
    );
  return match;
}

/** One `azurerm_network_security_rule` (or inline `security_rule` block) as the evaluator's rule. */
export function ruleFromTerraform(after: Json, where: string): SecurityRuleInfo {
  const name = str(after.name);
  if (!name) throw new InvalidInputError(`${where}.name is required`, `${where}.name`);
  const priority = after.priority;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 100 || priority > 4096) {
    throw new InvalidInputError(
      `${where}.priority must be a whole number from 100 to 4096 (got ${JSON.stringify(priority ?? null)})`,
      `${where}.priority`,
    );
  }
  return {
    name,
    priority,
    direction: capitalised(after.direction, `${where}.direction`, [
      'Inbound',
      'Outbound',
    ]) as SecurityRuleInfo['direction'],
    access: capitalised(after.access, `${where}.access`, ['Allow', 'Deny']) as SecurityRuleInfo['access'],
    protocol: capitalised(after.protocol, `${where}.protocol`, ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*']),
    sourceAddressPrefixes: merged(after.source_address_prefix, after.source_address_prefixes),
    sourcePortRanges: merged(after.source_port_range, after.source_port_ranges),
    destinationAddressPrefixes: merged(after.destination_address_prefix, after.destination_address_prefixes),
    destinationPortRanges: merged(after.destination_port_range, after.destination_port_ranges),
    sourceApplicationSecurityGroupIds: strs(after.source_application_security_group_ids),
    destinationApplicationSecurityGroupIds: strs(after.destination_application_security_group_ids),
    isDefault: false,
  };
}

function nsgRefOf(values: Json, where: string): NsgRef {
  const rg = str(values.resource_group_name);
  const name = str(values.network_security_group_name) ?? str(values.name);
  if (!rg || !name)
    throw new InvalidInputError(
      `${where} must name resource_group_name and the network security group`,
      where,
    );
  return { resourceGroup: rg, name };
}

/**
 * Virtual Network Manager resources that change which security admin rules reach which virtual
 * networks (azurerm_network_manager_security_admin_configuration, _admin_rule_collection,
 * _network_group, _static_member, _deployment, and the network manager itself).
 */
const ADMIN_SCOPE_TYPES = [
  'azurerm_network_manager',
  'azurerm_network_manager_security_admin_configuration',
  'azurerm_network_manager_admin_rule_collection',
  'azurerm_network_manager_network_group',
  'azurerm_network_manager_static_member',
  'azurerm_network_manager_deployment',
] as const;

/** `source` / `destination` blocks of an admin rule (`address_prefix`, `address_prefix_type`). */
function adminPrefixes(blocks: unknown): string[] {
  return Array.isArray(blocks)
    ? (blocks as Json[]).map((b) => str(b.address_prefix)).filter((x): x is string => x !== undefined)
    : [];
}

/**
 * One `azurerm_network_manager_admin_rule` as an effective security admin rule (`action` Allow,
 * AlwaysAllow or Deny; priority 1..4096; protocol Ah, Any, Esp, Icmp, Tcp or Udp).
 */
export function adminRuleFromTerraform(after: Json, where: string): EffectiveSecurityRule {
  const name = str(after.name);
  if (!name) throw new InvalidInputError(`${where}.name is required`, `${where}.name`);
  const priority = after.priority;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1 || priority > 4096) {
    throw new InvalidInputError(
      `${where}.priority must be a whole number from 1 to 4096 (got ${JSON.stringify(priority ?? null)})`,
      `${where}.priority`,
    );
  }
  // Unset port ranges on an admin rule mean every port (the provider leaves them optional).
  const ports = (v: unknown) => (strs(v).length > 0 ? strs(v) : ['0-65535']);
  return {
    name,
    priority,
    access: capitalised(after.action, `${where}.action`, [
      'Allow',
      'AlwaysAllow',
      'Deny',
    ]) as EffectiveSecurityRule['access'],
    direction: capitalised(after.direction, `${where}.direction`, [
      'Inbound',
      'Outbound',
    ]) as EffectiveSecurityRule['direction'],
    protocol: capitalised(after.protocol, `${where}.protocol`, ['Ah', 'Any', 'Esp', 'Icmp', 'Tcp', 'Udp']),
    sourceAddressPrefixes: adminPrefixes(after.source),
    destinationAddressPrefixes: adminPrefixes(after.destination),
    sourcePortRanges: ports(after.source_port_ranges),
    destinationPortRanges: ports(after.destination_port_ranges),
    isAdminRule: true,
  };
}

const PROBE_PROTOCOLS = ['Tcp', 'Http', 'Https'] as const;
const RULE_PROTOCOLS = ['Tcp', 'Udp', 'All'] as const;

/** The edits one resource change makes; `values` is `after` (or `before` for a delete). */
function editsOf(type: string, deleting: boolean, values: Json, where: string): ChangeEdit[] {
  if ((ADMIN_SCOPE_TYPES as readonly string[]).includes(type))
    return [{ kind: 'admin-scope', resourceType: type }];
  switch (type) {
    case 'azurerm_network_manager_admin_rule': {
      const ruleId = `${str(values.admin_rule_collection_id) ?? ''}/rules/${str(values.name) ?? ''}`;
      return deleting
        ? [{ kind: 'delete-admin-rule', ruleId, ruleName: str(values.name) ?? '' }]
        : [{ kind: 'put-admin-rule', ruleId, rule: adminRuleFromTerraform(values, where) }];
    }
    case 'azurerm_network_security_rule':
      return deleting
        ? [{ kind: 'delete-nsg-rule', nsg: nsgRefOf(values, where), ruleName: str(values.name) ?? '' }]
        : [{ kind: 'put-nsg-rule', nsg: nsgRefOf(values, where), rule: ruleFromTerraform(values, where) }];
    case 'azurerm_network_security_group': {
      const ref = nsgRefOf(values, where);
      if (deleting) return [{ kind: 'delete-nsg', nsg: ref }];
      const blocks = Array.isArray(values.security_rule) ? (values.security_rule as Json[]) : [];
      return [
        {
          kind: 'set-nsg-rules',
          nsg: ref,
          rules: blocks.map((b, i) => ruleFromTerraform(b, `${where}.security_rule[${i}]`)),
          create: false,
        },
      ];
    }
    case 'azurerm_subnet_network_security_group_association':
      return [
        {
          kind: 'associate-subnet-nsg',
          subnetId: str(values.subnet_id) ?? '',
          nsgId: deleting ? undefined : str(values.network_security_group_id),
        },
      ];
    case 'azurerm_network_interface_security_group_association':
      return [
        {
          kind: 'associate-nic-nsg',
          nicId: str(values.network_interface_id) ?? '',
          nsgId: deleting ? undefined : str(values.network_security_group_id),
        },
      ];
    case 'azurerm_network_interface_application_security_group_association':
      return [
        {
          kind: 'nic-asg',
          nicId: str(values.network_interface_id) ?? '',
          asgId: str(values.application_security_group_id) ?? '',
          member: !deleting,
        },
      ];
    case 'azurerm_lb_probe': {
      const lb = str(values.loadbalancer_id) ?? '';
      const name = str(values.name) ?? '';
      if (deleting) return [{ kind: 'delete-probe', loadBalancerId: lb, name }];
      const port = values.port;
      if (typeof port !== 'number')
        throw new InvalidInputError(`${where}.port must be a number`, `${where}.port`);
      const path = str(values.request_path);
      return [
        {
          kind: 'put-probe',
          loadBalancerId: lb,
          name,
          protocol: capitalised(values.protocol ?? 'Tcp', `${where}.protocol`, PROBE_PROTOCOLS) as 'Tcp',
          port,
          ...(path ? { requestPath: path } : {}),
        },
      ];
    }
    case 'azurerm_lb_rule': {
      const lb = str(values.loadbalancer_id) ?? '';
      const name = str(values.name) ?? '';
      if (deleting) return [{ kind: 'delete-lb-rule', loadBalancerId: lb, name }];
      const probe = str(values.probe_id);
      return [
        {
          kind: 'put-lb-rule',
          loadBalancerId: lb,
          name,
          ...(probe ? { probeId: probe } : {}),
          backendPoolIds: strs(values.backend_address_pool_ids),
          protocol: capitalised(values.protocol, `${where}.protocol`, RULE_PROTOCOLS) as 'Tcp',
          frontendPort: Number(values.frontend_port),
          backendPort: Number(values.backend_port),
        },
      ];
    }
    default:
      return [];
  }
}

/** Attributes whose unknown value could change what a probe meets, per type (the rest is ignored). */
const RELEVANT: Record<string, readonly string[]> = {
  azurerm_network_security_rule: [...RULE_FIELDS, 'network_security_group_name', 'resource_group_name'],
  azurerm_network_security_group: ['security_rule', 'name', 'resource_group_name'],
  azurerm_subnet_network_security_group_association: ['subnet_id', 'network_security_group_id'],
  azurerm_network_interface_security_group_association: ['network_interface_id', 'network_security_group_id'],
  azurerm_network_interface_application_security_group_association: [
    'network_interface_id',
    'application_security_group_id',
  ],
  azurerm_network_manager_admin_rule: [
    'name',
    'admin_rule_collection_id',
    'action',
    'direction',
    'priority',
    'protocol',
    'source',
    'destination',
    'source_port_ranges',
    'destination_port_ranges',
  ],
  ...Object.fromEntries(ADMIN_SCOPE_TYPES.map((t) => [t, [] as string[]])),
  azurerm_lb_probe: ['loadbalancer_id', 'name', 'protocol', 'port', 'request_path'],
  azurerm_lb_rule: [
    'loadbalancer_id',
    'name',
    'protocol',
    'backend_port',
    'probe_id',
    'backend_address_pool_ids',
  ],
};

/** Reads a plan; throws InvalidInputError naming the field when it is not a Terraform plan. */
export function parseTerraformPlan(doc: unknown): PlannedEdit[] {
  const plan = doc as Json | null;
  if (!plan || typeof plan !== 'object' || !Array.isArray(plan.resource_changes)) {
    throw new InvalidInputError(
      'not a Terraform plan: $.resource_changes must be an array (terraform show -json plan.out)',
      '$.resource_changes',
    );
  }
  const edits: PlannedEdit[] = [];
  (plan.resource_changes as unknown[]).forEach((raw, i) => {
    const rc = raw as Json;
    const where = `$.resource_changes[${i}]`;
    const type = str(rc.type);
    const change = rc.change as Json | undefined;
    if (!type || !change || !Array.isArray(change.actions)) {
      throw new InvalidInputError(`${where} must have a type and change.actions`, where);
    }
    if (!(type in RELEVANT)) return;
    const actions = (change.actions as unknown[]).map(String);
    const source = { address: str(rc.address) ?? `${type}.${String(rc.name)}`, action: actions.join(',') };
    if (actions.includes('no-op') || actions.includes('read')) return;
    const deletes = actions.includes('delete');
    const creates = actions.includes('create') || actions.includes('update');
    // A replace is the delete of the old values and the create of the new: a replace that renames a
    // rule (or moves it to another NSG) takes the old one away. A replaced inline-rule NSG needs no
    // delete: its new rule list replaces the old one whole (below).
    if (deletes && change.before && (!creates || type !== 'azurerm_network_security_group')) {
      edits.push(
        ...editsOf(type, true, change.before as Json, `${where}.change.before`).map((edit) => ({
          source,
          edit,
          unknown: [],
        })),
      );
    }
    if (!creates) return;
    const after = (change.after ?? {}) as Json;
    const unknown = unknownPaths(change.after_unknown).filter((p) =>
      RELEVANT[type]!.some((f) => p === f || p.startsWith(`${f}.`) || p.startsWith(`${f}[`)),
    );
    if (unknown.length > 0) {
      const lb = str(after.loadbalancer_id);
      const rg = str(after.resource_group_name);
      const name =
        str(after.network_security_group_name) ??
        (type === 'azurerm_network_security_group' ? str(after.name) : undefined);
      const unknownTarget = lb
        ? { loadBalancerId: lb }
        : rg && name
          ? { nsg: { resourceGroup: rg, name } }
          : undefined;
      edits.push({ source, unknown, ...(unknownTarget ? { unknownTarget } : {}) });
      return;
    }
    const made = editsOf(type, false, after, `${where}.change.after`);
    // A replaced inline-rule NSG starts from its new rules alone.
    for (const edit of made) {
      if (edit.kind === 'set-nsg-rules' && actions.length === 1 && actions[0] === 'create')
        edit.create = true;
      edits.push({ source, edit, unknown: [] });
    }
  });
  return edits;
}
