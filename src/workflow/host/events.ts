/**
 * Builders for the history events the local host appends. They wrap the durable-functions classes so
 * the replay code reads exactly what the Functions host would have written.
 */
import { EventRaisedEvent } from 'durable-functions/lib/src/history/EventRaisedEvent';
import { EventSentEvent } from 'durable-functions/lib/src/history/EventSentEvent';
import { ExecutionStartedEvent } from 'durable-functions/lib/src/history/ExecutionStartedEvent';
import type { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
import { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
import { OrchestratorCompletedEvent } from 'durable-functions/lib/src/history/OrchestratorCompletedEvent';
import { OrchestratorStartedEvent } from 'durable-functions/lib/src/history/OrchestratorStartedEvent';
import { TaskCompletedEvent } from 'durable-functions/lib/src/history/TaskCompletedEvent';
import { TaskFailedEvent } from 'durable-functions/lib/src/history/TaskFailedEvent';
import { TaskScheduledEvent } from 'durable-functions/lib/src/history/TaskScheduledEvent';
import { TimerCreatedEvent } from 'durable-functions/lib/src/history/TimerCreatedEvent';
import { TimerFiredEvent } from 'durable-functions/lib/src/history/TimerFiredEvent';

export type { HistoryEvent };
export { HistoryEventType } from 'durable-functions/lib/src/history/HistoryEventType';

function options(eventId: number, at: Date, extra: Record<string, unknown> = {}): HistoryEventOptions {
  const opts = new HistoryEventOptions(eventId, at);
  Object.assign(opts, extra);
  return opts;
}

/** JSON text of a value as it crosses the host boundary; `undefined` becomes `null`, like the host. */
export function toJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** Event builders; `eventId` is -1 for events that carry no sequence number, as in real histories. */
export const historyEvents = {
  orchestratorStarted: (at: Date): HistoryEvent => new OrchestratorStartedEvent(options(-1, at)),
  orchestratorCompleted: (at: Date): HistoryEvent => new OrchestratorCompletedEvent(options(-1, at)),
  /** `version`: the instance's orchestration version, as the extension stamps it (none on older ones). */
  executionStarted: (at: Date, name: string, input: unknown, version?: string): HistoryEvent =>
    new ExecutionStartedEvent(
      options(-1, at, { name, input: toJson(input), ...(version !== undefined ? { version } : {}) }),
    ),
  taskScheduled: (at: Date, id: number, name: string, input: unknown): HistoryEvent =>
    new TaskScheduledEvent(options(id, at, { name, input: toJson(input) })),
  taskCompleted: (at: Date, id: number, result: unknown): HistoryEvent =>
    new TaskCompletedEvent(options(-1, at, { taskScheduledId: id, result: toJson(result) })),
  taskFailed: (at: Date, id: number, error: Error): HistoryEvent =>
    new TaskFailedEvent(
      options(-1, at, {
        taskScheduledId: id,
        reason: error.message,
        details: error.name,
        failureDetails: { ErrorType: error.name, ErrorMessage: error.message },
      }),
    ),
  timerCreated: (at: Date, id: number, fireAt: Date): HistoryEvent =>
    new TimerCreatedEvent(options(id, at, { fireAt })),
  timerFired: (at: Date, id: number, fireAt: Date): HistoryEvent =>
    new TimerFiredEvent(options(-1, at, { timerId: id, fireAt })),
  eventRaised: (at: Date, name: string, data: unknown): HistoryEvent =>
    new EventRaisedEvent(options(-1, at, { name, input: toJson(data) })),
  /**
   * The lock request an orchestration sends to the first entity of its lock set: `EventId` is the
   * LockEntities action's sequence number and the message's `id` is the lock request id, which the
   * grant (an EventRaised of that name) answers.
   */
  lockRequested: (
    at: Date,
    id: number,
    lockRequestId: string,
    parentInstanceId: string,
    entities: readonly string[],
  ): HistoryEvent =>
    new EventSentEvent(
      options(id, at, {
        name: 'op',
        instanceId: entities[0] ?? '',
        input: toJson({
          id: lockRequestId,
          op: null,
          lockset: entities,
          pos: 0,
          parent: parentInstanceId,
        }),
      }),
    ),
};
