/** Validation of the values that enter the orchestration: its input and the approval event. */
import { z } from 'zod';
import { parseLoadBalancerId } from '../azure/resourceId';
import { ensureError, InvalidInputError } from '../errors';
import type { ApprovalDecision, WorkflowInput } from './contracts';
import { RUN_ID } from './runId';

/**
 * A load balancer resource id (ARM ids are case-insensitive): the shape only. Whether each segment is
 * one ARM accepts (a GUID subscription, names within ARM's rules) is {@link loadBalancerIdProblem}.
 */
export const LOAD_BALANCER_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+$/i;

/** Why `id` is not a load balancer id ARM could have issued (undefined when it is one). */
export function loadBalancerIdProblem(id: string): string | undefined {
  try {
    parseLoadBalancerId(id);
    return undefined;
  } catch (err) {
    return ensureError(err).message;
  }
}

export const loadBalancerIdSchema = z
  .string()
  .trim()
  .superRefine((id, ctx) => {
    const problem = loadBalancerIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const workflowInputSchema = z.object({
  loadBalancerId: loadBalancerIdSchema,
  mode: z.enum(['observe', 'fix'], { message: 'expected observe or fix' }),
  alertId: z.string().min(1).optional(),
  requestedBy: z.string().min(1).optional(),
  runId: z.string().regex(RUN_ID, { message: 'expected <yyyymmddThhmmssfffZ>-<instance id>' }).optional(),
  approver: z.literal('none', { message: 'expected none' }).optional(),
});

/** `$.a.b[2]` from a zod issue path, for messages that name the bad field. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`),
    '$',
  );
}

/** The first zod issue as `<path>: <message>`. */
export function describeIssue(error: z.ZodError): { where: string; message: string } {
  const issue = error.issues[0];
  const where = jsonPath(issue?.path ?? []);
  return { where, message: `${where}: ${issue?.message ?? 'invalid'}` };
}

/** Validates the orchestration input; throws InvalidInputError naming the bad field. */
export function parseWorkflowInput(value: unknown): WorkflowInput {
  const parsed = workflowInputSchema.safeParse(value);
  if (!parsed.success) {
    const { where, message } = describeIssue(parsed.error);
    throw new InvalidInputError(`Invalid orchestration input: ${message}`, where);
  }
  const { loadBalancerId, mode, alertId, requestedBy, runId, approver } = parsed.data;
  return {
    loadBalancerId,
    mode,
    ...(alertId !== undefined ? { alertId } : {}),
    ...(requestedBy !== undefined ? { requestedBy } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(approver !== undefined ? { approver } : {}),
  };
}

export const approvalEventSchema = z.object({
  decision: z.enum(['approve', 'reject'], { message: 'expected approve or reject' }),
  by: z.string().trim().min(1, { message: 'expected who decided' }).max(256),
});

/**
 * Reads an approval event's data. Anything malformed counts as a rejection: a fix that changes a
 * VM is never applied on a payload nobody can read.
 */
export function readApproval(data: unknown): ApprovalDecision {
  const parsed = approvalEventSchema.safeParse(data);
  if (!parsed.success) return { decision: 'reject', by: 'malformed approval event' };
  return { decision: parsed.data.decision, by: parsed.data.by };
}
