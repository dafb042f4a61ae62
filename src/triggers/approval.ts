/** POST /api/remediations/{instanceId}/approval: a person approves or rejects the planned fixes. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ensureError } from '../errors';
import { approvalEventSchema, describeIssue } from '../workflow/input';
import { APPROVAL_EVENT } from '../workflow/names';
import { currentStatus, runIdOfInstance, type OrchestrationClient, type TriggerAuditEvent } from './client';
import { errorResponse, readJson } from './responses';

export interface ApprovalDeps {
  client: OrchestrationClient;
  audit(event: TriggerAuditEvent): void | Promise<void>;
}

const INSTANCE_ID = /^pd-[0-9a-f]{32}$/;

/** The load balancer a run is for, from its input (the real client returns it with the status). */
function loadBalancerOf(input: unknown): string | undefined {
  const id = (input as { loadBalancerId?: unknown } | undefined)?.loadBalancerId;
  return typeof id === 'string' ? id : undefined;
}

/** The instance's status, or undefined when it does not exist (the real client throws on 404). */
async function instanceStatus(client: OrchestrationClient, instanceId: string) {
  if ((await currentStatus(client, instanceId)) === undefined) return undefined;
  return client.getStatus(instanceId);
}

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
  const instance = await instanceStatus(deps.client, instanceId);
  const status = instance?.runtimeStatus;
  if (status === undefined) return errorResponse(404, 'NotFound', `No remediation ${instanceId}.`);
  if (status !== 'Running') {
    return errorResponse(
      409,
      'NotWaiting',
      `Remediation ${instanceId} is ${status}; it does not wait for an approval.`,
    );
  }
  // Who approves: App Service sets x-ms-client-principal-name and strips any a client sends ONLY when
  // App Service Authentication is on, and the infra does not turn it on (docs/reliability.md,
  // "Approvals"). So the header is a claim like the body's `by`: it is recorded, never `verified`.
  // An empty or blank header is no claim at all.
  const header = request.headers.get('x-ms-client-principal-name')?.trim();
  const principal = header ? header : undefined;
  const by = principal ?? body.data.by;
  const decision = { ...body.data, by };
  const loadBalancerId = loadBalancerOf(instance?.input);
  const runId = runIdOfInstance(instance);
  await deps.audit({
    trigger: 'approval',
    decision: 'raised',
    instanceId,
    ...(runId ? { runId } : {}),
    ...(loadBalancerId ? { loadBalancerId } : {}),
    detail: { decision: body.data.decision, by, verified: false },
  });
  await deps.client.raiseEvent(instanceId, APPROVAL_EVENT, decision);
  return { status: 202, jsonBody: { status: 'accepted', instanceId, decision: body.data.decision, by } };
}
