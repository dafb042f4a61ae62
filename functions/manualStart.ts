import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { functionsApp } from '../src/app/functionsApp';
import { createTriggerAudit } from '../src/app/triggerAudit';
import { handleManualStart } from '../src/triggers/manualStart';

/** A person starts a remediation for one load balancer. */
export async function manualStart(
  request: HttpRequest,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const { config, auditSink } = await functionsApp();
  return handleManualStart(request, context, {
    client,
    allowedScopes: config.allowedScopes,
    mode: config.mode,
    audit: createTriggerAudit(auditSink, config.mode, context.invocationId),
  });
}

df.app.client.http('manualStart', {
  route: 'loadbalancers/{subscription}/{resourceGroup}/{name}/remediations',
  methods: ['POST'],
  authLevel: 'function',
  handler: manualStart,
});
