import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { handleApproval } from '../src/triggers/approval';

/** A person approves or rejects the fixes a run waits on. */
export async function approval(
  request: HttpRequest,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handleApproval(request, context, {
    client,
    audit: (event) => context.log(JSON.stringify({ audit: event })),
  });
}

df.app.client.http('approval', {
  route: 'remediations/{instanceId}/approval',
  methods: ['POST'],
  authLevel: 'function',
  handler: approval,
});
