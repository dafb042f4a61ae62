/** How a backend is named for a person, everywhere the report names one (tables, next steps, links). */
import type { BackendReport } from './report';

/** The last segment of a resource id; `-` when there is none. */
export const lastName = (id: string | undefined): string =>
  id ? (id.split('/').filter(Boolean).pop() ?? id) : '-';

/** The NIC's name from a NIC IP configuration id (`.../networkInterfaces/{nic}/ipConfigurations/{name}`). */
export function nicOf(ipConfigurationId: string | undefined): string | undefined {
  return /\/networkInterfaces\/([^/]+)/i.exec(ipConfigurationId ?? '')?.[1];
}

/**
 * A backend's name as a person knows it. A scale-set instance is `vmss-name/instance`
 * (`.../virtualMachineScaleSets/{vmss}/virtualMachines/{instance}`: the instance id alone, `0`, names
 * nothing); a VM is its name; a member without a VM its address.
 */
export function backendLabel(b: Pick<BackendReport, 'vmId' | 'ipConfigurationId' | 'ipAddress'>): string {
  const id = b.vmId ?? b.ipConfigurationId ?? '';
  const vmss = /\/virtualMachineScaleSets\/([^/]+)\/virtualMachines\/([^/]+)/i.exec(id);
  if (vmss) return `${vmss[1]}/${vmss[2]}`;
  if (b.vmId) return lastName(b.vmId);
  return b.ipAddress ?? lastName(b.ipConfigurationId);
}
