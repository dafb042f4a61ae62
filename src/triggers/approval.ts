/** POST /api/remediations/{instanceId}/approval: a person approves or rejects the planned fixes. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ensureError } from '../errors';
import { approvalEventSchema, describeIssue } from '../workflow/input';
import { APPROVAL_EVENT } from '../workflow/names';
import { currentStatus, type OrchestrationClient, type TriggerAuditEvent } from './client';
import { errorResponse, readJson } from './responses';

export interface ApprovalDeps {
  client: OrchestrationClient;
  audit(event: TriggerAuditEvent): void | Promise<void>;
}

const INSTANCE_ID = /^pd-[0-9a-f]{32}$/;

/** The approval's logic: raises the `approval` event on a running instance. */
export async function handleApproval(
  request: HttpRequest,
  _context: InvocationContext,
  deps: ApprovalDeps,
): Promise<HttpResponseInit> {
  const instanceId = request.params['instanceId'] ?? '';
  if (!INSTANCE_ID.test(instanceId))
    return errorResponse(400, 'InvalidInstanceId', `Invalid instance id: ${instanceId}`);
  let raw: unknown;
  try {
    raw = await readJson(request);
  } catch (err) {
    return errorResponse(400, 'InvalidJson', `Invalid body: not JSON (${ensureError(err).message})`);
  }
  const body = approvalEventSchema.safeParse(raw);
  if (!body.success)
    return errorResponse(400, 'InvalidBody', `Invalid body: ${describeIssue(body.error).message}`);
  const status = await currentStatus(deps.client, instanceId);
  if (status === undefined) return errorResponse(404, 'NotFound', `No remediation ${instanceId}.`);
  if (status !== 'Running') {
    return errorResponse(
      409,
      'NotWaiting',
      `Remediation ${instanceId} is ${status}; it does not wait for an approval.`,
    );
  }
  await deps.client.raiseEvent(instanceId, APPROVAL_EVENT, body.data);
  await deps.audit({ trigger: 'approval', decision: 'raised', instanceId, detail: { ...body.data } });
  return { status: 202, jsonBody: { status: 'accepted', instanceId, decision: body.data.decision } };
}
