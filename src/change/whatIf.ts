/**
 * ARM what-if JSON (`az deployment group what-if --no-pretty-print`, the WhatIfOperationResult:
 * `{ status, changes: [{ resourceId, changeType, before, after, delta }] }`) -> planned edits, for
 * load balancers (probes, rules), NSGs (their `securityRules`) and NSG rules as child resources.
 * `after` is the resource body as ARM would hold it. NSG associations are read from subnets (as their
 * own resource or inside a virtual network's `subnets`) and network interfaces
 * (`properties.networkSecurityGroup`, and the ASGs of their IP configurations), compared with `before`. What-if leaves an expression it cannot evaluate
 * before deployment as its template text (`"[reference(...)]"`): such a value is unknown, never guessed.
 */
import { InvalidInputError } from '../errors';
import { mapSecurityRule } from '../azure/map';
import type { SecurityRule } from '@azure/arm-network';
import type { EffectiveSecurityRule } from '../model/evidence';
import type { ChangeEdit, PlannedEdit } from './changes';

type Json = Record<string, unknown>;

const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

const isExpression = (v: unknown): boolean =>
  typeof v === 'string' && /^\[.*\]$/s.test(v.trim()) && !v.startsWith('[[');

function unresolved(value: unknown, path = ''): string[] {
  if (isExpression(value)) return [path || '(value)'];
  if (Array.isArray(value)) return value.flatMap((v, i) => unresolved(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => unresolved(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** An ARM rule body (`{ name, properties: {...} }`) as the evaluator's rule. */
function armRule(body: Json): ReturnType<typeof mapSecurityRule> {
  const p = (body.properties ?? {}) as Json;
  const refs = (v: unknown) =>
    Array.isArray(v) ? (v as Json[]).map((r) => ({ id: String(r.id) })) : undefined;
  return mapSecurityRule({
    ...(p as SecurityRule),
    name: text(body.name, ''),
    sourceApplicationSecurityGroups: refs(p.sourceApplicationSecurityGroups),
    destinationApplicationSecurityGroups: refs(p.destinationApplicationSecurityGroups),
  });
}

const PROBE_PROTOCOLS = ['Tcp', 'Http', 'Https'] as const;

const ADMIN_RULE_TYPE = 'microsoft.network/networkmanagers/securityadminconfigurations/rulecollections/rules';

/**
 * Virtual Network Manager resources that change which security admin rules reach which virtual
 * networks: the network manager, its security admin configurations and rule collections (their
 * `appliesToGroups`), network groups and their static members.
 */
const ADMIN_SCOPE_TYPES = [
  'microsoft.network/networkmanagers',
  'microsoft.network/networkmanagers/securityadminconfigurations',
  'microsoft.network/networkmanagers/securityadminconfigurations/rulecollections',
  'microsoft.network/networkmanagers/networkgroups',
  'microsoft.network/networkmanagers/networkgroups/staticmembers',
];

const ADMIN_ACCESS = ['Allow', 'AlwaysAllow', 'Deny'] as const;

/**
 * A security admin rule body (kind `Custom`: `properties.access`, `direction`, `priority`, `protocol`,
 * `sources` / `destinations` of `{ addressPrefix, addressPrefixType }`, `sourcePortRanges`,
 * `destinationPortRanges`) as the effective-NSG API would show it; undefined for a kind it cannot read
 * (`Default`, whose rule is Microsoft's by `flag`).
 */
function adminRule(body: Json, name: string): EffectiveSecurityRule | undefined {
  if (typeof body.kind === 'string' && body.kind.toLowerCase() !== 'custom') return undefined;
  const p = (body.properties ?? {}) as Json;
  const access = ADMIN_ACCESS.find((a) => a.toLowerCase() === text(p.access, '').toLowerCase());
  if (!access || typeof p.priority !== 'number') return undefined;
  const prefixes = (v: unknown) =>
    Array.isArray(v)
      ? (v as Json[]).map((x) => x.addressPrefix).filter((x): x is string => typeof x === 'string')
      : [];
  const ports = (v: unknown) =>
    Array.isArray(v) && v.length > 0 ? v.filter((x): x is string => typeof x === 'string') : ['0-65535'];
  return {
    name,
    priority: p.priority,
    access,
    direction: text(p.direction, '').toLowerCase() === 'outbound' ? 'Outbound' : 'Inbound',
    protocol: text(p.protocol, ''),
    sourceAddressPrefixes: prefixes(p.sources),
    destinationAddressPrefixes: prefixes(p.destinations),
    sourcePortRanges: ports(p.sourcePortRanges),
    destinationPortRanges: ports(p.destinationPortRanges),
    isAdminRule: true,
  };
}

/** Resource types whose body carries an NSG association or ASG membership. */
const ASSOCIATING = [
  'microsoft.network/virtualnetworks',
  'microsoft.network/virtualnetworks/subnets',
  'microsoft.network/networkinterfaces',
];

/** `properties.networkSecurityGroup.id` of a subnet or NIC body, if any. */
function nsgIdOf(body: Json | undefined): string | undefined {
  const nsg = ((body?.properties ?? {}) as Json).networkSecurityGroup as Json | undefined;
  return typeof nsg?.id === 'string' ? nsg.id : undefined;
}

const sameNsg = (a: string | undefined, b: string | undefined) =>
  (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** An NSG (dis)association when the subnet's or NIC's NSG differs from before (or it is new). */
function association(
  kind: 'associate-subnet-nsg' | 'associate-nic-nsg',
  targetId: string,
  before: Json | undefined,
  after: Json,
): ChangeEdit[] {
  const now = nsgIdOf(after);
  if (before && sameNsg(nsgIdOf(before), now)) return [];
  if (!before && !now) return [];
  return kind === 'associate-subnet-nsg'
    ? [{ kind, subnetId: targetId, nsgId: now }]
    : [{ kind, nicId: targetId, nsgId: now }];
}

/** The ASG ids of every IP configuration of a NIC body. */
function asgIdsOf(body: Json | undefined): string[] {
  const configs = (((body?.properties ?? {}) as Json).ipConfigurations ?? []) as Json[];
  return configs.flatMap((c) =>
    ((((c.properties ?? {}) as Json).applicationSecurityGroups as Json[] | undefined) ?? [])
      .map((a) => a.id)
      .filter((x): x is string => typeof x === 'string'),
  );
}

function edits(type: string, id: string, deleting: boolean, after: Json, before?: Json): ChangeEdit[] {
  const p = (after.properties ?? {}) as Json;
  if (ADMIN_SCOPE_TYPES.includes(type)) return [{ kind: 'admin-scope', resourceType: type }];
  switch (type) {
    case ADMIN_RULE_TYPE: {
      const name = id.split('/').pop() ?? '';
      if (deleting) return [{ kind: 'delete-admin-rule', ruleId: id, ruleName: name }];
      const rule = adminRule(after, name);
      // A rule it cannot read (a Default rule, a missing field) may deny anything: not a pass.
      return rule
        ? [{ kind: 'put-admin-rule', ruleId: id, rule }]
        : [{ kind: 'admin-scope', resourceType: type }];
    }
    // A subnet's or NIC's `networkSecurityGroup` is the association (what-if shows the subnet as its
    // own resource, or inside its virtual network's `subnets`).
    case 'microsoft.network/virtualnetworks/subnets':
      return deleting ? [] : association('associate-subnet-nsg', id, before, after);
    case 'microsoft.network/virtualnetworks': {
      if (deleting) return [];
      const subnetsOf = (body: Json | undefined) =>
        ((((body?.properties ?? {}) as Json).subnets ?? []) as Json[]).filter(
          (x) => typeof x.name === 'string',
        );
      const old = new Map(subnetsOf(before).map((x) => [String(x.name).toLowerCase(), x]));
      return subnetsOf(after).flatMap((subnet) =>
        association(
          'associate-subnet-nsg',
          typeof subnet.id === 'string' ? subnet.id : `${id}/subnets/${String(subnet.name)}`,
          before ? (old.get(String(subnet.name).toLowerCase()) ?? {}) : undefined,
          subnet,
        ),
      );
    }
    case 'microsoft.network/networkinterfaces': {
      if (deleting) return [];
      const was = asgIdsOf(before).map((x) => x.toLowerCase());
      const now = asgIdsOf(after);
      return [
        ...association('associate-nic-nsg', id, before, after),
        ...now
          .filter((asg) => !was.includes(asg.toLowerCase()))
          .map((asgId): ChangeEdit => ({ kind: 'nic-asg', nicId: id, asgId, member: true })),
        ...asgIdsOf(before)
          .filter((asg) => !now.some((x) => x.toLowerCase() === asg.toLowerCase()))
          .map((asgId): ChangeEdit => ({ kind: 'nic-asg', nicId: id, asgId, member: false })),
      ];
    }
    case 'microsoft.network/networksecuritygroups':
      return deleting
        ? [{ kind: 'delete-nsg', nsg: { id } }]
        : [
            {
              kind: 'set-nsg-rules',
              nsg: { id },
              rules: ((p.securityRules ?? []) as Json[]).map(armRule),
              create: false,
            },
          ];
    case 'microsoft.network/networksecuritygroups/securityrules': {
      const nsgId = id.replace(/\/securityRules\/[^/]+$/i, '');
      const name = id.split('/').pop() ?? '';
      return deleting
        ? [{ kind: 'delete-nsg-rule', nsg: { id: nsgId }, ruleName: name }]
        : [{ kind: 'put-nsg-rule', nsg: { id: nsgId }, rule: armRule({ ...after, name }) }];
    }
    case 'microsoft.network/loadbalancers': {
      if (deleting) return [];
      const probes = ((p.probes ?? []) as Json[]).map((probe): ChangeEdit => {
        const pp = (probe.properties ?? {}) as Json;
        const protocol =
          PROBE_PROTOCOLS.find((x) => x.toLowerCase() === text(pp.protocol, 'Tcp').toLowerCase()) ?? 'Tcp';
        return {
          kind: 'put-probe',
          loadBalancerId: id,
          name: text(probe.name, ''),
          protocol,
          port: Number(pp.port),
          ...(typeof pp.requestPath === 'string' ? { requestPath: pp.requestPath } : {}),
        };
      });
      return probes;
    }
    default:
      return [];
  }
}

/**
 * `WhatIfChange.changeType` values (ARM Deployments - What If, ChangeType enum; "Unsupported: the
 * resource is not supported by what-if").
 */
const WHAT_IF_CHANGE_TYPES = ['Create', 'Delete', 'Deploy', 'Ignore', 'Modify', 'NoChange', 'Unsupported'];

/** For an Unsupported change on the probe's path: what it may touch (undefined: not on the path). */
function unsupportedEdit(type: string, id: string): Pick<PlannedEdit, 'unknownTarget'> | undefined {
  if (type === 'microsoft.network/loadbalancers') return { unknownTarget: { loadBalancerId: id } };
  if (type.startsWith('microsoft.network/networksecuritygroups'))
    return { unknownTarget: { nsg: { id: id.replace(/\/securityRules\/[^/]+$/i, '') } } };
  // A subnet, VNet or NIC may change its NSG association; an admin rule or what it reaches may
  // deny anything: anything.
  if (ASSOCIATING.includes(type) || type === ADMIN_RULE_TYPE || ADMIN_SCOPE_TYPES.includes(type)) return {};
  return undefined;
}

/** Reads what-if output; throws InvalidInputError naming the field when it is not one. */
export function parseWhatIf(doc: unknown): PlannedEdit[] {
  const result = doc as Json | null;
  if (!result || typeof result !== 'object' || !Array.isArray(result.changes)) {
    throw new InvalidInputError(
      'not ARM what-if output: $.changes must be an array (az deployment group what-if --no-pretty-print)',
      '$.changes',
    );
  }
  const out: PlannedEdit[] = [];
  (result.changes as unknown[]).forEach((raw, i) => {
    const change = raw as Json;
    const where = `$.changes[${i}]`;
    const id = typeof change.resourceId === 'string' ? change.resourceId : undefined;
    const changeType = typeof change.changeType === 'string' ? change.changeType : undefined;
    if (!id || !changeType)
      throw new InvalidInputError(`${where} must have resourceId and changeType`, where);
    if (!WHAT_IF_CHANGE_TYPES.includes(changeType))
      throw new InvalidInputError(
        `${where}.changeType "${changeType}" is not one of ARM what-if's: ${WHAT_IF_CHANGE_TYPES.join(', ')}`,
        `${where}.changeType`,
      );
    if (!['Create', 'Modify', 'Delete', 'Deploy', 'Unsupported'].includes(changeType)) return;
    const type = /\/providers\/(.+)$/i
      .exec(id)?.[1]
      ?.split('/')
      .filter((_, k) => k === 0 || k % 2 === 1)
      .join('/')
      .toLowerCase();
    if (!type) return;
    const source = { address: id, action: changeType };
    if (changeType === 'Unsupported') {
      // What-if could not predict this resource ("Unsupported": the resource isn't supported by
      // what-if): a resource on the probe's path that may change is not a pass.
      const unsupported = unsupportedEdit(type, id);
      if (unsupported) out.push({ source, unknown: ['(what-if: Unsupported)'], ...unsupported });
      return;
    }
    const deleting = changeType === 'Delete';
    const after = (deleting ? change.before : change.after) as Json | undefined;
    if (!after) return;
    const unknown = deleting ? [] : unresolved(after.properties, 'properties');
    if (unknown.length > 0) {
      const isLb = type === 'microsoft.network/loadbalancers';
      const nsgId = type.startsWith('microsoft.network/networksecuritygroups')
        ? id.replace(/\/securityRules\/[^/]+$/i, '')
        : undefined;
      const unknownTarget = isLb ? { loadBalancerId: id } : nsgId ? { nsg: { id: nsgId } } : undefined;
      // An association left unknown could put any NSG on the path: nothing is decided for it.
      const association =
        ASSOCIATING.includes(type) &&
        unknown.some((u) => /networkSecurityGroup|applicationSecurityGroups/i.test(u));
      const admin = type === ADMIN_RULE_TYPE || ADMIN_SCOPE_TYPES.includes(type);
      if (isLb || nsgId || association || admin)
        out.push({ source, unknown, ...(unknownTarget ? { unknownTarget } : {}) });
      return;
    }
    const before = deleting ? undefined : (change.before as Json | undefined);
    for (const edit of edits(type, id, deleting, after, before ?? undefined))
      out.push({ source, edit, unknown: [] });
  });
  return out;
}
