/** Orchestration and activity names, defined once and used in both the call and the registration. */

export const ORCHESTRATOR_NAME = 'probeDoctorOrchestrator';

/**
 * The orchestration's flow version: host.json's `extensions.durableTask.defaultVersion`, which the
 * Durable extension stamps on every new instance; an instance keeps the version it started with and
 * the orchestrator reads it as `context.df.version` (learn.microsoft.com, azure-functions/durable/
 * durable-functions-orchestration-versioning). The local durable host stamps the same value.
 * - 1 (instances started before versioning, which have no version): diagnose, then planFixes.
 * - 2: diagnoseAndPlan, one activity: one round trip through the durable host fewer per run.
 * A deployment therefore never changes the steps of a run already in flight: its history replays
 * through the steps it was started with.
 */
// "2.0", not "2": the extension compares versions it can read as major.minor numerically, and others
// as text, where "10" would sort before "2".
export const FLOW_VERSION = '2.0';

/** The flow version of an instance from its stamped version; none (older instances) is 1. */
export function flowVersionOf(version: string | undefined): number {
  const major = Number.parseInt(version ?? '', 10);
  return Number.isFinite(major) && major > 0 ? major : 1;
}

export const ACTIVITY = {
  getPolicy: 'getPolicy',
  discoverTopology: 'discoverTopology',
  checkBackend: 'checkBackend',
  diagnose: 'diagnose',
  planFixes: 'planFixes',
  /** diagnose and planFixes in one activity: what flow version 2 calls (see FLOW_VERSION). */
  diagnoseAndPlan: 'diagnoseAndPlan',
  applyFixes: 'applyFixes',
  validate: 'validate',
  rollbackFixes: 'rollbackFixes',
  escalate: 'escalate',
  finalizeReport: 'finalizeReport',
  /** Closes a run that stopped early (deadline, failure): a report of what is known, and RunFinished. */
  closeRun: 'closeRun',
} as const;

export type ActivityName = (typeof ACTIVITY)[keyof typeof ACTIVITY];

/** The external event an approver raises (POST /api/remediations/{instanceId}/approval). */
export const APPROVAL_EVENT = 'approval';

/**
 * The external event that interrupts a run while it waits (Ctrl-C at the CLI): the orchestrator
 * stops waiting, validates nothing and reports what it knows. Nobody raises it on the Functions host.
 */
export const INTERRUPT_EVENT = 'interrupt';

/**
 * The entity whose lock serializes writes to one NSG across orchestrations (functions/nsgLock.ts).
 * Its key is derived from the NSG id (src/workflow/nsgLock.ts).
 */
export const NSG_LOCK_ENTITY = 'nsgLock';
