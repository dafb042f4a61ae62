/**
 * How the sandbox answers the start of a long-running operation, and its polls.
 */
import { waitUntil } from '../clock';
import type { SandboxContext } from '../context';
import { anotherOperationInProgress } from '../armErrors';
import { SandboxHttpError } from '../httpError';
import { asyncOperationBody, retryAfterSeconds, type Operation } from '../lro';
import type { ArmRequest, ArmResponse, RouteParams } from '../router';
import { durationMs, type DurationKind } from '../timeModel';

/** How long an operation of `kind` started by `req` runs, and from when (timeModel.ts). */
export function timing(
  ctx: SandboxContext,
  req: ArmRequest,
  kind: DurationKind,
): { durationMs: number; startedAtMs?: number } {
  const ms = durationMs(ctx.time, kind);
  return req.receivedAtMs === undefined
    ? { durationMs: ms }
    : { durationMs: ms, startedAtMs: req.receivedAtMs };
}

/**
 * A POST action's first answer: 202 with `Location` (as the Microsoft examples for rule health,
 * Network Watcher and Run Command show). The result was computed already: errors surface on the POST
 * itself, as ARM's validation errors do.
 */
export function acceptedWithLocation(ctx: SandboxContext, op: Operation): ArmResponse {
  return {
    status: 202,
    headers: {
      Location: ctx.operations.locationUrl(op),
      'Retry-After': retryAfterSeconds(ctx.operations, op),
    },
  };
}

/**
 * Refuses a write while another operation holds `lockKey` (an NSG, a scale set): 409
 * AnotherOperationInProgress naming the holder's operation, as ARM answers. Returns the key to hold.
 */
export function requireUnlocked(ctx: SandboxContext, lockKey: string): string {
  const holder = ctx.locks.holder(lockKey);
  if (holder) throw anotherOperationInProgress(ctx.operations.asyncOperationUrl(holder));
  return lockKey;
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
    'Retry-After': retryAfterSeconds(ctx.operations, op),
  };
  if (status === 202) headers.Location = ctx.operations.locationUrl(op);
  return { status, body, headers };
}

function unknownOperation(id: string): SandboxHttpError {
  return new SandboxHttpError(404, 'OperationNotFound', `The operation '${id}' could not be found.`);
}

/**
 * One poll of an operation. `Retry-After` counts whole seconds, so a poll that arrives with less than
 * a second left cannot be told how long to wait ("0" makes @azure/core-lro fall back to its own
 * interval, 2 s by default): that poll is answered when the operation is done, as if the client had
 * waited exactly the time left. Polls with a second or more left are answered at once.
 */
async function poll(ctx: SandboxContext, id: string): Promise<Operation> {
  const found = ctx.operations.get(id);
  if (!found) throw unknownOperation(id);
  const left = ctx.operations.timeLeftMs(found);
  if (left > 0 && left < 1000) await waitUntil(ctx.clock, found.doneAtMs);
  const op = ctx.operations.poll(id);
  if (!op) throw unknownOperation(id);
  return op;
}

/** `GET .../locations/{loc}/operations/{id}`: the async-operation status. */
export async function pollAsyncOperation(ctx: SandboxContext, params: RouteParams): Promise<ArmResponse> {
  const op = await poll(ctx, params.operationId as string);
  return {
    status: 200,
    body: asyncOperationBody(op),
    headers: op.status === 'InProgress' ? { 'Retry-After': retryAfterSeconds(ctx.operations, op) } : {},
  };
}

/** `GET .../locations/{loc}/operationResults/{id}`: 202 while running, then the result (empty for void operations), or the error. */
export async function pollOperationResult(ctx: SandboxContext, params: RouteParams): Promise<ArmResponse> {
  const op = await poll(ctx, params.operationId as string);
  if (op.status === 'InProgress') {
    return {
      status: 202,
      headers: {
        Location: ctx.operations.locationUrl(op),
        'Retry-After': retryAfterSeconds(ctx.operations, op),
      },
    };
  }
  if (op.status === 'Failed' && op.error) throw op.error;
  // A void operation (VM start, DELETE) ends with an empty 200: the compute client accepts 200/201/202 only.
  if (op.result === undefined) return { status: 200 };
  return { status: 200, body: op.result, json: op.resultJson };
}
