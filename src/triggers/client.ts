/**
 * The part of the durable client the HTTP triggers use, so handlers take it as a parameter and
 * tests pass a fake. `df.DurableClient` satisfies it.
 */
import type { HttpRequest, HttpResponse } from '@azure/functions';
import type { WorkflowInput } from '../workflow/contracts';
import { ORCHESTRATOR_NAME } from '../workflow/names';

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
  decision: 'started' | 'joined' | 'ignored' | 'forbidden' | 'rejected' | 'raised';
  loadBalancerId?: string;
  instanceId?: string;
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

/** Starts the run for `input` under `instanceId`, unless one is in progress: then joins it. */
export async function startOrJoin(
  client: OrchestrationClient,
  instanceId: string,
  input: WorkflowInput,
): Promise<{ joined: boolean; runtimeStatus?: string }> {
  const status = await currentStatus(client, instanceId);
  if (status && ACTIVE.has(status)) return { joined: true, runtimeStatus: status };
  await client.startNew(ORCHESTRATOR_NAME, { instanceId, input });
  return { joined: false };
}
