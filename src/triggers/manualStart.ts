/** POST /api/loadbalancers/{subscription}/{resourceGroup}/{name}/remediations: a person starts a run. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { AllowedScope } from '../config';
import { ensureError } from '../errors';
import { describeIssue, loadBalancerIdProblem } from '../workflow/input';
import { startOrJoin, type OrchestrationClient, type TriggerAuditEvent } from './client';
import { instanceIdFor } from './instanceId';
import { errorResponse, readJson, statusResponse } from './responses';
import { isInScope } from './scope';

export interface ManualStartDeps {
  client: OrchestrationClient;
  allowedScopes: readonly AllowedScope[];
  /**
   * PROBE_DOCTOR_MODE: the mode when the body names none, and the ceiling no body can raise (with
   * `observe`, a body asking for `fix` is refused: the setting is how an operator stops writes).
   */
  mode: 'observe' | 'fix';
  audit(event: TriggerAuditEvent): void | Promise<void>;
}

const bodySchema = z
  .object({ mode: z.enum(['observe', 'fix'], { message: 'expected observe or fix' }).optional() })
  .optional();

/** Why a fix-mode start is refused while the app runs in observe mode, and what to do instead. */
export const FIX_MODE_OFF =
  'Fix mode is off: the app setting PROBE_DOCTOR_MODE is observe, so no run may write. Start without a body (or with {"mode":"observe"}) to diagnose, or set PROBE_DOCTOR_MODE=fix to allow fix runs.';

/** The manual start's logic: 202 with the status URLs, or 409 with the running instance's URLs. */
export async function handleManualStart(
  request: HttpRequest,
  _context: InvocationContext,
  deps: ManualStartDeps,
): Promise<HttpResponseInit> {
  const { subscription = '', resourceGroup = '', name = '' } = request.params;
  const loadBalancerId = `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/loadBalancers/${name}`;
  const problem = loadBalancerIdProblem(loadBalancerId);
  if (problem) {
    return errorResponse(400, 'InvalidLoadBalancer', `Invalid load balancer: ${problem}`);
  }
  let raw: unknown;
  try {
    raw = await readJson(request);
  } catch (err) {
    return errorResponse(400, 'InvalidJson', `Invalid body: not JSON (${ensureError(err).message})`);
  }
  const body = bodySchema.safeParse(raw);
  if (!body.success)
    return errorResponse(400, 'InvalidBody', `Invalid body: ${describeIssue(body.error).message}`);
  if (!isInScope(loadBalancerId, deps.allowedScopes)) {
    await deps.audit({ trigger: 'manual', decision: 'forbidden', loadBalancerId });
    return errorResponse(
      403,
      'OutOfScope',
      `Load balancer ${loadBalancerId} is outside PROBE_DOCTOR_ALLOWED_SCOPES.`,
    );
  }
  if (body.data?.mode === 'fix' && deps.mode === 'observe') {
    await deps.audit({
      trigger: 'manual',
      decision: 'fix-mode-off',
      loadBalancerId,
      detail: { reason: 'fix mode requested while PROBE_DOCTOR_MODE=observe' },
    });
    return errorResponse(403, 'FixModeOff', FIX_MODE_OFF);
  }
  const instanceId = instanceIdFor(loadBalancerId);
  const outcome = await startOrJoin(deps.client, instanceId, {
    loadBalancerId,
    mode: body.data?.mode ?? deps.mode,
    requestedBy: 'http',
  });
  await deps.audit({
    trigger: 'manual',
    decision: outcome.joined ? 'joined' : 'started',
    loadBalancerId,
    instanceId,
    ...(outcome.runId ? { runId: outcome.runId } : {}),
  });
  if (outcome.joined) {
    return statusResponse(deps.client, request, instanceId, 409, {
      error: {
        code: 'RunInProgress',
        message: `A run for ${loadBalancerId} is already ${outcome.runtimeStatus ?? 'running'}.`,
      },
    });
  }
  return deps.client.createCheckStatusResponse(request, instanceId);
}
