/**
 * How the sandbox answers the start of a long-running operation, and its polls.
 */
import type { SandboxContext } from '../context';
import { SandboxHttpError } from '../httpError';
import { asyncOperationBody, type Operation } from '../lro';
import type { ArmResponse, RouteParams } from '../router';

/**
 * A POST action's first answer: 202 with `Location` (as the Microsoft examples for rule health,
 * Network Watcher and Run Command show). The result was computed already: errors surface on the POST
 * itself, as ARM's validation errors do.
 */
export function acceptedWithLocation(ctx: SandboxContext, op: Operation): ArmResponse {
  return { status: 202, headers: { Location: ctx.operations.locationUrl(op), 'Retry-After': '0' } };
}

/** A write's first answer: the body so far plus `Azure-AsyncOperation` (and `Location` for DELETE). */
export function writeAccepted(
  ctx: SandboxContext,
  op: Operation,
  status: number,
  body?: unknown,
): ArmResponse {
  const headers: Record<string, string> = {
    'Azure-AsyncOperation': ctx.operations.asyncOperationUrl(op),
    'Retry-After': '0',
  };
  if (status === 202) headers.Location = ctx.operations.locationUrl(op);
  return { status, body, headers };
}

function unknownOperation(id: string): SandboxHttpError {
  return new SandboxHttpError(404, 'OperationNotFound', `The operation '${id}' could not be found.`);
}

/** `GET .../locations/{loc}/operations/{id}`: the async-operation status. */
export function pollAsyncOperation(ctx: SandboxContext, params: RouteParams): ArmResponse {
  const op = ctx.operations.poll(params.operationId as string);
  if (!op) throw unknownOperation(params.operationId as string);
  return {
    status: 200,
    body: asyncOperationBody(op),
    headers: op.status === 'InProgress' ? { 'Retry-After': '0' } : {},
  };
}

/** `GET .../locations/{loc}/operationResults/{id}`: 202 while running, then the result (empty for void operations), or the error. */
export function pollOperationResult(ctx: SandboxContext, params: RouteParams): ArmResponse {
  const op = ctx.operations.poll(params.operationId as string);
  if (!op) throw unknownOperation(params.operationId as string);
  if (op.status === 'InProgress') {
    return { status: 202, headers: { Location: ctx.operations.locationUrl(op), 'Retry-After': '0' } };
  }
  if (op.status === 'Failed' && op.error) throw op.error;
  // A void operation (VM start, DELETE) ends with an empty 200: the compute client accepts 200/201/202 only.
  return op.result === undefined ? { status: 200 } : { status: 200, body: op.result };
}
