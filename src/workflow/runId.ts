/**
 * Run ids. The orchestration instance id is one per load balancer (`pd-` + a hash of its id), so an
 * alert storm joins the run in progress; each execution of that instance is a run of its own, with its
 * own id: the start time (UTC, to the millisecond, in a form that sorts as text) and the instance id,
 * e.g. `20261130T102822123Z-pd-0123456789abcdef0123456789abcdef`. Audit events, the run store's keys,
 * the KQL queries and the support ticket's name use it.
 */

/** The shape of a run id: `yyyymmddThhmmssfffZ-` then the instance id. */
export const RUN_ID = /^\d{8}T\d{9}Z-[A-Za-z0-9-]{1,100}$/;

/**
 * The run id of an execution of `instanceId` started at `startedAt`. Pure: the orchestrator passes its
 * first `currentUtcDateTime` (the same on every replay); a trigger may pass the time it starts the run.
 */
export function runIdFor(instanceId: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${instanceId}`;
}

/** The instance id inside a run id (what the approval endpoint and the durable client take). */
export function instanceIdOfRun(runId: string): string | undefined {
  return RUN_ID.test(runId) ? runId.slice(runId.indexOf('-') + 1) : undefined;
}

/**
 * The time a run started, read back from its id (the inverse of {@link runIdFor}); undefined for an
 * id without a start time (an instance id, or a malformed stamp).
 */
export function startedAtOfRun(runId: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(runId);
  if (!m || !RUN_ID.test(runId)) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
  const at = new Date(iso);
  // A stamp that is no real time (month 13) would roll over: refuse it rather than move it.
  return !Number.isNaN(at.getTime()) && at.toISOString() === iso ? at : undefined;
}
