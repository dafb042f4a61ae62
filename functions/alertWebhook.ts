import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { functionsApp } from '../src/app/functionsApp';
import { createTriggerAudit } from '../src/app/triggerAudit';
import { handleAlertWebhook } from '../src/triggers/alertWebhook';

/** Azure Monitor action group webhook (Common Alert Schema). */
export async function alertWebhook(
  request: HttpRequest,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const { config, auditSink } = await functionsApp();
  return handleAlertWebhook(request, context, {
    client,
    allowedScopes: config.allowedScopes,
    mode: config.mode,
    audit: createTriggerAudit(auditSink, config.mode, context.invocationId),
  });
}

df.app.client.http('alertWebhook', {
  route: 'alerts',
  methods: ['POST'],
  authLevel: 'function',
  handler: alertWebhook,
});
