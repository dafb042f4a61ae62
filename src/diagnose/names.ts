/**
 * Names for summaries. A summary names the resource a person will open in the portal, so it uses the
 * topology's names and falls back to the last segment of the id.
 */
import { idKey } from '../model/ids';
import type { BackendInfo, Topology } from '../model/topology';

/** The last segment of an ARM id (`/.../networkSecurityGroups/nsg-web` -> `nsg-web`). */
export function nameFromId(resourceId: string): string {
  const segments = resourceId.replace(/\/+$/, '').split('/');
  return segments[segments.length - 1] ?? resourceId;
}

/**
 * How a summary names one backend: `vm-web-1 (nic-web-1, 10.0.0.4)`, or for an IP-based member
 * `10.0.1.7 (pool-web)`.
 */
export function describeBackend(topology: Topology, backend: BackendInfo): string {
  const vm = backend.vmId ? topology.vms[idKey(backend.vmId)] : undefined;
  const vmName = vm?.name ?? (backend.vmId ? nameFromId(backend.vmId) : undefined);
  const nicName = backend.nicId
    ? (topology.nics[idKey(backend.nicId)]?.name ?? nameFromId(backend.nicId))
    : undefined;
  const where = [nicName, backend.ipAddress].filter((part): part is string => part !== undefined);
  if (vmName) return where.length > 0 ? `${vmName} (${where.join(', ')})` : vmName;
  const label = backend.ipAddress ?? nameFromId(backend.key);
  const pool = backend.poolIds[0];
  return pool ? `${label} (${nameFromId(pool)})` : label;
}

/** The VM's name for a summary, when the backend is a VM. */
export function vmName(topology: Topology, vmId: string): string {
  return topology.vms[idKey(vmId)]?.name ?? nameFromId(vmId);
}
