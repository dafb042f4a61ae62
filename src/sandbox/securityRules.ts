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
import type { SandboxState } from './state';

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

function rulesOf(nsg: Json): Json[] {
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

/** Validates a rule body and the NSG-wide constraints; throws ARM's 400s. */
export function validateRule(nsg: Json, ruleName: string, body: unknown): z.infer<typeof ruleBodySchema> {
  const parsed = ruleBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRequest(`${jsonPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
  }
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
  state.version += 1;
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
  if (existing) rules[index] = rule;
  else rules.push(rule);
  nsg.etag = etagFor(String(nsg.id), state.version);
  return { created: !existing, rule };
}

/** Marks a written rule `Succeeded` (the operation finished). A rule deleted meanwhile is ignored. */
export function completeRuleWrite(state: SandboxState, nsgId: string, ruleName: string): void {
  const nsg = state.resources.get(idKey(nsgId)) as Json | undefined;
  const rule = nsg ? rulesOf(nsg).find((r) => sameName(r, ruleName)) : undefined;
  if (rule) (rule.properties as Json).provisioningState = 'Succeeded';
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
  rules.splice(index, 1);
  state.version += 1;
  nsg.etag = etagFor(String(nsg.id), state.version);
  return true;
}
