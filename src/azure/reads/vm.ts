/**
 * What a VM (or scale set VM) says about itself: its instance view and Resource Health, and Run
 * Command, the one way into the guest.
 */
import type { RunCommandResult } from '@azure/arm-compute';
import type { VmHealthEvidence } from '../../model/evidence';
import { callAzure } from '../callError';
import type { ClientsForSubscription } from '../clients';
import { agentStatusOf, powerStateOf, provisioningStateOf } from '../map';
import type { RunCommandRequest } from '../reader';
import { parseResourceId, scaleSetVmOf } from '../resourceId';
import { resourceUri } from './probeHealth';

function instanceView(clientsFor: ClientsForSubscription, vmId: string) {
  const parsed = parseResourceId(vmId);
  const vmss = scaleSetVmOf(parsed);
  const compute = clientsFor(parsed.subscriptionId).compute;
  return vmss
    ? compute.virtualMachineScaleSetVMs.getInstanceView(
        vmss.resourceGroup,
        vmss.scaleSetName,
        vmss.instanceId,
      )
    : compute.virtualMachines.instanceView(parsed.resourceGroup, parsed.name);
}

/** Resource Health is advisory: where it is missing or forbidden, the instance view still decides. */
async function resourceHealthOf(
  clientsFor: ClientsForSubscription,
  vmId: string,
): Promise<VmHealthEvidence['resourceHealth']> {
  try {
    const status = await clientsFor(
      parseResourceId(vmId).subscriptionId,
    ).resourceHealth.availabilityStatuses.getByResource(resourceUri(vmId));
    const state = status.properties?.availabilityState;
    return state === 'Available' || state === 'Unavailable' || state === 'Degraded' || state === 'Unknown'
      ? state
      : undefined;
  } catch {
    return undefined;
  }
}

/** Power, provisioning and guest-agent state, plus Resource Health where the platform has it. */
export function readVmHealth(clientsFor: ClientsForSubscription, vmId: string): Promise<VmHealthEvidence> {
  return callAzure('read health of', vmId, async () => {
    const [view, resourceHealth] = await Promise.all([
      instanceView(clientsFor, vmId),
      resourceHealthOf(clientsFor, vmId),
    ]);
    const provisioningState = provisioningStateOf(view.statuses);
    return {
      vmId,
      powerState: powerStateOf(view.statuses),
      ...(provisioningState ? { provisioningState } : {}),
      ...agentStatusOf(view.vmAgent),
      ...(resourceHealth ? { resourceHealth } : {}),
    };
  });
}

/** A request's script as Run Command is sent it: its lines (a script given as one text, split on newlines). */
export function scriptLines(request: Pick<RunCommandRequest, 'script'>): string[] {
  return typeof request.script === 'string' ? request.script.split('\n') : request.script;
}

/** Runs a script on a VM or scale set VM and returns the RunCommandResult body (`value[]` statuses). */
export function runCommandOn(
  clientsFor: ClientsForSubscription,
  vmId: string,
  request: RunCommandRequest,
  hooks: { onAccepted?: () => void | Promise<void> } = {},
): Promise<RunCommandResult> {
  return callAzure('run command on', vmId, async () => {
    const parsed = parseResourceId(vmId);
    const input = {
      commandId: request.commandId,
      script: scriptLines(request),
    };
    const vmss = scaleSetVmOf(parsed);
    const compute = clientsFor(parsed.subscriptionId).compute;
    const poller = vmss
      ? compute.virtualMachineScaleSetVMs.runCommand(
          vmss.resourceGroup,
          vmss.scaleSetName,
          vmss.instanceId,
          input,
        )
      : compute.virtualMachines.runCommand(parsed.resourceGroup, parsed.name, input);
    // Submitted: the POST was answered (202), past the pipeline's retries; a refusal rejects here.
    await poller.submitted();
    // Recording what ran never decides the command's outcome: the script runs in the guest whatever
    // the audit sink says, so a failed write must not turn an applied fix or a done check into a
    // failure (the command is still polled; the lost event is the sink's failure to report).
    await Promise.resolve()
      .then(() => hooks.onAccepted?.())
      .catch(() => undefined);
    return poller.pollUntilDone();
  });
}
