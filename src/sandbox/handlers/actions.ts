/**
 * POST actions answered as long-running operations: per-rule health, effective NSGs and routes,
 * Network Watcher checks, Run Command, VM start. Each answer is computed by the derived views at POST
 * time and handed out when the operation is polled to completion.
 */
import { idKey } from '../../model/ids';
import type { SandboxContext } from '../context';
import { invalidRequest, runCommandInProgress } from '../armErrors';
import { apiVersionOf, type ArmRequest, type ArmResponse, type RouteParams } from '../router';
import { utf8Of } from '../storedJson';
import { stringifyInSlices } from '../slicing';
import { recordChange } from '../state';
import type { RunCommandInput } from '../views';
import type { DurationKind } from '../timeModel';
import { acceptedWithLocation, timing } from './lroResponses';
import { locationOf, requireNic, requireResource, requireVm } from './resources';

function subscriptionOf(id: string): string {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '00000000-0000-0000-0000-000000000000';
}

/**
 * The answers of action results, by the result: a result the views remember per state version (the
 * rule health, one frozen object for every POST at that version) has one answer, however many
 * operations answer with it, and the answer goes when the result does.
 */
const resultBytes = new WeakMap<object, Promise<Buffer>>();

/**
 * `result`'s answer, written in slices (slicing.ts) and encoded in UTF-8 while the operation runs, as
 * Azure has an action's result ready when it ends: the final poll then only sends it. The rule health
 * of 1,000 backends is 462 KB, ~3-4 ms of the sandbox's thread to serialize and a fresh buffer of that
 * size to encode, that would otherwise sit between the operation's end and its answer. The final poll
 * awaits it and answers its error, if any.
 */
export function bytesAhead(result: unknown): Promise<Buffer> | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  let bytes = resultBytes.get(result);
  if (!bytes) {
    bytes = utf8Of(stringifyInSlices(result));
    resultBytes.set(result, bytes);
  }
  return bytes;
}

/** Starts an action whose answer is `result`, under the resource `id`'s region. */
function startAction(
  ctx: SandboxContext,
  req: ArmRequest,
  id: string,
  namespace: string,
  kind: DurationKind,
  result: unknown,
): ArmResponse {
  const op = ctx.operations.start({
    namespace,
    subscriptionId: subscriptionOf(id),
    location: locationOf(ctx.state, id),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.actionPolls,
    ...timing(ctx, req, kind),
    result,
    resultJson: bytesAhead(result),
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
    'ruleHealth',
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
    'effectiveNetwork',
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
    'effectiveNetwork',
    ctx.views.effectiveRouteTable(ctx.state, String(nic.id)),
  );
}

/**
 * `POST {networkWatcherId}/ipFlowVerify` and `/connectivityCheck`. The watcher must exist: "Before any
 * calls can be made into the APIs below, you must create a Network Watcher resource"
 * (learn.microsoft.com/rest/api/network-watcher); a missing one is ARM's 404. A scenario that wants
 * escalation evidence holds the region's `NetworkWatcher_<region>` in `NetworkWatcherRG`.
 */
export function networkWatcherAction(kind: 'ipFlowVerify' | 'connectivityCheck') {
  return (ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse => {
    requireResource(ctx.state, params.watcher as string);
    if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
      throw invalidRequest('The request body is required.');
    }
    const result =
      kind === 'ipFlowVerify'
        ? ctx.views.ipFlowVerify(ctx.state, req.body)
        : ctx.views.connectivityCheck(ctx.state, req.body);
    return startAction(ctx, req, params.watcher as string, 'Microsoft.Network', 'networkWatcher', result);
  };
}

/**
 * `POST {vmId}/runCommand` (VM or scale set VM). "Only one script can run at a time" (Run Command
 * restrictions): the VM is held for the script's duration (timeModel.ts `runCommand`), and a second
 * script meanwhile gets Azure's 409 `Conflict` (armErrors.ts). The guest simulator may refuse the same
 * way (a scenario's `runCommandBusyTimes`: another script, not ours, still running).
 */
export function runCommand(ctx: SandboxContext, req: ArmRequest, params: RouteParams): ArmResponse {
  const vm = requireVm(ctx.state, params.vm as string);
  const vmId = String(vm.id);
  const lockKey = `runcommand:${idKey(vmId)}`;
  if (ctx.locks.holder(lockKey)) throw runCommandInProgress();
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
    ...timing(ctx, req, 'runCommand'),
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
    // Only this VM's guest changes (its power state).
    recordChange(ctx.state, { guestOf: vmId });
  }
  const op = ctx.operations.start({
    namespace: 'Microsoft.Compute',
    subscriptionId: subscriptionOf(vmId),
    location: locationOf(ctx.state, vmId),
    apiVersion: apiVersionOf(req),
    pollsBeforeDone: ctx.behaviour.writePolls,
    ...timing(ctx, req, 'vmStart'),
    onDone: () => {
      if (guest && guest.powerState !== 'running') {
        guest.powerState = 'running';
        recordChange(ctx.state, { guestOf: vmId });
      }
    },
  });
  return acceptedWithLocation(ctx, op);
}
