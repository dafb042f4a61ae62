import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { functionsApp } from '../src/app/functionsApp';
import { createTriggerAudit } from '../src/app/triggerAudit';
import { handleApproval } from '../src/triggers/approval';

/** A person approves or rejects the fixes a run waits on. */
export async function approval(
  request: HttpRequest,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const { config, auditSink } = await functionsApp();
  return handleApproval(request, context, {
    client,
    audit: createTriggerAudit(auditSink, config.mode, context.invocationId),
  });
}

df.app.client.http('approval', {
  route: 'remediations/{instanceId}/approval',
  methods: ['POST'],
  authLevel: 'function',
  handler: approval,
});
