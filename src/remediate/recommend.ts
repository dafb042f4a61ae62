/**
 * Recommendations: causes probe-doctor never changes itself (a listener on the wrong port or address, a
 * probe path that fails, a reply that leaves by the wrong interface, a probe that cannot work), each
 * with the exact change a person should make.
 */
import type { ListeningAlternative } from '../diagnose/listening';
import { describeOwner, isKubernetesOwner, ownerOf } from '../diagnose/ownership';
import type { Cause, Note } from '../model/report';
import type { BackendInfo, LoadBalancingRuleInfo, ProbeInfo, Topology } from '../model/topology';

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

const BASIS_WORDS: Record<NonNullable<ListeningAlternative['basis']>, string> = {
  'rule-backend-port': "the rule's own backend port",
  'same-process': 'the same process that holds the probe port',
  'kube-proxy-node-port': 'in the Kubernetes node port range, on a load balancer the cloud provider owns',
};

/**
 * The one alternative port probe-doctor stands behind, if any: one with evidence that it serves the
 * load-balanced service; a management or infrastructure port only when it is the rule's backend port;
 * a kube-proxy node port only when the Kubernetes cloud provider owns the load balancer.
 */
export function groundedAlternative(
  topology: Topology,
  alternatives: readonly ListeningAlternative[],
): ListeningAlternative | undefined {
  const kubernetes = isKubernetesOwner(ownerOf(topology, topology.loadBalancer.id));
  return alternatives.find(
    (a) =>
      a.basis !== undefined &&
      (!a.management || a.basis === 'rule-backend-port') &&
      (a.basis !== 'kube-proxy-node-port' || kubernetes),
  );
}

/** Where Microsoft documents the cluster IP resource's probe port behind a load balancer. */
const CLUSTER_PROBE_DOC =
  'learn.microsoft.com/azure/azure-sql/virtual-machines/windows/availability-group-load-balancer-portal-configure';

/**
 * The floating-IP rule a TCP probe on another port than the rule's backend port watches, when the load
 * balancer is not the Kubernetes cloud provider's (which sets floating IP on every rule): the shape of a
 * listener that moves between nodes (an Always On availability group listener, a failover cluster
 * instance), whose cluster IP resource opens the probe port only on the node that owns the role
 * (docs/probe-facts.md, "Down by design"). On such a rule the probe must stay where it is: moved to
 * the backend port, it would find every node up and send the listener's traffic to nodes that do not
 * own it.
 */
export function movingListenerRule(
  topology: Topology,
  probe: ProbeInfo,
): Topology['rules'][number] | undefined {
  if (probe.protocol !== 'Tcp') return undefined;
  if (isKubernetesOwner(ownerOf(topology, topology.loadBalancer.id))) return undefined;
  return topology.rules.find(
    (r) =>
      r.enableFloatingIP &&
      r.probeId !== undefined &&
      r.probeId.toLowerCase() === probe.id.toLowerCase() &&
      r.backendPort !== probe.port,
  );
}

/** The step for a moving listener's probe port that no node answers: the cluster, never the probe. */
function clusterProbePortStep(rule: Topology['rules'][number], probe: ProbeInfo): string {
  return `rule ${rule.name} uses floating IP with probe ${probe.name} on port ${probe.port}, not its backend port ${rule.backendPort}: the shape of a listener that moves between nodes (a SQL Server Always On availability group listener or a failover cluster instance), whose cluster IP address resource opens port ${probe.port} only on the node that owns the role. Keep the probe on ${probe.port}: moved to ${rule.backendPort}, it would mark every node up and send the listener's traffic to nodes that do not own it. On the cluster, check that the role is online on one node and that its IP address resource's ProbePort is ${probe.port}: Get-ClusterResource | Where-Object {$_.ResourceType.Name -like "IP Address"} | Get-ClusterParameter ProbePort; where it differs, Get-ClusterResource "<IP address resource name>" | Set-ClusterParameter ProbePort ${probe.port} (${CLUSTER_PROBE_DOC}). If this pool is not such a cluster role, start the service on port ${probe.port}`;
}

function notListening(
  topology: Topology,
  cause: Cause,
  backend: BackendInfo,
  probe: ProbeInfo | undefined,
): string {
  const port = num(cause.evidence?.port) ?? probe?.port;
  const ip = str(cause.evidence?.nicIp) ?? backend.ipAddress ?? 'the NIC IP';
  const listen = `make the application listen on 0.0.0.0:${port ?? '?'} (or ${ip}:${port ?? '?'})`;
  const moving = probe ? movingListenerRule(topology, probe) : undefined;
  if (moving && probe) return clusterProbePortStep(moving, probe);
  const alternative = groundedAlternative(topology, alternativesOf(cause.evidence));
  if (alternative?.basis && probe) {
    const who = alternative.process ?? 'a service';
    return `${listen}, or ${probeChange(topology, probe, 'port')} to ${alternative.port}, where ${who} listens at ${alternative.address} (${BASIS_WORDS[alternative.basis]})`;
  }
  return listen;
}

/**
 * Where a probe change belongs: on the probe itself, or, for a load balancer the Kubernetes cloud
 * provider owns, in the Service's annotations (a direct edit is undone at the next reconcile).
 */
function probeChange(topology: Topology, probe: ProbeInfo, what: 'requestPath' | 'port'): string {
  const owner = ownerOf(topology, topology.loadBalancer.id);
  if (!isKubernetesOwner(owner)) return `change probe ${probe.name} ${what}`;
  const rule = topology.rules.find(
    (r) => r.probeId !== undefined && r.probeId.toLowerCase() === probe.id.toLowerCase(),
  );
  const servicePort = rule?.frontendPort ?? '{port}';
  const annotation =
    what === 'requestPath'
      ? `service.beta.kubernetes.io/port_${servicePort}_health-probe_request-path (or service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path)`
      : `service.beta.kubernetes.io/port_${servicePort}_health-probe_port`;
  return `set the Service annotation ${annotation} (load balancer ${topology.loadBalancer.name} is owned by ${describeOwner(owner as NonNullable<typeof owner>)}, which would undo a direct edit of probe ${probe.name})`;
}

interface ContrastSeen {
  host?: string;
  tlsVersion?: string;
  status?: number;
  error?: string;
}

function contrastsOf(evidence: Record<string, unknown> | undefined): ContrastSeen[] {
  const list = evidence?.contrasts;
  return Array.isArray(list) ? (list as ContrastSeen[]) : [];
}

/**
 * The next step for one HTTP(S) outcome, each resting on what the local GET saw (the status for the
 * Host the probe sends, the TLS detail, and the contrasting GETs with a bound host name or TLS 1.3):
 * what the probe sends and does not (docs/probe-facts.md, "What HTTP(S) probes send"). Another path is
 * offered only where the path itself is what is wrong (a redirect, a 404 that is not a host binding),
 * and only on the same port, which the same listener serves. Never another port; never for 401/403 (a
 * filter in front of the application applies to every path), a host binding or a TLS failure, which
 * every path of the listener shares.
 */
function endpointError(topology: Topology, cause: Cause, probe: ProbeInfo | undefined): string {
  const url = str(cause.evidence?.url) ?? 'the probe URL';
  const path = str(cause.evidence?.requestPath) ?? probe?.requestPath ?? '/';
  const status = num(cause.evidence?.status);
  const error = str(cause.evidence?.error);
  const host = str(cause.evidence?.host) ?? backendHost(url);
  const https = url.startsWith('https:');
  const tls = cause.evidence?.tls as
    { failure?: unknown; alert?: unknown; chainSignatures?: unknown } | undefined;
  const failure = str(tls?.failure);
  const alert = str(tls?.alert);
  const contrasts = contrastsOf(cause.evidence);
  const bound = contrasts.filter((c) => c.host !== undefined && c.status === 200).map((c) => c.host!);
  const otherPath = probe
    ? `, or ${probeChange(topology, probe, 'requestPath')} to a path on the same listener that answers 200`
    : '';
  const seen =
    status !== undefined
      ? `${url} answers ${status} for Host ${host} (what the probe sends)`
      : `${url} gives no HTTP answer${error ? ` (${error})` : ''}`;
  if (https && failure === 'protocol-version') {
    const tls13 = contrasts.find((c) => c.tlsVersion === '1.3');
    const contrast =
      tls13?.status !== undefined ? `, while the same GET with TLS 1.3 answers ${tls13.status}` : '';
    return `${seen}: the listener refuses TLS 1.2 (${alert ?? 'protocol version'})${contrast}. Azure's HTTPS probes negotiate TLS 1.2 (docs/probe-facts.md): allow TLS 1.2 on the listener (at least for the probe's port), or use an HTTP probe on a port that serves the same application`;
  }
  if (https && failure === 'sni-required') {
    const withSni = bound.length > 0 ? `, while with SNI ${bound.join(' or ')} it answers 200` : '';
    return `${seen}: the listener refuses a TLS handshake without a server name (${alert ?? 'SNI required'})${withSni}. HTTPS probes send no SNI and the target cannot be set: give the listener a default certificate for handshakes without SNI (e.g. nginx: a default_server with a certificate instead of ssl_reject_handshake; IIS: a binding without "Require Server Name Indication"), and answer ${path} with 200 for Host ${host}`;
  }
  if (https && failure === 'client-certificate') {
    return `${seen}: the listener asks for a client certificate and ends the handshake without one (${alert ?? 'handshake failure'}). HTTPS probes do not support mutual TLS: make the client certificate optional on the probe's port, or serve the probe from a listener that does not require one`;
  }
  if (https && failure === 'certificate-hash') {
    const sigs = Array.isArray(tls?.chainSignatures)
      ? (tls.chainSignatures as unknown[]).join(', ')
      : 'SHA-1';
    return `${url} answers ${status ?? 200} locally, but the listener's certificate chain is signed with ${sigs}: HTTPS probes need a signature hash of SHA256 or stronger in the entire chain. Reissue the certificate (and any intermediate) with SHA256 or stronger`;
  }
  if (https && failure === 'handshake-failure') {
    return `${seen}: the TLS 1.2 handshake fails${alert ? ` (${alert})` : ''}. Azure's HTTPS probes negotiate TLS 1.2, send no SNI and no client certificate, and need a chain signed with SHA256 or stronger: check the listener's TLS configuration against each of these`;
  }
  // Another Host (or SNI) answering 200 where the probe's request does not is a host binding whatever
  // the probe's status (401/403 from a site that only knows its name, a redirect to it, a 404 or 5xx
  // from the default site): the evidence shows the listener serves the path, just not for the IP.
  if (status !== undefined && status !== 200 && bound.length > 0) {
    return `${seen}, but 200 for Host ${bound.join(' and ')}${https ? ' (with that SNI)' : ''}: the site is bound to host name${bound.length > 1 ? 's' : ''} only. HTTP(S) probes send the backend's IP address as Host${https ? ' and no SNI' : ''}, and the Host cannot be set on the probe: make ${path} answer 200 for any Host (a default site or catch-all server, or a binding for ${host} or the IP)`;
  }
  if (status === 401 || status === 403) {
    return `${seen}: the application rejects the probe's request itself (authentication, or a header or client-IP filter on ${path}); the probe sends no credentials and no custom headers, from 168.63.129.16: exempt ${path}, or requests from 168.63.129.16, from that check`;
  }
  if (status === 404) {
    return `${seen}: nothing answers ${path} for Host ${host}. HTTP(S) probes send the backend's IP address as Host${https ? ' and no SNI' : ''}, so if the site is bound to a host name only, the probe does not reach it: make ${path} answer 200 for any Host (a default site or an IP binding), or serve ${path} where it is missing${otherPath}`;
  }
  if (status !== undefined && status >= 300 && status < 400) {
    return `${seen}: probes do not follow redirects (only 200 counts as up), so the redirect marks it down: answer 200 on ${path} itself (exempt it from the redirect, e.g. HTTP to HTTPS or to a login page)${otherPath}`;
  }
  const kubeProxy = cause.evidence?.kubeProxy as
    { namespace?: unknown; name?: unknown; localEndpoints?: unknown } | undefined;
  if (status === 503 && kubeProxy?.localEndpoints === 0) {
    // Only when no node of the rule serves: a node without a pod beside one with it is down by design
    // (src/diagnose/expectedDown.ts) and gets no step.
    const ns = String(kubeProxy.namespace);
    const name = String(kubeProxy.name);
    return `${seen}: kube-proxy's health check for Service ${ns}/${name} (externalTrafficPolicy: Local) counts no ready pod of it on this node, and no node of the pool has one: the Service has no ready endpoints; check kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${name} and why its pods are not ready. The probe is doing its job; do not change it`;
  }
  if (status !== undefined && status >= 500) {
    return `${seen}: the application reports itself unhealthy on ${path} (or fails answering it): fix what ${path} checks in the application; the probe is doing its job`;
  }
  if (status === undefined && error && /ssl|tls|handshake|certificate/i.test(error)) {
    return `${seen}: the TLS handshake fails; Azure's HTTPS probes negotiate TLS 1.2, send no SNI, need a certificate chain signed with SHA256 or stronger and do not present a client certificate (no mutual TLS): fix the listener's TLS configuration`;
  }
  return `${seen}: make the application answer 200 on ${path}${otherPath}`;
}

/** The host part of a URL (`https://10.0.1.4:443/x` -> `10.0.1.4`). */
function backendHost(url: string): string {
  return /^[a-z]+:\/\/([^:/]+)/i.exec(url)?.[1] ?? 'the backend IP';
}

function routeDiverts(cause: Cause): string {
  const arrives = str(cause.evidence?.arrivesOn) ?? 'the interface the probe arrives on';
  const leaves = str(cause.evidence?.leavesBy) ?? 'another interface';
  return `in the guest, send replies to 168.63.129.16 out of ${arrives} (where the probe arrives), not ${leaves}: add a source-based route (policy routing) for the address of ${arrives}, or remove the guest route that sends 168.63.129.16 out of ${leaves}`;
}

/** The load-balancing rules with a probe whose pools hold the backend: what sends it traffic. */
export function probedRulesOf(topology: Topology, backend: BackendInfo): LoadBalancingRuleInfo[] {
  const pools = new Set(backend.poolIds.map((id) => id.toLowerCase()));
  return topology.rules.filter(
    (r) => r.probeId !== undefined && r.backendPoolIds.some((p) => pools.has(p.toLowerCase())),
  );
}

/** The probes of the load-balancing rules whose pools hold the backend. */
export function probesOf(topology: Topology, backend: BackendInfo): ProbeInfo[] {
  const probeIds = new Set(probedRulesOf(topology, backend).map((r) => (r.probeId as string).toLowerCase()));
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
      return { target, causeId: cause.id, change: notListening(topology, cause, backend, probe) };
    case 'probe-endpoint-error': {
      // The cause names the probe it was seen on: a backend behind two probes has one of each.
      const own = topology.probes.find(
        (p) => p.id.toLowerCase() === str(cause.evidence?.probeId)?.toLowerCase(),
      );
      return { target, causeId: cause.id, change: endpointError(topology, cause, own ?? probe) };
    }
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

/**
 * The one recommendation for a probe port no backend serves (note `probe-port-served-nowhere`): the
 * probe's configuration is wrong. For a load balancer the Kubernetes cloud provider owns, the probe is
 * the cloud provider's to write: the change is to make it reconcile the Service, never to edit the probe.
 */
export function recommendForProbeServedNowhere(topology: Topology, note: Note): Recommendation | undefined {
  const probeId = str(note.evidence?.probeId);
  const probe = topology.probes.find((p) => p.id.toLowerCase() === probeId?.toLowerCase());
  if (!probe) return undefined;
  const common = (
    Array.isArray(note.evidence?.commonAlternatives) ? note.evidence.commonAlternatives : []
  ) as ListeningAlternative[];
  const grounded = groundedAlternative(topology, common);
  const owner = ownerOf(topology, topology.loadBalancer.id);
  if (isKubernetesOwner(owner)) {
    const served = grounded
      ? `; port ${grounded.port} listens on every backend (${BASIS_WORDS[grounded.basis!]}), the Service's likely current node port`
      : '';
    return {
      target: probe.id,
      causeId: 'not-listening',
      change: `probe ${probe.name} targets port ${probe.port}, which no backend serves${served}: the probe no longer matches the Service. Load balancer ${topology.loadBalancer.name} is owned by ${describeOwner(owner!)}, which rewrites its probes: do not edit the probe; compare the Service's spec.ports[].nodePort (and spec.healthCheckNodePort) with ${probe.port} and make the cloud provider reconcile the Service (re-apply it; upgrade the cloud provider if it keeps writing a stale port)`,
    };
  }
  const moving = movingListenerRule(topology, probe);
  if (moving) {
    return {
      target: probe.id,
      causeId: 'not-listening',
      change: `probe ${probe.name} targets port ${probe.port}, which no backend answers; ${clusterProbePortStep(moving, probe)}`,
    };
  }
  const served = grounded
    ? `; port ${grounded.port} listens on every backend (${BASIS_WORDS[grounded.basis!]})`
    : '';
  return {
    target: probe.id,
    causeId: 'not-listening',
    change: grounded
      ? `probe ${probe.name} targets port ${probe.port}, which no backend serves${served}: change the probe's port to ${grounded.port}, or start the service on ${probe.port}`
      : `probe ${probe.name} targets port ${probe.port}, which no backend serves: change the probe's port to the port the load-balanced service listens on, or start the service on ${probe.port}`,
  };
}
