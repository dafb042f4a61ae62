import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../src/config';
import { handleManualStart } from '../src/triggers/manualStart';

/** A person starts a remediation for one load balancer. */
export async function manualStart(
  request: HttpRequest,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const config = getConfig({ requireAllowedScopes: true });
  return handleManualStart(request, context, {
    client,
    allowedScopes: config.allowedScopes,
    mode: config.mode,
    audit: (event) => context.log(JSON.stringify({ audit: event })),
  });
}

df.app.client.http('manualStart', {
  route: 'loadbalancers/{subscription}/{resourceGroup}/{name}/remediations',
  methods: ['POST'],
  authLevel: 'function',
  handler: manualStart,
});
