/**
 * All the cause checks for one failing backend, combined in the order the probe meets them: the VM,
 * the NSGs, the guest firewall, the socket, the app, the reply path. When the backend is down and
 * every check passed, the cause is `unknown`, with the list of what was checked for the escalation.
 */
import type {
  EffectiveNsgAssociation,
  EffectiveRoute,
  GuestEvidence,
  VmHealthEvidence,
} from '../model/evidence';
import type { Cause, CauseId, Note } from '../model/report';
import type { Result } from '../model/result';
import type { BackendInfo, LoadBalancingRuleInfo, ProbeInfo, Topology } from '../model/topology';
import type { Findings } from './findings';
import { mergeFindings, noFindings } from './findings';
import { diagnoseGuest, GUEST_UNCHECKED_NOTE } from './guest';
import type { BackendProbeStatus } from './health';
import { describeBackend, vmName } from './names';
import { diagnoseNsg } from './nsgBlocks';
import { peerPathRoutes } from './routes';
import { diagnoseVm } from './vm';

export interface BackendDiagnosisInput {
  topology: Topology;
  backend: BackendInfo;
  probe: ProbeInfo;
  rule: LoadBalancingRuleInfo;
  status: BackendProbeStatus;
  vmHealth?: Result<VmHealthEvidence>;
  guest?: Result<GuestEvidence>;
  effectiveNsgs?: Result<EffectiveNsgAssociation[]>;
  effectiveRoutes?: Result<EffectiveRoute[]>;
  /** The peer VM a validation TCP test runs from, with its NIC's effective routes. */
  peer?: { backend: BackendInfo; effectiveRoutes?: Result<EffectiveRoute[]> };
}

/** The order causes are listed in: along the probe's path, then the catch-all. */
const CAUSE_ORDER: readonly CauseId[] = [
  'vm-not-running',
  'vm-unhealthy',
  'probe-misconfigured',
  'backend-pool-empty',
  'nsg-blocks-probe',
  'guest-firewall-blocks-probe',
  'not-listening',
  'probe-endpoint-error',
  'route-diverts-probe',
  'unknown',
];

/** Sorts causes along the probe's path and drops repeats (same id and summary). */
export function orderCauses(causes: Cause[]): Cause[] {
  const seen = new Set<string>();
  const unique = causes.filter((cause) => {
    const key = `${cause.id}\u0000${cause.summary}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique
    .map((cause, index) => ({ cause, index }))
    .sort((a, b) => CAUSE_ORDER.indexOf(a.cause.id) - CAUSE_ORDER.indexOf(b.cause.id) || a.index - b.index)
    .map(({ cause }) => cause);
}

function healthText(status: BackendProbeStatus): string {
  return status.reason ? `reason ${status.reason}` : `state ${status.state}, no reason code`;
}

function vmFindings(input: BackendDiagnosisInput, who: string): Findings {
  const { vmHealth, backend, topology } = input;
  if (!vmHealth) return noFindings();
  if (!vmHealth.ok) {
    return {
      causes: [],
      checked: [],
      notes: [
        {
          id: 'vm-health-unchecked',
          summary: `The power state and agent of ${who} could not be read (${vmHealth.error.message}).`,
          evidence: { message: vmHealth.error.message },
        },
      ],
    };
  }
  const name = backend.vmId ? vmName(topology, backend.vmId) : who;
  return {
    causes: diagnoseVm(vmHealth.value, name),
    notes: [],
    checked: ['VM power state, provisioning state, guest agent and Resource Health'],
  };
}

function routeFindings(input: BackendDiagnosisInput, who: string): Findings {
  const checked = input.effectiveRoutes?.ok
    ? ['effective routes (not blamed: user-defined routes do not apply to 168.63.129.16)']
    : [];
  const { peer, backend } = input;
  if (!peer || !backend.ipAddress || !peer.backend.ipAddress) return { causes: [], notes: [], checked };
  const note = peerPathRoutes({
    backendName: who,
    backendIp: backend.ipAddress,
    peerName: describeBackend(input.topology, peer.backend),
    peerIp: peer.backend.ipAddress,
    ...(input.effectiveRoutes?.ok ? { backendRoutes: input.effectiveRoutes.value } : {}),
    ...(peer.effectiveRoutes?.ok ? { peerRoutes: peer.effectiveRoutes.value } : {}),
  });
  return { causes: [], notes: note ? [note] : [], checked };
}

function unknownCause(input: BackendDiagnosisInput, who: string, findings: Findings): Cause {
  const { probe, rule, status } = input;
  const guestUnchecked = findings.notes.find((note) => note.id === GUEST_UNCHECKED_NOTE);
  const evidence: Record<string, unknown> = {
    ruleId: rule.id,
    probeId: probe.id,
    reason: status.reason ?? null,
    healthSource: status.source ?? null,
    pointsAt: status.pointsAt,
    checked: findings.checked,
    guestChecked: guestUnchecked === undefined && input.guest?.ok === true,
  };
  if (guestUnchecked || !evidence.guestChecked) {
    return {
      id: 'unknown',
      summary: `No cause found for ${who} failing probe ${probe.name} (${healthText(status)}), but its guest could not be checked: check the guest before escalating (a listener or a guest firewall would show there).`,
      evidence: { ...evidence, ...(guestUnchecked ? { guestError: guestUnchecked.evidence } : {}) },
    };
  }
  return {
    id: 'unknown',
    summary: `Every check passed for ${who} and probe ${probe.name} on port ${probe.port} still fails (${healthText(status)}): escalate with simultaneous traces.`,
    evidence,
  };
}

/**
 * Causes and notes for one backend on one rule. A backend whose status says `never-fix` (admin state)
 * gets a note and no cause; `escalate` (Down_Platform) gets `unknown` pointing at the platform;
 * `recheck` still runs the checks but never concludes `unknown`, since the state is about to change.
 */
export function diagnoseBackendFindings(input: BackendDiagnosisInput): Findings {
  const { topology, backend, probe, rule, status } = input;
  const who = describeBackend(topology, backend);
  if (status.action === 'never-fix') {
    return {
      causes: [],
      checked: [],
      notes: [
        {
          id: 'admin-state',
          summary: `${who} is ${status.state} for rule ${rule.name} because its admin state overrides the probe (${healthText(status)}); probe-doctor does not change it.`,
          evidence: { reason: status.reason ?? null },
        },
      ],
    };
  }
  if (status.action === 'escalate') {
    return {
      causes: [
        {
          id: 'unknown',
          summary: `Azure marks ${who} down for rule ${rule.name} on the platform side (${healthText(status)}): escalate to Microsoft, do not change the configuration.`,
          evidence: { ruleId: rule.id, reason: status.reason ?? null, platform: true },
        },
      ],
      notes: [],
      checked: [],
    };
  }
  if (status.state === 'up' && status.action === 'none') return noFindings();

  const vm = vmFindings(input, who);
  const vmDown = vm.causes.some((cause) => cause.id === 'vm-not-running');
  const nsg = diagnoseNsg({
    topology,
    backend,
    probe,
    ...(input.effectiveNsgs ? { effectiveNsgs: input.effectiveNsgs } : {}),
  });
  // A stopped VM cannot run a script; whatever the guest check says, the power state explains it.
  const guest =
    input.guest && !vmDown
      ? diagnoseGuest({ topology, backend, probe, rule, guest: input.guest })
      : noFindings();
  const routes = routeFindings(input, who);
  const findings = mergeFindings(vm, nsg, guest, routes);
  const notes: Note[] = [...findings.notes];
  if (status.action === 'recheck') {
    notes.unshift({
      id: 'recheck',
      summary: `${who} is about to change state for rule ${rule.name} (${healthText(status)}): re-read the health before acting.`,
      evidence: { reason: status.reason ?? null },
    });
  }
  let causes = orderCauses(findings.causes);
  if (causes.length === 0 && status.state === 'down' && status.action === 'diagnose') {
    causes = [unknownCause(input, who, findings)];
  }
  // TCP timestamps are on in most Linux images that pass their probes: a hint worth giving only when
  // nothing more definite explains the failure (an NSG deny, a stopped VM).
  const explained = causes.some((cause) => cause.id !== 'unknown');
  const relevant = explained ? notes.filter((note) => note.id !== 'tcp-timestamps') : notes;
  return { causes, notes: relevant, checked: findings.checked };
}

/** The causes for one failing backend (see {@link diagnoseBackendFindings} for notes too). */
export function diagnoseBackend(input: BackendDiagnosisInput): Cause[] {
  return diagnoseBackendFindings(input).causes;
}
