/** Orchestration and activity names, defined once and used in both the call and the registration. */

export const ORCHESTRATOR_NAME = 'probeDoctorOrchestrator';

export const ACTIVITY = {
  getPolicy: 'getPolicy',
  discoverTopology: 'discoverTopology',
  checkBackend: 'checkBackend',
  diagnose: 'diagnose',
  planFixes: 'planFixes',
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
