/**
 * Evidence for a ticket when every check passed and the probe still fails (`unknown`): Network
 * Watcher's IP flow verify from 168.63.129.16 to the probe port (Azure's own NSG verdict, including
 * rules probe-doctor cannot see, such as Virtual Network Manager admin rules), and a connectivity
 * check from a healthy peer VM to the backend. Each is best effort: a region without a Network Watcher
 * or a VM without the Network Watcher agent is recorded as such, never a failed run.
 */
import type { AzureReader } from '../azure/reader';
import { ensureError } from '../errors';
import { idKey } from '../model/ids';
import type { NetworkWatcherEvidence } from '../model/report';
import type { Topology } from '../model/topology';
import type { Diagnosis } from '../model/diagnosis';
import { AZURE_LOAD_BALANCER_IP, PROBE_SOURCE_PORT } from '../diagnose/nsg/index';
import { probesOf } from '../remediate/recommend';

export type { NetworkWatcherEvidence } from '../model/report';

/**
 * Backends that stay down with nothing found, or only `unknown`: what Network Watcher can add to. A
 * backend without causes of its own under a load-balancer cause (a probe that cannot work) is
 * explained by that cause.
 */
function unexplained(diagnosis: Diagnosis, stillDown: readonly string[]): Diagnosis['backends'] {
  const down = new Set(stillDown.map(idKey));
  const lbExplains = diagnosis.causes.length > 0;
  return diagnosis.backends.filter(
    (b) =>
      down.has(idKey(b.key)) &&
      (b.causes.length > 0 ? b.causes.every((c) => c.id === 'unknown') : !lbExplains),
  );
}

export async function gatherNetworkWatcherEvidence(
  reader: Pick<AzureReader, 'ipFlowVerify' | 'connectivityCheck'>,
  topology: Topology,
  diagnosis: Diagnosis,
  stillDown: readonly string[],
  findPeerVm?: () => Promise<string | undefined>,
): Promise<NetworkWatcherEvidence[]> {
  const location = topology.loadBalancer.location;
  if (!location) return [];
  const targets = unexplained(diagnosis, stillDown);
  // A healthy backend discovery read in depth; observe mode reads none (no validation), so one is
  // looked for now, only when there is something to check from it.
  const known = diagnosis.backends.find((b) => b.probeState === 'up' && b.vmId)?.vmId;
  const peerVmId =
    known ?? (targets.length > 0 && findPeerVm ? await findPeerVm().catch(() => undefined) : undefined);
  const peer = peerVmId ? { vmId: peerVmId } : undefined;
  return Promise.all(
    targets.map(async (diagnosed): Promise<NetworkWatcherEvidence> => {
      const backend = topology.backends.find((b) => idKey(b.key) === idKey(diagnosed.key));
      const probe = backend ? probesOf(topology, backend)[0] : undefined;
      const evidence: NetworkWatcherEvidence = { backendKey: diagnosed.key };
      if (!backend?.vmId || !backend.ipAddress || !probe) return evidence;
      try {
        evidence.ipFlowVerify = await reader.ipFlowVerify({
          targetResourceId: backend.vmId,
          ...(backend.nicId ? { targetNicResourceId: backend.nicId } : {}),
          location,
          direction: 'Inbound',
          protocol: 'TCP',
          localIpAddress: backend.ipAddress,
          localPort: probe.port,
          remoteIpAddress: AZURE_LOAD_BALANCER_IP,
          remotePort: PROBE_SOURCE_PORT,
        });
      } catch (err) {
        evidence.ipFlowVerify = { error: ensureError(err).message };
      }
      if (peer?.vmId) {
        try {
          const result = await reader.connectivityCheck({
            sourceResourceId: peer.vmId,
            location,
            destination: { address: backend.ipAddress, port: probe.port },
            protocol: 'Tcp',
          });
          evidence.connectivityCheck = {
            fromVmId: peer.vmId,
            connectionStatus: result.connectionStatus,
            ...(result.avgLatencyInMs !== undefined ? { avgLatencyInMs: result.avgLatencyInMs } : {}),
            issues: result.hops.flatMap((h) =>
              h.issues.map(
                (i) =>
                  `${h.address ?? h.type ?? 'hop'}: ${i.type ?? 'issue'} (${i.severity ?? 'unknown severity'})`,
              ),
            ),
          };
        } catch (err) {
          evidence.connectivityCheck = { error: ensureError(err).message };
        }
      }
      return evidence;
    }),
  );
}

/** Lines for the ticket's description. */
export function describeNetworkWatcherEvidence(evidence: readonly NetworkWatcherEvidence[]): string[] {
  if (evidence.length === 0) return [];
  const lines = ['', 'Network Watcher:'];
  for (const e of evidence) {
    const flow = e.ipFlowVerify;
    if (flow) {
      lines.push(
        'error' in flow
          ? `- ${e.backendKey}: IP flow verify from ${AZURE_LOAD_BALANCER_IP} could not run (${flow.error})`
          : `- ${e.backendKey}: IP flow verify from ${AZURE_LOAD_BALANCER_IP}: ${flow.access}${flow.ruleName ? ` by ${flow.ruleName}` : ''}`,
      );
    }
    const conn = e.connectivityCheck;
    if (conn) {
      lines.push(
        'error' in conn
          ? `  connectivity check from a peer could not run (${conn.error})`
          : `  connectivity check from ${conn.fromVmId}: ${conn.connectionStatus}${conn.avgLatencyInMs !== undefined ? `, ${conn.avgLatencyInMs} ms` : ''}${conn.issues.length > 0 ? `; issues: ${conn.issues.join('; ')}` : ''}`,
      );
    }
  }
  return lines;
}
