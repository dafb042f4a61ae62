/**
 * The adapter of remediation's power-state port: the VM's instance view, read fresh through the same
 * reader the checks use (which handles both VMs and scale set VMs).
 */
import type { VmPowerStateReader } from '../remediate/ports';
import type { AzureReader } from './reader';

/** Builds the power-state reader over an {@link AzureReader} (its `getVmHealth` reads the instance view). */
export function createVmPowerStateReader(reader: Pick<AzureReader, 'getVmHealth'>): VmPowerStateReader {
  return async (vmId) => (await reader.getVmHealth(vmId)).powerState;
}
