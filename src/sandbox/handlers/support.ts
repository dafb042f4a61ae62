/**
 * Microsoft.Support routes: the service catalogue and support ticket creation (a long-running PUT).
 */
import type { SandboxContext } from '../context';
import { SandboxHttpError } from '../httpError';
import { apiVersionOf, type ArmRequest, type ArmResponse, type RouteParams } from '../router';
import { listProblemClassifications, listSupportServices } from '../support';
import { timing, writeAccepted } from './lroResponses';

export function getServices(): ArmResponse {
  return { status: 200, body: listSupportServices() };
}

export function getProblemClassifications(
  _ctx: SandboxContext,
  _req: ArmRequest,
  params: RouteParams,
): ArmResponse {
  return { status: 200, body: listProblemClassifications(params.service as string) };
}

/** `PUT /subscriptions/{sub}/providers/Microsoft.Support/supportTickets/{name}`: 202, polled, then GET. */
export function createTicket(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  ctx.tickets.create(params.sub as string, params.name as string, req.body);
  const op = ctx.operations.start({
    namespace: 'Microsoft.Support',
    subscriptionId: params.sub as string,
    location: 'global',
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.writePolls,
    ...timing(ctx, req, 'supportTicket'),
  });
  return writeAccepted(ctx, op, 202);
}

export function getTicket(ctx: SandboxContext, _req: ArmRequest, params: RouteParams): ArmResponse {
  const ticket = ctx.tickets.get(params.sub as string, params.name as string);
  if (!ticket) {
    throw new SandboxHttpError(404, 'ResourceNotFound', `Support ticket '${params.name}' was not found.`);
  }
  return { status: 200, body: ticket };
}
