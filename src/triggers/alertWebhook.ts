/** POST /api/alerts: an Azure Monitor alert (Common Alert Schema) starts or joins the run for its LB. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { AllowedScope } from '../config';
import { ensureError, isInvalidInputError } from '../errors';
import { parseAlert } from './alertSchema';
import { startOrJoin, type OrchestrationClient, type TriggerAuditEvent } from './client';
import { instanceIdFor } from './instanceId';
import { errorResponse, readJson, statusResponse } from './responses';
import { isInScope } from './scope';

export interface AlertWebhookDeps {
  client: OrchestrationClient;
  allowedScopes: readonly AllowedScope[];
  mode: 'observe' | 'fix';
  audit(event: TriggerAuditEvent): void | Promise<void>;
}

/** The alert webhook's logic; the Functions registration passes the durable client in. */
export async function handleAlertWebhook(
  request: HttpRequest,
  _context: InvocationContext,
  deps: AlertWebhookDeps,
): Promise<HttpResponseInit> {
  let body: unknown;
  try {
    body = await readJson(request);
  } catch (err) {
    const message = `Invalid alert: the body is not JSON (${ensureError(err).message})`;
    await deps.audit({ trigger: 'alert', decision: 'rejected', detail: { reason: message } });
    return errorResponse(400, 'InvalidJson', message);
  }
  let alert;
  try {
    alert = parseAlert(body);
  } catch (err) {
    if (isInvalidInputError(err)) {
      await deps.audit({ trigger: 'alert', decision: 'rejected', detail: { reason: err.message } });
      return errorResponse(400, 'InvalidAlert', err.message);
    }
    throw err;
  }
  const base = { trigger: 'alert' as const, loadBalancerId: alert.loadBalancerId, alertId: alert.alertId };
  if (alert.monitorCondition === 'Resolved') {
    await deps.audit({ ...base, decision: 'ignored', detail: { reason: 'alert resolved' } });
    return { status: 200, jsonBody: { status: 'ignored', reason: 'alert resolved', alertId: alert.alertId } };
  }
  if (!isInScope(alert.loadBalancerId, deps.allowedScopes)) {
    await deps.audit({
      ...base,
      decision: 'forbidden',
      detail: { reason: 'outside PROBE_DOCTOR_ALLOWED_SCOPES' },
    });
    return errorResponse(
      403,
      'OutOfScope',
      `Load balancer ${alert.loadBalancerId} is outside PROBE_DOCTOR_ALLOWED_SCOPES.`,
    );
  }
  const instanceId = instanceIdFor(alert.loadBalancerId);
  const outcome = await startOrJoin(deps.client, instanceId, {
    loadBalancerId: alert.loadBalancerId,
    mode: deps.mode,
    alertId: alert.alertId,
    requestedBy: `alert:${alert.signal}`,
  });
  await deps.audit({
    ...base,
    instanceId,
    ...(outcome.runId ? { runId: outcome.runId } : {}),
    decision: outcome.joined ? 'joined' : 'started',
    detail: { signal: alert.signal },
  });
  return statusResponse(deps.client, request, instanceId, 202, {
    status: outcome.joined ? 'joined' : 'started',
  });
}
