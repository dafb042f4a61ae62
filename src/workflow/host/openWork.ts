/**
 * Reads what an orchestrator is waiting for after one replay. The action list is cumulative and
 * retries consume sequence numbers the action list does not show (a retry's timer and each new
 * attempt get their own id), so the host reads the executor's open tasks, keyed by the very
 * sequence numbers the next history events must carry.
 */
import { ActionType } from 'durable-functions/lib/src/actions/ActionType';
import type { RawAction } from 'durable-functions/lib/src/util/testingUtils';

/** The parts of a durable-functions task the host reads (TaskBase, RetryableTask). */
interface RawTask {
  id: number | string | false;
  actionObj: RawAction | 'noOp' | undefined;
  parent?: RawTask;
  retryOptions?: RawAction['retryOptions'];
  isWaitingOnTimer?: boolean;
  attemptNumber?: number;
}

/** The parts of the TaskOrchestrationExecutor the host reads. */
export interface RawExecutor {
  openTasks: Record<string, RawTask>;
  openEvents: Record<string, RawTask[]>;
}

/** One thing the orchestrator waits for, with the sequence number its completion must carry. */
export type OpenWork =
  | { kind: 'activity'; id: number; name: string; input: unknown; attempt: number }
  | { kind: 'timer'; id: number; fireAt: Date }
  /** The pause between two attempts of callActivityWithRetry; `delayMs` from its RetryOptions. */
  | { kind: 'retry-timer'; id: number; delayMs: number; name: string; nextAttempt: number }
  | { kind: 'sub-orchestration'; id: number; name: string; input: unknown; instanceId?: string }
  /**
   * A critical section's lock request (`context.df.lock`), not yet sent: `entities` are scheduler ids
   * (`@name@key`). Once its EventSent is in the history the library re-keys it by `lockRequestId`.
   */
  | { kind: 'lock'; id: number; lockRequestId: string; entities: string[] };

const isAction = (a: RawTask['actionObj']): a is RawAction => typeof a === 'object' && a !== null;

/** Delay before attempt `nextAttempt` (2 = first retry): first interval x backoff^(n-2), capped. */
export function retryDelayMs(options: NonNullable<RawAction['retryOptions']>, nextAttempt: number): number {
  const coefficient =
    options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  const delay = options.firstRetryIntervalInMilliseconds * coefficient ** Math.max(0, nextAttempt - 2);
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap && cap > 0 ? Math.min(delay, cap) : delay;
}

function classify(id: number, task: RawTask): OpenWork | undefined {
  const parent = task.parent;
  if (task.actionObj === 'noOp' && parent?.retryOptions && isAction(parent.actionObj)) {
    // A NoOpTask under a RetryableTask is either the pause after a failure or the next attempt.
    if (parent.isWaitingOnTimer) {
      return {
        kind: 'retry-timer',
        id,
        delayMs: retryDelayMs(parent.retryOptions, parent.attemptNumber ?? 2),
        name: parent.actionObj.functionName ?? '',
        nextAttempt: parent.attemptNumber ?? 2,
      };
    }
    return activityOrSub(id, parent.actionObj, parent.attemptNumber ?? 1);
  }
  if (!isAction(task.actionObj)) return undefined;
  if (task.actionObj.actionType === ActionType.LockEntities) {
    const action = task.actionObj;
    return {
      kind: 'lock',
      id,
      lockRequestId: action.lockRequestId ?? '',
      entities: (action.lockSet ?? []).map((e) => `@${e.name.toLowerCase()}@${e.key}`),
    };
  }
  if (task.actionObj.actionType === ActionType.CreateTimer) {
    if (task.actionObj.isCanceled || !task.actionObj.fireAt) return undefined;
    return { kind: 'timer', id, fireAt: new Date(task.actionObj.fireAt) };
  }
  return activityOrSub(id, task.actionObj, 1);
}

function activityOrSub(id: number, action: RawAction, attempt: number): OpenWork | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return { kind: 'activity', id, name: action.functionName ?? '', input: action.input, attempt };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return {
        kind: 'sub-orchestration',
        id,
        name: action.functionName ?? '',
        input: action.input,
        ...(action.instanceId ? { instanceId: action.instanceId } : {}),
      };
    default:
      return undefined;
  }
}

/**
 * The lock requests whose critical section has ended, read from the cumulative action list: the
 * library records a fire-and-forget ReleaseEntities action when a DurableLock is released, and only
 * one section can be open at a time, so a release closes the latest lock before it.
 */
export function releasedLocks(actions: readonly RawAction[]): string[] {
  const released: string[] = [];
  let open: string | undefined;
  for (const action of actions) {
    if (action.actionType === ActionType.LockEntities) open = action.lockRequestId;
    else if (action.actionType === ActionType.ReleaseEntities && open !== undefined) {
      released.push(open);
      open = undefined;
    }
  }
  return released;
}

/** Everything the orchestrator waits for, in sequence-number order, plus the events it waits on. */
export function readOpenWork(executor: RawExecutor): { work: OpenWork[]; waitingForEvents: string[] } {
  const work: OpenWork[] = [];
  for (const [key, task] of Object.entries(executor.openTasks)) {
    const id = Number(key);
    if (!Number.isInteger(id)) continue;
    const item = classify(id, task);
    if (item) work.push(item);
  }
  work.sort((a, b) => a.id - b.id);
  const waitingForEvents = Object.entries(executor.openEvents)
    .filter(([, tasks]) => tasks.length > 0)
    .map(([name]) => name);
  return { work, waitingForEvents };
}
