/**
 * The part of the durable client the HTTP triggers use, so handlers take it as a parameter and
 * tests pass a fake. `df.DurableClient` satisfies it.
 */
import type { HttpRequest, HttpResponse } from '@azure/functions';
import type { WorkflowInput } from '../workflow/contracts';
import { ORCHESTRATOR_NAME } from '../workflow/names';
import { RUN_ID, runIdFor } from '../workflow/runId';

export interface OrchestrationClient {
  startNew(name: string, options?: { instanceId?: string; input?: unknown }): Promise<string>;
  getStatus(
    instanceId: string,
  ): Promise<{ runtimeStatus: string; customStatus?: unknown; input?: unknown } | undefined>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
  createCheckStatusResponse(request: HttpRequest | undefined, instanceId: string): HttpResponse;
}

/** Audit events the triggers emit (what arrived, what was decided). */
export interface TriggerAuditEvent {
  trigger: 'alert' | 'manual' | 'approval';
  decision: 'started' | 'joined' | 'ignored' | 'forbidden' | 'rejected' | 'raised' | 'fix-mode-off';
  loadBalancerId?: string;
  instanceId?: string;
  /** The run started or joined (one per execution; the instance id is one per load balancer). */
  runId?: string;
  alertId?: string;
  detail?: Record<string, unknown>;
}

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** The instance's runtime status, or undefined when it does not exist (the real client throws on 404). */
export async function currentStatus(
  client: OrchestrationClient,
  instanceId: string,
): Promise<string | undefined> {
  try {
    return (await client.getStatus(instanceId))?.runtimeStatus;
  } catch (err) {
    if (err instanceof Error && /\b404\b/.test(err.message)) return undefined;
    throw err;
  }
}

/**
 * The run id of an instance, from its custom status (set from its first episode) or its input (set
 * by whoever started it); undefined for an instance started before run ids existed.
 */
export function runIdOfInstance(
  status: { customStatus?: unknown; input?: unknown } | undefined,
): string | undefined {
  for (const source of [status?.customStatus, status?.input]) {
    const runId = (source as { runId?: unknown } | undefined)?.runId;
    if (typeof runId === 'string' && RUN_ID.test(runId)) return runId;
  }
  return undefined;
}

/**
 * Starts the run for `input` under `instanceId`, unless one is in progress: then joins it. A new run
 * gets its run id here, from the instance id and the time it is started (`now`).
 */
export async function startOrJoin(
  client: OrchestrationClient,
  instanceId: string,
  input: WorkflowInput,
  now: Date = new Date(),
): Promise<{ joined: boolean; runtimeStatus?: string; runId?: string }> {
  const status = await currentStatus(client, instanceId);
  if (status && ACTIVE.has(status)) {
    const runId = runIdOfInstance(await client.getStatus(instanceId));
    return { joined: true, runtimeStatus: status, ...(runId ? { runId } : {}) };
  }
  const runId = runIdFor(instanceId, now);
  await client.startNew(ORCHESTRATOR_NAME, { instanceId, input: { ...input, runId } });
  return { joined: false, runId };
}
