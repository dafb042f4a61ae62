import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../src/config';
import { handleAlertWebhook } from '../src/triggers/alertWebhook';

/** Azure Monitor action group webhook (Common Alert Schema). */
export async function alertWebhook(
  request: HttpRequest,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const config = getConfig({ requireAllowedScopes: true });
  return handleAlertWebhook(request, context, {
    client,
    allowedScopes: config.allowedScopes,
    mode: config.mode,
    audit: (event) => context.log(JSON.stringify({ audit: event })),
  });
}

df.app.client.http('alertWebhook', {
  route: 'alerts',
  methods: ['POST'],
  authLevel: 'function',
  handler: alertWebhook,
});
