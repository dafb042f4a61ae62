/**
 * POST actions answered as long-running operations: per-rule health, effective NSGs and routes,
 * Network Watcher checks, Run Command, VM start. Each answer is computed by the derived views at POST
 * time and handed out when the operation is polled to completion.
 */
import { idKey } from '../../model/ids';
import type { SandboxContext } from '../context';
import { SandboxHttpError } from '../httpError';
import { invalidRequest } from '../armErrors';
import { apiVersionOf, type ArmRequest, type ArmResponse, type RouteParams } from '../router';
import type { RunCommandInput } from '../views';
import { acceptedWithLocation } from './lroResponses';
import { locationOf, requireNic, requireResource, requireVm } from './resources';

function subscriptionOf(id: string): string {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '00000000-0000-0000-0000-000000000000';
}

/** Starts an action whose answer is `result`, under the resource `id`'s region. */
function startAction(
  ctx: SandboxContext,
  req: ArmRequest,
  id: string,
  namespace: string,
  result: unknown,
): ArmResponse {
  const op = ctx.operations.start({
    namespace,
    subscriptionId: subscriptionOf(id),
    location: locationOf(ctx.state, id),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.actionPolls,
    result,
  });
  return acceptedWithLocation(ctx, op);
}

/** `POST {lbId}/loadBalancingRules/{rule}/health` */
export function ruleHealth(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const rule = requireResource(ctx.state, `${params.lb}/loadBalancingRules/${params.rule}`);
  const lbId = String(rule.id).replace(/\/loadBalancingRules\/[^/]+$/i, '');
  return startAction(
    ctx,
    req,
    lbId,
    'Microsoft.Network',
    ctx.views.ruleHealth(ctx.state, lbId, String(rule.name)),
  );
}

/** `POST {nicId}/effectiveNetworkSecurityGroups` */
export function effectiveNsgs(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const nic = requireNic(ctx.state, params.nic as string);
  return startAction(
    ctx,
    req,
    String(nic.id),
    'Microsoft.Network',
    ctx.views.effectiveNetworkSecurityGroups(ctx.state, String(nic.id)),
  );
}

/** `POST {nicId}/effectiveRouteTable` */
export function effectiveRoutes(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const nic = requireNic(ctx.state, params.nic as string);
  return startAction(
    ctx,
    req,
    String(nic.id),
    'Microsoft.Network',
    ctx.views.effectiveRouteTable(ctx.state, String(nic.id)),
  );
}

/**
 * `POST {networkWatcherId}/ipFlowVerify` and `/connectivityCheck`. Any watcher name is accepted:
 * scenarios rarely export the region's NetworkWatcher_* resource, and it holds no state that matters.
 */
export function networkWatcherAction(kind: 'ipFlowVerify' | 'connectivityCheck') {
  return (ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse => {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
      throw invalidRequest('The request body is required.');
    }
    const result =
      kind === 'ipFlowVerify'
        ? ctx.views.ipFlowVerify(ctx.state, req.body)
        : ctx.views.connectivityCheck(ctx.state, req.body);
    return startAction(ctx, req, params.watcher as string, 'Microsoft.Network', result);
  };
}

const RUN_COMMAND_IN_PROGRESS =
  'Run command extension execution is in progress. Please wait for completion before invoking a run command.';

/**
 * `POST {vmId}/runCommand` (VM or scale set VM). One script at a time per VM, as Azure allows: a second
 * while the first is running gets 409. The guest simulator may refuse too (a busy extension).
 */
export function runCommand(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const vm = requireVm(ctx.state, params.vm as string);
  const vmId = String(vm.id);
  const lockKey = `runcommand:${idKey(vmId)}`;
  if (ctx.locks.holder(lockKey)) throw new SandboxHttpError(409, 'Conflict', RUN_COMMAND_IN_PROGRESS);
  const input = req.body as Partial<RunCommandInput> | undefined;
  if (!input || typeof input.commandId !== 'string' || input.commandId.length === 0) {
    throw invalidRequest("Required property 'commandId' not found in JSON.");
  }
  const result = ctx.views.runCommandResult(ctx.state, vmId, input as RunCommandInput);
  const op = ctx.operations.start({
    namespace: 'Microsoft.Compute',
    subscriptionId: subscriptionOf(vmId),
    location: locationOf(ctx.state, vmId),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.actionPolls,
    result,
  });
  ctx.locks.hold(lockKey, op);
  return acceptedWithLocation(ctx, op);
}

/**
 * `POST {vmId}/start`: the guest is `starting` until the operation finishes, then `running`. A VM
 * without guest facts simply succeeds.
 */
export function startVm(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const vm = requireVm(ctx.state, params.vm as string);
  const vmId = String(vm.id);
  const guest = ctx.state.guests.get(idKey(vmId));
  if (guest && guest.powerState !== 'running') {
    guest.powerState = 'starting';
    ctx.state.version += 1;
  }
  const op = ctx.operations.start({
    namespace: 'Microsoft.Compute',
    subscriptionId: subscriptionOf(vmId),
    location: locationOf(ctx.state, vmId),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.writePolls,
    onDone: () => {
      if (guest && guest.powerState !== 'running') {
        guest.powerState = 'running';
        ctx.state.version += 1;
      }
    },
  });
  return acceptedWithLocation(ctx, op);
}
