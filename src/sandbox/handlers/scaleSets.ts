/**
 * `PATCH` and `PUT` of a scale set (Virtual Machine Scale Sets - Update / Create Or Update): a
 * capacity change, carried out by src/sandbox/scaleSets.ts when the operation completes. The first
 * answer is 200 with the scale set `Updating` and `Azure-AsyncOperation` to poll, as Compute answers
 * a long-running update (the `@azure/arm-compute` client accepts 200, 201 and 202 and polls); a
 * second write to the same scale set meanwhile gets 409 AnotherOperationInProgress. `If-Match` with
 * another etag gets 412.
 */
import { idKey } from '../../model/ids';
import type { SandboxContext } from '../context';
import { SandboxHttpError } from '../httpError';
import { apiVersionOf, headerOf, type ArmRequest, type ArmResponse, type RouteParams } from '../router';
import { applyCapacity, requestedCapacity } from '../scaleSets';
import { recordChange } from '../state';
import { requireUnlocked, timing, writeAccepted } from './lroResponses';
import { locationOf, requireResource } from './resources';

/** Brings the scale set at `params.scaleSet` to the body's `sku.capacity`. */
export function updateScaleSet(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const scaleSetId = params.scaleSet as string;
  const scaleSet = requireResource(ctx.state, scaleSetId);
  const properties = (scaleSet.properties ?? {}) as Record<string, unknown>;
  const mode = typeof properties.orchestrationMode === 'string' ? properties.orchestrationMode : 'Uniform';
  if (mode.toLowerCase() !== 'uniform') {
    throw new SandboxHttpError(
      400,
      'BadRequest',
      'The sandbox models capacity changes of Uniform scale sets only (Flexible instances are plain VMs).',
    );
  }
  const ifMatch = headerOf(req, 'if-match');
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== scaleSet.etag) {
    throw new SandboxHttpError(
      412,
      'PreconditionFailed',
      `The condition '${ifMatch}' in the If-Match header does not match the current etag ${String(scaleSet.etag)} of the scale set.`,
    );
  }
  const lockKey = requireUnlocked(ctx, `vmss:${idKey(scaleSetId)}`);
  const capacity = requestedCapacity(ctx.state, scaleSet as never, req.body);
  properties.provisioningState = 'Updating';
  scaleSet.properties = properties;
  recordChange(ctx.state);
  const op = ctx.operations.start({
    namespace: 'Microsoft.Compute',
    subscriptionId: params.sub as string,
    location: locationOf(ctx.state, scaleSetId),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.writePolls,
    ...timing(ctx, req, 'scaleSetUpdate'),
    onDone: () => {
      applyCapacity(ctx.state, scaleSetId, capacity);
    },
  });
  ctx.locks.hold(lockKey, op);
  return writeAccepted(ctx, op, 200, structuredClone(scaleSet));
}
