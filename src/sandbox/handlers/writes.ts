/**
 * Security rule PUT and DELETE, the only resource writes probe-doctor makes. Each write holds the NSG
 * until its operation finishes: a second write to the same NSG meanwhile gets 409
 * AnotherOperationInProgress, as the Network resource provider answers.
 */
import { idKey } from '../../model/ids';
import type { SandboxContext } from '../context';
import { apiVersionOf, headerOf, type ArmRequest, type ArmResponse, type RouteParams } from '../router';
import {
  completeRuleWrite,
  deleteSecurityRule,
  putSecurityRule,
  type WriteConditions,
} from '../securityRules';
import { locationOf } from './resources';
import { requireUnlocked, timing, writeAccepted } from './lroResponses';

function conditions(req: ArmRequest): WriteConditions {
  return { ifMatch: headerOf(req, 'if-match'), ifNoneMatch: headerOf(req, 'if-none-match') };
}

/** Refuses a write while another holds the NSG. */
function requireNsgFree(ctx: SandboxContext, nsgId: string): string {
  return requireUnlocked(ctx, `nsg:${idKey(nsgId)}`);
}

/** `PUT {nsgId}/securityRules/{rule}`: 201 (created) or 200 (replaced), then polled to Succeeded. */
export function putRule(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const nsgId = params.nsg as string;
  const lockKey = requireNsgFree(ctx, nsgId);
  const ruleName = params.rule as string;
  const { created, rule } = putSecurityRule(ctx.state, nsgId, ruleName, req.body, conditions(req));
  const op = ctx.operations.start({
    namespace: 'Microsoft.Network',
    subscriptionId: params.sub as string,
    location: locationOf(ctx.state, nsgId),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.writePolls,
    ...timing(ctx, req, 'securityRuleWrite'),
    onDone: () => completeRuleWrite(ctx.state, nsgId, ruleName),
  });
  ctx.locks.hold(lockKey, op);
  return writeAccepted(ctx, op, created ? 201 : 200, structuredClone(rule));
}

/** `DELETE {nsgId}/securityRules/{rule}`: 202 and polled, or 204 when there was no such rule. */
export function deleteRule(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const nsgId = params.nsg as string;
  const lockKey = requireNsgFree(ctx, nsgId);
  const existed = deleteSecurityRule(ctx.state, nsgId, params.rule as string, conditions(req));
  if (!existed) return { status: 204 };
  const op = ctx.operations.start({
    namespace: 'Microsoft.Network',
    subscriptionId: params.sub as string,
    location: locationOf(ctx.state, nsgId),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.writePolls,
    ...timing(ctx, req, 'securityRuleWrite'),
  });
  ctx.locks.hold(lockKey, op);
  return writeAccepted(ctx, op, 202);
}
