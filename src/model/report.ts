/**
 * The report shared by the CLI, the HTTP API and the orchestration output. Scripts and dashboards
 * read it: names here are a stable contract (DESIGN.md, "Contracts").
 */

export type CauseId =
  | 'vm-not-running'
  | 'vm-unhealthy'
  | 'not-listening'
  | 'probe-endpoint-error'
  | 'nsg-blocks-probe'
  | 'guest-firewall-blocks-probe'
  | 'route-diverts-probe'
  | 'probe-misconfigured'
  | 'backend-pool-empty'
  | 'unknown';

export const CAUSE_IDS: readonly CauseId[] = [
  'vm-not-running',
  'vm-unhealthy',
  'not-listening',
  'probe-endpoint-error',
  'nsg-blocks-probe',
  'guest-firewall-blocks-probe',
  'route-diverts-probe',
  'probe-misconfigured',
  'backend-pool-empty',
  'unknown',
];

export interface Cause {
  id: CauseId;
  summary: string;
  evidence?: Record<string, unknown>;
}

/**
 * An observation that is not a cause but that a person needs to read the causes right: floating IP,
 * a probe port that differs from the backend port, a guest that could not be checked.
 */
/**
 * The shapes of a backend down by design (src/diagnose/expectedDown.ts), carried in the `expected-down`
 * note's `evidence.shape` and in the audit trail's `downByDesign`: a node of an
 * `externalTrafficPolicy: Local` Service without a local endpoint, and a passive node of a listener
 * that only the active node holds (availability group listener, failover cluster instance).
 */
export const DOWN_BY_DESIGN_SHAPES = ['no-local-endpoint', 'listener-on-active-node-only'] as const;
export type DownByDesignShape = (typeof DOWN_BY_DESIGN_SHAPES)[number];

export interface Note {
  id: string;
  summary: string;
  evidence?: Record<string, unknown>;
}

/**
 * `healthy` and `resolved`: nobody needs to act. `action-required`: someone must act (see
 * `whoMustAct`); `awaiting-approval`: fixes wait for an approval nobody gave; `escalated` (fix mode
 * only): Microsoft is asked to look, with the support ticket in `escalation` (src/model/verdict.ts).
 */
export type Verdict = 'healthy' | 'resolved' | 'action-required' | 'awaiting-approval' | 'escalated';

export const VERDICTS: readonly Verdict[] = [
  'healthy',
  'resolved',
  'action-required',
  'awaiting-approval',
  'escalated',
];

export type FixKind = 'nsg-allow-probe' | 'start-vm' | 'guest-firewall-allow' | 'recommendation';
export type FixStatus = 'applied' | 'planned' | 'skipped' | 'rolled-back' | 'failed';

export interface FixReport {
  kind: FixKind;
  /** The resource changed (an NSG, a VM) or, for a recommendation, the resource to change. */
  target: string;
  status: FixStatus;
  /** Why a fix was skipped or failed, or what a recommendation asks a person to do. */
  reason?: string;
  detail: Record<string, unknown>;
}

export interface BackendReport {
  ipConfigurationId?: string;
  ipAddress?: string;
  vmId?: string;
  /**
   * `expected-down`: the probe fails on purpose (a passive node of a listener that moves between
   * nodes, a Kubernetes node without a local endpoint): no cause, no fix, never escalated for.
   */
  probeState: 'up' | 'down' | 'unknown' | 'expected-down';
  /**
   * The probe state the run found, when its fixes changed it: `probeState` is then how the backend is
   * after them (validated up). A stopped VM was `unknown` (Azure does not probe it), not `down`.
   */
  probeStateBefore?: 'up' | 'down' | 'unknown' | 'expected-down';
  /** Azure's reason code, and whether it came from the per-rule health API or the metric. */
  healthReason?: string;
  healthSource?: 'rule-health' | 'metric';
  causes: Cause[];
  notes?: Note[];
}

/** Network Watcher's word on a backend nothing explained (src/escalate/networkWatcher.ts). */
export interface NetworkWatcherEvidence {
  backendKey: string;
  /** IP flow verify from 168.63.129.16 to the probe port: Azure's own verdict on the NSGs. */
  ipFlowVerify?: { access: 'Allow' | 'Deny'; ruleName?: string } | { error: string };
  /** A connectivity check from a healthy peer VM to the backend's probe port. */
  connectivityCheck?:
    | { fromVmId: string; connectionStatus: string; avgLatencyInMs?: number; issues: string[] }
    | { error: string };
}

/** What validation saw for one backend after the fixes. */
export interface BackendValidation {
  backendKey: string;
  ipAddress?: string;
  /**
   * The per-rule health, re-read: it decides the verdict. On a Basic load balancer, which has no
   * per-rule health, the cause checks re-run after the fixes decide it instead (`decidedBy`).
   */
  health: 'Up' | 'Down' | 'Unknown';
  /** What decided `health`: the re-read per-rule health, or (Basic SKU) the cause checks re-run. */
  decidedBy?: 'rule-health' | 'checks-rerun';
  healthReason?: string;
  /** The TCP test from a healthy peer VM through Run Command; absent when no peer could run it. */
  tcp?: {
    reachable: boolean;
    latencyMs?: number;
    tool: string;
    detail: string;
    peerVmId: string;
    port: number;
    /** The Run Command that ran the test on the peer, and its script's SHA-256 (as the trail names it). */
    runCommand?: 'RunShellScript' | 'RunPowerShellScript';
    scriptSha256?: string;
  };
  /** Whether the peer test and the health agree. */
  agree: boolean;
  /** Why they disagree, or why the peer test could not run. */
  explanation?: string;
}

export interface Report {
  loadBalancerId: string;
  runId?: string;
  alertId?: string;
  mode: 'observe' | 'fix';
  verdict: Verdict;
  /**
   * Who must act: `nobody` (healthy, resolved); `customer` for causes the customer owns (NSG, guest
   * firewall, listener, probe configuration, VM state: `nextSteps` says the exact change); `microsoft`
   * when nothing found explains the failure (`escalation` holds the support ticket).
   */
  whoMustAct?: 'nobody' | 'customer' | 'microsoft';
  /** The changes a person must make, one sentence each, in the order to make them. */
  nextSteps?: string[];
  causes: Cause[];
  /** Load-balancer-level observations that are not causes. */
  notes?: Note[];
  backends: BackendReport[];
  fixes: FixReport[];
  escalation?: {
    supportTicket: Record<string, unknown>;
    submitted?: boolean;
    ticketId?: string;
    /** What went wrong building or submitting the ticket, and what a person must finish by hand. */
    error?: string;
    /** Network Watcher's IP flow verify and connectivity check for backends nothing explained. */
    networkWatcher?: NetworkWatcherEvidence[];
  };
  /** How each backend that was down looked after the fixes: the peer TCP test and the re-read health. */
  validation?: BackendValidation[];
  /** Topology reads that failed (403/404) and checks that could not run. */
  problems?: { resourceId?: string; kind: string; message: string }[];
  /**
   * The answer to the approval the fixes waited for (fix mode, when the policy asks for one): who
   * approved or rejected, as the approval named them (`cli --approve (local user ...)`, the HTTP
   * caller's identity), or that the wait timed out or nobody could be asked. The trail's
   * `ApprovalReceived` says whether the approver's identity was verified. Absent when nothing waited.
   */
  approval?: { decision: 'approve' | 'reject' | 'timeout' | 'not-given'; by?: string };
}

/**
 * Whether a fix may have left a rule of this run's in place: applied with a write, or failed after a
 * write whose answer was lost. These are the fixes a rollback looks at (and proves ownership of); a
 * failed one that may not have written is a change still to make (src/report/commands.ts).
 */
export function mayHaveWritten(fix: Pick<FixReport, 'kind' | 'status' | 'detail'>): boolean {
  if (fix.kind !== 'nsg-allow-probe') return false;
  if (fix.status === 'applied') return fix.detail.written === true;
  return fix.status === 'failed' && (fix.detail.written === true || fix.detail.writeOutcome === 'unknown');
}

/**
 * Whether a backend counts as down in a run's totals (RunFinished's `backendsDown`, the run's
 * outcome): not serving (`down`, or `unknown`: a VM Azure does not probe, such as a stopped one) and
 * not down by design (`expected-down` is not a fault).
 */
export function countsAsDown(backend: Pick<BackendReport, 'probeState'>): boolean {
  return backend.probeState !== 'up' && backend.probeState !== 'expected-down';
}
