/**
 * The probe model: what Azure's health probe sees for each backend of each rule, derived from the
 * same facts the real probe depends on (probe-facts.md). A backend is Up only when the VM runs, the
 * VNet's security admin rules (Azure Virtual Network Manager, see adminRules.ts) and the subnet and
 * NIC NSGs allow 168.63.129.16 to the probe port, the guest firewall lets it in, the reply leaves by
 * the NIC it arrived on, something listens on the NIC's address, and (HTTP/HTTPS) the probe
 * path answers 200.
 *
 * Reason codes follow load-balancer-troubleshoot-health-probe-status.md (MicrosoftDocs/azure-docs):
 * - TCP probes: every failure is `Down_Probe_TcpProbeTimeout`. The docs define no other TCP code; a
 *   RST (firewall reject, nothing listening) fails the probe like silence does (custom-probe overview:
 *   "no answer or a RST fails").
 * - HTTP/HTTPS: a non-200 answer is `Down_Probe_HttpStatusCodeError`; a listener with no endpoint for
 *   the path answers 404, so the same. The answer is the one for the probe's request (truth/httpProbe.ts:
 *   the NIC address as Host, no SNI, TLS 1.2): a site bound only to host names answers its default. A
 *   refused TLS handshake (or a chain below SHA256) is `Down_Probe_HttpEndpointUnreachable`: the TCP
 *   handshake completed and the HTTP(S) session was rejected, the code's documented meaning; no code of
 *   its own is documented for TLS. A connection that cannot be made or is refused is
 *   `Down_Probe_HttpEndpointUnreachable`, whose documented causes are exactly "an NSG rule blocking the
 *   port or no healthy application listening". `Down_Probe_HttpNoResponse` (the app accepts and never
 *   answers) cannot be expressed by a scenario and is not produced.
 * - Stopped or deallocated VMs are not probed: the health API "returns empty values" for them, so the
 *   status is `probed: false` and ruleHealth leaves `state` and `reason` out.
 * - `hiddenProbeFailure` fails an otherwise healthy backend with the probe's timeout code.
 * UDRs do not divert the probe: 168.63.129.16 is not subject to user-defined routes. Their address
 * prefixes do widen the `VirtualNetwork` tag (tags.ts), which the NSG evaluation sees.
 */
import { guestSchema, type GuestState } from '../scenario';
import type { SandboxState } from '../state';
import { changedSince, findResource, scopeKey } from '../state';
import { answerHttp, probeRequest } from '../truth/httpProbe';
import { probeVerdict } from '../truth/probe';
import { HOST_VIRTUAL_IP } from '../truth/serviceTags';
import { endpointOf, props, refId, str, type Endpoint, type Raw } from './arm';
import { denialDetail, filtersAt } from './dataPlane';
import { guestAccepts } from './guest';
import { lbRules, poolMembers, requireLoadBalancer, rulePoolIds, type PoolMember } from './lb';

/** Where the probe was stopped. */
export type ProbeStage =
  'address' | 'vm' | 'admin' | 'nsg' | 'firewall' | 'route' | 'listener' | 'http' | 'hidden';

/** The probe's result for one backend of one rule. */
export interface ProbeStatus {
  ruleId: string;
  ruleName: string;
  probeId: string;
  ipConfigurationId?: string;
  ipAddress?: string;
  vmId?: string;
  state: 'Up' | 'Down';
  reason: string;
  /** False for stopped or deallocated VMs: Azure does not probe them. */
  probed: boolean;
  /** Where the probe was stopped (absent when Up). */
  stage?: ProbeStage;
  /** Why, in words: for the sandbox's logs and tests, never sent to the client. */
  detail: string;
}

/** The probe's facts, read from a raw probe. */
interface ProbeFacts {
  protocol: 'tcp' | 'http' | 'https';
  port: number;
  path: string;
}

function probeFacts(raw: Raw): ProbeFacts {
  const p = props(raw);
  const protocol = (str(p.protocol) ?? 'Tcp').toLowerCase();
  const requestPath = str(p.requestPath) ?? '/';
  return {
    protocol: protocol === 'http' || protocol === 'https' ? protocol : 'tcp',
    port: Number(p.port),
    // ARM keeps a path as given ("healthcheck.aspx" in Microsoft's own example); the probe requests it from the root.
    path: requestPath.startsWith('/') ? requestPath : `/${requestPath}`,
  };
}

/** A VM the scenario says nothing about: running, nothing listening. */
const BLANK_GUEST: GuestState = guestSchema.parse({ os: 'linux' });

type Failure = { stage: ProbeStage; detail: string; kind: 'drop' | 'reset' | 'status' | 'handshake' };

function failureReason(probe: ProbeFacts, kind: Failure['kind']): string {
  if (probe.protocol === 'tcp') return 'Down_Probe_TcpProbeTimeout';
  return kind === 'status' ? 'Down_Probe_HttpStatusCodeError' : 'Down_Probe_HttpEndpointUnreachable';
}

/** Follows the probe to one endpoint; returns the failure, or undefined when it succeeds. */
function probeEndpoint(
  state: SandboxState,
  endpoint: Endpoint,
  guest: GuestState,
  probe: ProbeFacts,
): Failure | undefined {
  if (guest.powerState !== 'running')
    return { stage: 'vm', kind: 'drop', detail: `the VM is ${guest.powerState}` };
  const f = filtersAt(state, endpoint, 'Inbound');
  const inbound = probeVerdict(
    endpoint.ipAddress ?? '0.0.0.0',
    probe.port,
    endpoint.asgIds,
    f.admin,
    f.crossings,
    f.scope,
  );
  if (!inbound.allowed) {
    const from = `the probe from source port ${inbound.packet.sourcePort}`;
    return {
      stage: inbound.blockedBy ? 'nsg' : 'admin',
      kind: 'drop',
      detail: denialDetail(inbound, from) ?? 'denied',
    };
  }
  const inGuest = guestAccepts(guest, endpoint.nicIndex, endpoint.ipAddress, HOST_VIRTUAL_IP, probe.port);
  if (inGuest.outcome !== 'accept')
    return { stage: inGuest.stage, kind: inGuest.outcome, detail: inGuest.detail };
  if (probe.protocol !== 'tcp') {
    // The probe's own request: the NIC address as Host, no SNI, TLS 1.2 (truth/httpProbe.ts).
    const outcome = answerHttp(
      guest.http,
      probeRequest(endpoint.ipAddress ?? '0.0.0.0', probe.port, probe.path, probe.protocol === 'https'),
    );
    if (outcome.kind === 'tls-refused')
      return {
        stage: 'http',
        kind: 'handshake',
        detail: `the HTTPS probe's TLS handshake on port ${probe.port} fails: ${outcome.detail}`,
      };
    // A listener that speaks no HTTP on the port: the probe gets no 200 (a 404-like status error).
    const status = outcome.kind === 'answer' ? outcome.status : 404;
    if (status !== 200)
      return {
        stage: 'http',
        kind: 'status',
        detail: `GET ${probe.path} on port ${probe.port} with Host ${endpoint.ipAddress ?? '?'} answers ${status}`,
      };
  }
  if (guest.hiddenProbeFailure)
    return {
      stage: 'hidden',
      kind: 'drop',
      detail: 'the scenario fails this probe for a reason no check can see',
    };
  return undefined;
}

function statusOf(
  state: SandboxState,
  base: Pick<ProbeStatus, 'ruleId' | 'ruleName' | 'probeId'>,
  member: PoolMember,
  probe: ProbeFacts,
): ProbeStatus {
  const status: ProbeStatus = {
    ...base,
    state: 'Up',
    reason: 'Up_Probe_Success',
    probed: true,
    detail: 'the probe succeeds',
  };
  if (member.ipConfigurationId) status.ipConfigurationId = member.ipConfigurationId;
  if (member.ipAddress) status.ipAddress = member.ipAddress;
  const endpoint = member.endpoint;
  if (endpoint?.vmId) status.vmId = endpoint.vmId;
  let failure: Failure | undefined;
  if (!endpoint) {
    failure = {
      stage: 'address',
      kind: 'drop',
      detail: `no NIC in the scenario holds ${member.ipAddress ?? member.ipConfigurationId ?? 'this member'}`,
    };
  } else {
    const guest = endpoint.guest ?? BLANK_GUEST;
    if (guest.powerState === 'stopped' || guest.powerState === 'deallocated') {
      return {
        ...status,
        state: 'Down',
        reason: 'NA',
        probed: false,
        stage: 'vm',
        detail: `the VM is ${guest.powerState}; Azure does not probe it`,
      };
    }
    failure = probeEndpoint(state, endpoint, guest, probe);
  }
  if (!failure) return status;
  return {
    ...status,
    state: 'Down',
    reason: failureReason(probe, failure.kind),
    stage: failure.stage,
    detail: failure.detail,
  };
}

/**
 * What one backend's status was derived from, as change scopes (state.ts `scopeKey`): its VM's guest
 * and the NSGs on its subnet and NIC. Everything else it reads (the rule and probe, pool membership,
 * the NIC, subnet, VNet, routes, admin rules) changes only with changes that name no scope.
 */
function dependenciesOf(member: PoolMember): string[] {
  const endpoint = member.endpoint;
  if (!endpoint) return [];
  const keys: string[] = [];
  if (endpoint.vmId) keys.push(scopeKey({ guestOf: endpoint.vmId }));
  for (const holder of [endpoint.subnet, endpoint.nic]) {
    const nsgId = refId(props(holder).networkSecurityGroup);
    if (nsgId) keys.push(scopeKey({ nsgId }));
  }
  return keys;
}

/** One rule's backends as last derived, and at which state version. */
interface DerivedRule {
  state: SandboxState;
  version: number;
  probe: Raw;
  members: PoolMember[];
  dependencies: string[][];
  statuses: readonly ProbeStatus[];
}

/**
 * The last derivation of each raw rule object. A scoped change (state.ts `recordChange`) re-derives
 * only the backends that depend on what it touched (a security rule PUT: the backends behind that
 * NSG, not the pool); any other change derives the rule afresh.
 */
const derivedRules = new WeakMap<Raw, DerivedRule>();

/** Every member of the rule's pools, once each (a member in two pools is probed once). */
function ruleMembers(state: SandboxState, rule: Raw): PoolMember[] {
  const seen = new Set<string>();
  const members: PoolMember[] = [];
  for (const poolId of rulePoolIds(rule)) {
    for (const member of poolMembers(state, poolId)) {
      const key = (member.ipConfigurationId ?? member.ipAddress ?? '').toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      members.push(member);
    }
  }
  return members;
}

/** The member as of now: its endpoint read again (the guest it points at may have been replaced). */
function refreshed(state: SandboxState, member: PoolMember): PoolMember {
  const endpoint = member.endpoint;
  return endpoint ? { ...member, endpoint: endpointOf(state, endpoint.nic, endpoint.ipConfig) } : member;
}

/**
 * The status of every backend of one raw rule; empty when the rule has no probe. The list and its
 * statuses are frozen and shared: while nothing a backend depends on changes, its status is the same
 * object, and while no backend of the rule changes, so is the list (readers may remember answers by it).
 */
export function ruleProbeStatuses(state: SandboxState, rule: Raw): readonly ProbeStatus[] {
  const probeId = refId(props(rule).probe);
  const probe = probeId ? findResource(state, probeId) : undefined;
  if (!probeId || !probe) return [];
  const facts = probeFacts(probe);
  const base = { ruleId: str(rule.id) ?? '', ruleName: str(rule.name) ?? '', probeId };
  const derive = (member: PoolMember): ProbeStatus => Object.freeze(statusOf(state, base, member, facts));
  const last = derivedRules.get(rule);
  const touched =
    last?.state === state && last.probe === probe ? changedSince(state, last.version) : undefined;
  if (last && touched) {
    let statuses: ProbeStatus[] | undefined;
    if (touched.size > 0) {
      last.members.forEach((member, i) => {
        if (!last.dependencies[i]?.some((key) => touched.has(key))) return;
        const now = refreshed(state, member);
        last.members[i] = now;
        statuses ??= [...last.statuses];
        statuses[i] = derive(now);
      });
    }
    if (statuses) last.statuses = Object.freeze(statuses);
    last.version = state.version;
    return last.statuses;
  }
  const members = ruleMembers(state, rule);
  const statuses = Object.freeze(members.map(derive));
  derivedRules.set(rule, {
    state,
    version: state.version,
    probe,
    members,
    dependencies: members.map(dependenciesOf),
    statuses,
  });
  return statuses;
}

/** Per backend of every load-balancing rule of the load balancer: Up or Down, with Azure's reason code. */
export function probeStatuses(state: SandboxState, lbId: string): ProbeStatus[] {
  return lbRules(requireLoadBalancer(state, lbId)).flatMap((rule) => ruleProbeStatuses(state, rule));
}
