/** The VM behind a NIC, and the rule that ARM's NIC diagnostics need it running. */
import { SandboxHttpError } from '../httpError';
import { guestSchema, type GuestState } from '../scenario';
import type { SandboxState } from '../state';
import { findGuest } from '../state';
import { list, props, refId, requireResource, type Raw } from './arm';

/** Guest facts of a VM; a VM the scenario says nothing about is running with nothing listening. */
export function guestOf(state: SandboxState, vmId: string | undefined): GuestState {
  return (vmId ? findGuest(state, vmId) : undefined) ?? guestSchema.parse({ os: 'linux' });
}

/**
 * The NIC, for the effective-NSG and effective-route APIs, which ARM answers only for a NIC attached
 * to a running VM. The error code is not documented; the status is what clients branch on.
 */
export function requireNicOfRunningVm(state: SandboxState, nicId: string): { nic: Raw; vmId: string } {
  const nic = requireResource(state, nicId, 'network interface');
  const vmId = refId(props(nic).virtualMachine);
  if (!vmId) {
    throw new SandboxHttpError(
      400,
      'BadRequest',
      `Network interface '${nicId}' is not attached to a virtual machine.`,
    );
  }
  const power = guestOf(state, vmId).powerState;
  if (power !== 'running') {
    throw new SandboxHttpError(
      400,
      'BadRequest',
      `Network interface '${nicId}' is attached to virtual machine '${vmId}', which is ${power}; it must be running.`,
    );
  }
  return { nic, vmId };
}

/** The NIC's IP configurations, raw. */
export function ipConfigurations(nic: Raw): Raw[] {
  return list(props(nic).ipConfigurations);
}
