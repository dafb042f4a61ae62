/**
 * Shims for the durable-functions 3.5.0 internals the local durable host drives (the package ships
 * no .d.ts for them). Only what src/workflow/host/ uses is declared. These paths are not
 * semver-protected: the package version is pinned in package.json for that reason.
 */

declare module 'durable-functions/lib/src/history/HistoryEventOptions' {
  export class HistoryEventOptions {
    constructor(eventId: number, timestamp: Date, isPlayed?: boolean);
    eventId: number;
    timestamp: Date;
    isPlayed: boolean;
    [extra: string]: unknown;
  }
}

declare module 'durable-functions/lib/src/history/HistoryEvent' {
  import type { HistoryEventType } from 'durable-functions/lib/src/history/HistoryEventType';
  export class HistoryEvent {
    EventType: HistoryEventType;
    EventId: number;
    IsPlayed: boolean;
    Timestamp: Date;
    IsProcessed: boolean;
    [field: string]: unknown;
  }
}

declare module 'durable-functions/lib/src/history/HistoryEventType' {
  export enum HistoryEventType {
    ExecutionStarted = 0,
    ExecutionCompleted = 1,
    ExecutionFailed = 2,
    ExecutionTerminated = 3,
    TaskScheduled = 4,
    TaskCompleted = 5,
    TaskFailed = 6,
    SubOrchestrationInstanceCreated = 7,
    SubOrchestrationInstanceCompleted = 8,
    SubOrchestrationInstanceFailed = 9,
    TimerCreated = 10,
    TimerFired = 11,
    OrchestratorStarted = 12,
    OrchestratorCompleted = 13,
    EventSent = 14,
    EventRaised = 15,
    ContinueAsNew = 16,
    GenericEvent = 17,
    HistoryState = 18,
    ExecutionSuspended = 19,
    ExecutionResumed = 20,
  }
}

declare module 'durable-functions/lib/src/history/OrchestratorStartedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class OrchestratorStartedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/OrchestratorCompletedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class OrchestratorCompletedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/ExecutionStartedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.name`; `options.input` is the JSON text of the input. */
  export class ExecutionStartedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TaskScheduledEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.name`; `options.input` optional. */
  export class TaskScheduledEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TaskCompletedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.taskScheduledId` and `options.result` (a JSON string; undefined throws). */
  export class TaskCompletedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TaskFailedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.taskScheduledId`; `reason`, `details`, `failureDetails` describe the error. */
  export class TaskFailedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TimerCreatedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.fireAt`. */
  export class TimerCreatedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/TimerFiredEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.timerId` and `options.fireAt`. */
  export class TimerFiredEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/EventRaisedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.name`; `options.input` is the JSON text of the event data. */
  export class EventRaisedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/history/EventSentEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  /** Needs `options.name` and `options.instanceId`; `options.input` is the JSON request message. */
  export class EventSentEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}

declare module 'durable-functions/lib/src/actions/ActionType' {
  export enum ActionType {
    CallActivity = 0,
    CallActivityWithRetry = 1,
    CallSubOrchestrator = 2,
    CallSubOrchestratorWithRetry = 3,
    ContinueAsNew = 4,
    CreateTimer = 5,
    WaitForExternalEvent = 6,
    CallEntity = 7,
    CallHttp = 8,
    SignalEntity = 9,
    WhenAny = 11,
    WhenAll = 12,
    LockEntities = 13,
    ReleaseEntities = 14,
  }
}

declare module 'durable-functions/lib/src/orchestrations/ReplaySchema' {
  export enum ReplaySchema {
    V1 = 0,
    V2 = 1,
    V3 = 2,
    V4 = 3,
  }
}

declare module 'durable-functions/lib/src/util/testingUtils' {
  import type { ActionType } from 'durable-functions/lib/src/actions/ActionType';
  import type { InvocationContext } from '@azure/functions';
  import type { OrchestrationHandler } from 'durable-functions';
  import type { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';

  /** The orchestration trigger's payload: instance id, history, input, replay schema. */
  export class DurableOrchestrationInput {
    constructor(
      instanceId?: string,
      history?: HistoryEvent[],
      input?: unknown,
      longRunningTimerIntervalDuration?: string,
      maximumShortTimerDuration?: string,
      defaultHttpAsyncRequestSleepTimeMillseconds?: number,
      schemaVersion?: number,
      isReplaying?: boolean,
      parentInstanceId?: string,
    );
  }

  /** A scheduled action as the library records it (fields depend on `actionType`). */
  export interface RawAction {
    actionType: ActionType;
    functionName?: string;
    input?: unknown;
    fireAt?: Date;
    isCanceled?: boolean;
    externalEventName?: string;
    retryOptions?: {
      firstRetryIntervalInMilliseconds: number;
      maxNumberOfAttempts: number;
      backoffCoefficient?: number;
      maxRetryIntervalInMilliseconds?: number;
    };
    instanceId?: string;
    /** LockEntities: the request id the grant event is named after, and the entities to lock. */
    lockRequestId?: string;
    lockSet?: { name: string; key: string }[];
    /** WhenAll / WhenAny under schema V3+: the child actions. */
    compoundActions?: RawAction[];
  }

  /** What one run of the orchestrator over a history returns. */
  export interface OrchestratorState {
    isDone: boolean;
    /**
     * Schema V1: one inner array per `yield`, Task.all children flattened. V3+: one inner array with
     * WhenAll/WhenAny as compound actions. Cumulative on every replay.
     */
    actions: RawAction[][];
    output: unknown;
    error?: string;
    customStatus?: unknown;
    schemaVersion: number;
  }

  export function createOrchestrator(
    fn: OrchestrationHandler,
  ): (input: DurableOrchestrationInput, context: InvocationContext) => Promise<OrchestratorState>;
}
