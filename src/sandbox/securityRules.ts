/**
 * Security rule writes, as the Network resource provider validates them: ETag preconditions,
 * priority bounds, and one rule per priority and direction. Pure over the state: the server wraps
 * these in a long-running operation and the NSG lock.
 */
import { z } from 'zod';
import { idKey } from '../model/ids';
import { invalidRequest, resourceNotFound } from './armErrors';
import { etagFor } from './etags';
import { SandboxHttpError } from './httpError';
import { jsonPath } from './scenario';
import { recordChange, type SandboxState } from './state';

export const MIN_PRIORITY = 100;
export const MAX_PRIORITY = 4096;

/** The conditional headers of a write. */
export interface WriteConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

const ruleBodySchema = z.looseObject({
  properties: z.looseObject({
    protocol: z.string().min(1),
    access: z.enum(['Allow', 'Deny']),
    direction: z.enum(['Inbound', 'Outbound']),
    priority: z.number().int(),
  }),
});

type Json = Record<string, unknown>;

/** Result of a rule write: the stored rule and whether it was new. */
export interface RuleWrite {
  created: boolean;
  rule: Json;
}

function findNsg(state: SandboxState, nsgId: string): Json {
  const nsg = state.resources.get(idKey(nsgId)) as Json | undefined;
  if (
    !nsg ||
    typeof nsg.type !== 'string' ||
    nsg.type.toLowerCase() !== 'microsoft.network/networksecuritygroups'
  ) {
    throw resourceNotFound(nsgId);
  }
  return nsg;
}

/** The NSG's rules, to read: an NSG stored without the list has none, and reading leaves it as it is. */
function rulesOf(nsg: Json): readonly Json[] {
  const rules = (nsg.properties as Json | undefined)?.securityRules;
  return Array.isArray(rules) ? (rules as Json[]) : [];
}

/**
 * The NSG's stored list of rules, to change, made if the NSG has none. Only after the change is
 * recorded (`recordChange`): everything that serves the NSG (storedJson.ts) goes by the state's version.
 */
function storedRulesOf(nsg: Json): Json[] {
  const properties = (nsg.properties ??= {}) as Json;
  if (!Array.isArray(properties.securityRules)) properties.securityRules = [];
  return properties.securityRules as Json[];
}

function sameName(rule: Json, name: string): boolean {
  return typeof rule.name === 'string' && rule.name.toLowerCase() === name.toLowerCase();
}

/**
 * Checks If-Match / If-None-Match against the current etag (undefined: the rule does not exist).
 * `*` matches any existing rule, as HTTP says.
 */
export function checkPreconditions(
  id: string,
  currentEtag: string | undefined,
  conditions: WriteConditions,
): void {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined) {
    const ok = currentEtag !== undefined && (ifMatch.trim() === '*' || ifMatch.trim() === currentEtag);
    if (!ok) {
      throw new SandboxHttpError(
        412,
        'PreconditionFailedEtagMismatch',
        `Precondition failed for resource ${id}: If-Match ${ifMatch} does not match the current ETag ${currentEtag ?? '(none: resource does not exist)'}.`,
      );
    }
  }
  if (
    ifNoneMatch !== undefined &&
    currentEtag !== undefined &&
    (ifNoneMatch.trim() === '*' || ifNoneMatch.trim() === currentEtag)
  ) {
    throw new SandboxHttpError(
      412,
      'PreconditionFailedEtagMismatch',
      `Precondition failed for resource ${id}: If-None-Match ${ifNoneMatch} matches the existing resource (ETag ${currentEtag}).`,
    );
  }
}

/**
 * ARM's naming rule for a security rule (the NSG overview's rule properties table: "The name can be up
 * to 80 characters long. It must begin with a word character, and it must end with a word character
 * or with `_`. The name can contain word characters or `.`, `-`, `\_`.").
 */
const RULE_NAME = /^\w(?:[\w.-]{0,78}\w)?$/;

/** A value that names an address (IPv4/IPv6 address or CIDR), not a service tag or `*`. */
const looksLikeAddress = (value: string): boolean =>
  /^[0-9a-fA-F:.]+(?:\/\d{1,3})?$/.test(value) && /[.:]/.test(value);

/**
 * A port or port range as the Network RP accepts it: an integer, or two joined by `-`, within
 * 0-65535, or `*` (its 400 says "Value should be an integer OR integer range with '-' delimiter.
 * Valid range 0-65535.").
 */
function validPortRange(value: string): boolean {
  if (value === '*') return true;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!m) return false;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  return high <= 65535 && low <= high;
}

const invalidPortRange = (value: unknown): SandboxHttpError =>
  new SandboxHttpError(
    400,
    'SecurityRuleInvalidPortRange',
    `Security rule has invalid Port range. Value provided: ${String(value)}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
  );

const nonEmpty = (v: unknown): boolean =>
  (typeof v === 'string' && v.trim() !== '') || (Array.isArray(v) && v.length > 0);

/**
 * The Network RP's per-rule checks, with its codes and messages as Azure returns them (quoted in
 * hashicorp/terraform-provider-azurerm#5617 and #1530, Azure/azure-cli#23499, Azure/migAz#103):
 * - `InvalidResourceName`: the rule's name breaks the naming rule above;
 * - `SecurityRuleParametersMissing`: a side names no prefix, no prefix list and no ASG;
 * - `SecurityRuleParameterContainsUnsupportedValue`: a prefix list (the plural field) holds `*` or a
 *   service tag, which only the singular field accepts;
 * - `SecurityRuleInvalidPortRange`: a port or range that is not an integer or `low-high` in 0-65535.
 */
function checkRuleFields(ruleId: string, ruleName: string, p: Json): void {
  if (!RULE_NAME.test(ruleName)) {
    throw new SandboxHttpError(
      400,
      'InvalidResourceName',
      `Resource name ${ruleId} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
    );
  }
  for (const side of ['source', 'destination'] as const) {
    const Side = side === 'source' ? 'Source' : 'Destination';
    const single = p[`${side}AddressPrefix`];
    const plural = p[`${side}AddressPrefixes`];
    const asgs = p[`${side}ApplicationSecurityGroups`];
    if (![single, plural, asgs].some(nonEmpty)) {
      throw new SandboxHttpError(
        400,
        'SecurityRuleParametersMissing',
        `Required security rule parameters are missing for security rule with Id: ${ruleId}. Security rule must specify ${Side}AddressPrefixes, ${Side}AddressPrefix, or ${Side}ApplicationSecurityGroups.`,
      );
    }
    for (const value of Array.isArray(plural) ? plural : []) {
      if (typeof value !== 'string' || !looksLikeAddress(value.trim())) {
        throw new SandboxHttpError(
          400,
          'SecurityRuleParameterContainsUnsupportedValue',
          `Security rule parameter ${Side}AddressPrefix for rule with Id ${ruleId} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: ${String(value)}.`,
        );
      }
    }
    const port = p[`${side}PortRange`];
    const ports = p[`${side}PortRanges`];
    if (port !== undefined && port !== null && (typeof port !== 'string' || !validPortRange(port.trim()))) {
      throw invalidPortRange(port);
    }
    for (const value of Array.isArray(ports) ? ports : []) {
      if (typeof value !== 'string' || !validPortRange(value.trim())) throw invalidPortRange(value);
    }
  }
}

/** Validates a rule body and the NSG-wide constraints; throws ARM's 400s. */
export function validateRule(nsg: Json, ruleName: string, body: unknown): z.infer<typeof ruleBodySchema> {
  const parsed = ruleBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRequest(`${jsonPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
  }
  checkRuleFields(`${String(nsg.id)}/securityRules/${ruleName}`, ruleName, parsed.data.properties);
  const { priority, direction } = parsed.data.properties;
  if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new SandboxHttpError(
      400,
      'SecurityRuleInvalidPriority',
      `Security rule has invalid Priority. Value provided: ${priority} Allowed range ${MIN_PRIORITY}-${MAX_PRIORITY}.`,
    );
  }
  const clash = rulesOf(nsg).find((r) => {
    const p = r.properties as Json | undefined;
    return !sameName(r, ruleName) && p?.priority === priority && p?.direction === direction;
  });
  if (clash) {
    throw new SandboxHttpError(
      400,
      'SecurityRuleConflict',
      `Security rule ${ruleName} conflicts with rule ${String(clash.name)}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
    );
  }
  return parsed.data;
}

/**
 * Creates or replaces a rule (provisioningState `Updating` until the operation finishes), gives the
 * rule and its NSG new etags, and bumps the state version.
 */
export function putSecurityRule(
  state: SandboxState,
  nsgId: string,
  ruleName: string,
  body: unknown,
  conditions: WriteConditions = {},
): RuleWrite {
  const nsg = findNsg(state, nsgId);
  const rules = rulesOf(nsg);
  const ruleId = `${String(nsg.id)}/securityRules/${ruleName}`;
  const index = rules.findIndex((r) => sameName(r, ruleName));
  const existing = index >= 0 ? rules[index] : undefined;
  checkPreconditions(ruleId, existing?.etag as string | undefined, conditions);
  const parsed = validateRule(nsg, ruleName, body);
  // Only this NSG's body changes: answers for backends behind other NSGs can be kept.
  recordChange(state, { nsgId: String(nsg.id) });
  // ARM answers with both the singular and plural forms; empty plurals when the singular is used.
  const properties: Json = {
    sourceAddressPrefixes: [],
    destinationAddressPrefixes: [],
    sourcePortRanges: [],
    destinationPortRanges: [],
    ...parsed.properties,
    provisioningState: 'Updating',
  };
  const rule: Json = {
    name: ruleName,
    id: ruleId,
    etag: etagFor(ruleId, state.version),
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties,
  };
  if (existing) storedRulesOf(nsg)[index] = rule;
  else storedRulesOf(nsg).push(rule);
  nsg.etag = etagFor(String(nsg.id), state.version);
  return { created: !existing, rule };
}

/**
 * Marks a written rule `Succeeded` (the operation finished). That is a change of the rule and its NSG
 * like any other: the state version moves (answers remembered per version are recomputed) and both
 * get new etags, since an etag "changes whenever the resource is updated" (the Network REST spec's
 * `etag` description), and the NSG in Microsoft's answers carries its rules' provisioning state.
 * A rule deleted meanwhile is ignored.
 */
export function completeRuleWrite(state: SandboxState, nsgId: string, ruleName: string): void {
  const nsg = state.resources.get(idKey(nsgId)) as Json | undefined;
  const rule = nsg ? rulesOf(nsg).find((r) => sameName(r, ruleName)) : undefined;
  if (!nsg || !rule) return;
  const version = recordChange(state, { nsgId: String(nsg.id) });
  (rule.properties as Json).provisioningState = 'Succeeded';
  rule.etag = etagFor(String(rule.id), version);
  nsg.etag = etagFor(String(nsg.id), version);
}

/**
 * Deletes a rule. Returns false when there was none (ARM answers 204 then). A missing rule with an
 * If-Match still fails the precondition, as ARM does.
 */
export function deleteSecurityRule(
  state: SandboxState,
  nsgId: string,
  ruleName: string,
  conditions: WriteConditions = {},
): boolean {
  const nsg = findNsg(state, nsgId);
  const rules = rulesOf(nsg);
  const index = rules.findIndex((r) => sameName(r, ruleName));
  const ruleId = `${String(nsg.id)}/securityRules/${ruleName}`;
  const existing = index >= 0 ? rules[index] : undefined;
  checkPreconditions(ruleId, existing?.etag as string | undefined, conditions);
  if (!existing) return false;
  recordChange(state, { nsgId: String(nsg.id) });
  storedRulesOf(nsg).splice(index, 1);
  nsg.etag = etagFor(String(nsg.id), state.version);
  return true;
}
