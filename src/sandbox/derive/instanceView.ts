/** `GET …/virtualMachines/{vm}/instanceView` and the scale set VM equivalent, from the guest facts. */
import type { SandboxState } from '../state';
import { requireResource, str } from './arm';
import { guestOf } from './vmFacts';

const POWER_DISPLAY: Record<string, string> = {
  running: 'VM running',
  stopped: 'VM stopped',
  deallocated: 'VM deallocated',
  starting: 'VM starting',
};

/**
 * The instance view (VirtualMachines_InstanceView example): `ProvisioningState/succeeded` and
 * `PowerState/<state>` statuses, the VM agent `Ready` or `Not Ready`, the OS name. 404 for an unknown VM.
 */
export function vmInstanceView(state: SandboxState, vmId: string): Record<string, unknown> {
  const vm = requireResource(state, vmId, 'virtual machine');
  const guest = guestOf(state, vmId);
  const agentUp = guest.agentReady && guest.powerState === 'running';
  return {
    computerName: str(vm.name),
    osName: guest.os === 'windows' ? 'Windows Server 2022 Datacenter' : 'ubuntu',
    vmAgent: {
      vmAgentVersion: agentUp ? '2.7.41491.1102' : 'Unknown',
      statuses: [
        agentUp
          ? {
              code: 'ProvisioningState/succeeded',
              level: 'Info',
              displayStatus: 'Ready',
              message: 'GuestAgent is running and processing the extensions.',
            }
          : {
              code: 'ProvisioningState/Unavailable',
              level: 'Warning',
              displayStatus: 'Not Ready',
              message: 'VM status blob is found but not yet populated.',
            },
      ],
    },
    statuses: [
      { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
      {
        code: `PowerState/${guest.powerState}`,
        level: 'Info',
        displayStatus: POWER_DISPLAY[guest.powerState],
      },
    ],
  };
}
