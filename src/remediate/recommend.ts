/**
 * Recommendations: causes probe-doctor never changes itself (a listener on the wrong port or address, a
 * probe path that fails, a reply that leaves by the wrong interface, a probe that cannot work), each
 * with the exact change a person should make.
 */
import type { ListeningAlternative } from '../diagnose/listening';
import type { Cause } from '../model/report';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';

/** A recommendation before it becomes a fix entry: what to change and on which resource. */
export interface Recommendation {
  target: string;
  /** The exact change, in one sentence a person can act on. */
  change: string;
  causeId: Cause['id'];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function alternativesOf(evidence: Record<string, unknown> | undefined): ListeningAlternative[] {
  const list = evidence?.alternatives;
  return Array.isArray(list) ? (list as ListeningAlternative[]) : [];
}

function notListening(cause: Cause, backend: BackendInfo, probe: ProbeInfo | undefined): string {
  const port = num(cause.evidence?.port) ?? probe?.port;
  const ip = str(cause.evidence?.nicIp) ?? backend.ipAddress ?? 'the NIC IP';
  const listen = `make the application listen on 0.0.0.0:${port ?? '?'} (or ${ip}:${port ?? '?'})`;
  const alternative = alternativesOf(cause.evidence).find((a) => !a.management);
  if (alternative && probe) {
    return `${listen}, or change probe ${probe.name} port to ${alternative.port}, where ${alternative.process ?? 'a service'} listens at ${alternative.address}`;
  }
  return listen;
}

function endpointError(cause: Cause, probe: ProbeInfo | undefined): string {
  const url = str(cause.evidence?.url) ?? 'the probe URL';
  const status = num(cause.evidence?.status);
  const answer = status !== undefined ? `answers ${status}` : 'does not answer';
  const path = probe ? ` or change probe ${probe.name} requestPath to a path that answers 200` : '';
  return `${url} ${answer}: make the application answer 200 on it${path}`;
}

function routeDiverts(cause: Cause): string {
  const arrives = str(cause.evidence?.arrivesOn) ?? 'the interface the probe arrives on';
  const leaves = str(cause.evidence?.leavesBy) ?? 'another interface';
  return `in the guest, send replies to 168.63.129.16 out of ${arrives} (where the probe arrives), not ${leaves}: add a source-based route (policy routing) for the address of ${arrives}, or remove the guest route that sends 168.63.129.16 out of ${leaves}`;
}

/** The probe of the first load-balancing rule whose pool holds the backend. */
export function probesOf(topology: Topology, backend: BackendInfo): ProbeInfo[] {
  const pools = new Set(backend.poolIds.map((id) => id.toLowerCase()));
  const probeIds = new Set(
    topology.rules
      .filter((r) => r.probeId !== undefined && r.backendPoolIds.some((p) => pools.has(p.toLowerCase())))
      .map((r) => (r.probeId as string).toLowerCase()),
  );
  return topology.probes.filter((p) => probeIds.has(p.id.toLowerCase()));
}

/** The recommendation for one backend cause, or undefined when the cause has none. */
export function recommendForBackend(
  topology: Topology,
  backend: BackendInfo,
  cause: Cause,
): Recommendation | undefined {
  const probe = probesOf(topology, backend)[0];
  const target = backend.vmId ?? backend.nicId ?? backend.key;
  switch (cause.id) {
    case 'not-listening':
      return { target, causeId: cause.id, change: notListening(cause, backend, probe) };
    case 'probe-endpoint-error':
      return { target, causeId: cause.id, change: endpointError(cause, probe) };
    case 'route-diverts-probe':
      return { target, causeId: cause.id, change: routeDiverts(cause) };
    default:
      return undefined;
  }
}

/** The recommendation for a load-balancer cause (a probe or rule that cannot work). */
export function recommendForLoadBalancer(topology: Topology, cause: Cause): Recommendation | undefined {
  if (cause.id === 'backend-pool-empty') {
    const target = str(cause.evidence?.poolId) ?? str(cause.evidence?.ruleId) ?? topology.loadBalancer.id;
    return {
      target,
      causeId: cause.id,
      change:
        'add the VMs (their NIC IP configurations) or IP addresses that should serve this rule to the backend pool, or remove the rule if nothing should',
    };
  }
  if (cause.id !== 'probe-misconfigured') return undefined;
  const target = str(cause.evidence?.probeId) ?? str(cause.evidence?.ruleId) ?? topology.loadBalancer.id;
  return { target, causeId: cause.id, change: `change the load balancer configuration: ${cause.summary}` };
}
