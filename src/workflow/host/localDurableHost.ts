/**
 * A local durable host: runs orchestrator generators under the durable-functions library's own
 * replay code and plays the part of the Functions host and its Durable extension: it keeps each
 * instance's history, executes activities, fast-forwards timers, delivers raised events, and replays
 * until the orchestrator is done. Used by the CLI, the demo and the replay tests; production runs on
 * the real Functions host, with the same orchestrator and activities.
 */
import type { OrchestrationHandler } from 'durable-functions';
import type { RawAction } from 'durable-functions/lib/src/util/testingUtils';
import { ensureError } from '../../errors';
import { historyEvents, type HistoryEvent } from './events';
import { releasedLocks, type OpenWork } from './openWork';
import { replayOnce } from './replay';

/** An activity as the host calls it: the deserialized input in, a JSON-serializable value out. */
export type LocalActivity = (input: unknown) => unknown;

export type LocalRuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed';

export interface LocalDurableHostOptions {
  activities: Record<string, LocalActivity>;
  orchestrators: Record<string, OrchestrationHandler>;
  /** Wall clock; episodes are stamped with max(clock, fired timers). Defaults to `new Date()`. */
  clock?: () => Date;
}

/** What `getStatus` returns; the shape follows DurableOrchestrationStatus plus the host's extras. */
export interface LocalInstanceStatus {
  instanceId: string;
  name: string;
  runtimeStatus: LocalRuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  /** The orchestrator's error message when `Failed`. */
  error?: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  /** The full history, episode by episode, as the replay code reads it. */
  history: HistoryEvent[];
  /** Every action scheduled so far (cumulative), from the last replay. */
  actions: RawAction[];
  /** Names of the external events the orchestrator now waits for. */
  waitingForEvents: string[];
}

export interface LocalStartResult {
  instanceId: string;
  /** True when an instance with this id was already Pending or Running: nothing new was started. */
  joined: boolean;
  runtimeStatus: LocalRuntimeStatus;
}

interface Instance {
  id: string;
  name: string;
  fn: OrchestrationHandler;
  input: unknown;
  status: LocalRuntimeStatus;
  customStatus: unknown;
  output: unknown;
  error?: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  history: HistoryEvent[];
  actions: RawAction[];
  /** Virtual time: the timestamp of the current episode. */
  clock: Date;
  /** Sequence numbers already scheduled (TaskScheduled / TimerCreated appended). */
  handled: Set<number>;
  /** Pending timers by sequence number. */
  timers: Map<number, Date>;
  waitingForEvents: string[];
  /** Completions and raised events for the next episode. */
  nextEvents: HistoryEvent[];
  inbox: { name: string; data: unknown }[];
  /** A request to fire the next timer even though an external event is awaited. */
  forceTimer: boolean;
  /** True when the history ends with an OrchestratorStarted that has not run yet. */
  episodeOpen: boolean;
  work: Promise<void>;
  waiters: ((status: LocalInstanceStatus) => void)[];
}

/** A lock request waiting for its entities (`context.df.lock`). */
interface LockRequest {
  instance: Instance;
  lockRequestId: string;
  /** Scheduler ids (`@name@key`), sorted and deduped by the library. */
  entities: string[];
}

const TERMINAL: readonly LocalRuntimeStatus[] = ['Completed', 'Failed'];
const isActive = (s: LocalRuntimeStatus): boolean => s === 'Pending' || s === 'Running';

/** Values cross the host boundary as JSON, as they do on the Functions host. */
function roundTrip(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** An action's input: the library has already serialized strings (and only strings). */
function fromAction(input: unknown): unknown {
  return typeof input === 'string' ? (JSON.parse(input) as unknown) : roundTrip(input);
}

/** The local durable host. See the module comment. */
export class LocalDurableHost {
  private readonly instances = new Map<string, Instance>();
  private readonly clock: () => Date;
  /**
   * Entity locks, host-wide: every instance on this host shares them, as concurrent orchestrations
   * share the real task hub's entities. Entity scheduler id -> the request holding it.
   */
  private readonly locks = new Map<string, { instanceId: string; lockRequestId: string }>();
  /** Lock requests not yet granted, oldest first. */
  private readonly lockQueue: LockRequest[] = [];

  constructor(private readonly options: LocalDurableHostOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Starts `orchestratorName` as `instanceId`. Like the real host with a fixed instance id, a start
   * for an instance that is Pending or Running does not start another: it joins (`joined: true`).
   * A Completed or Failed instance is replaced by a fresh run.
   */
  start(orchestratorName: string, instanceId: string, input?: unknown): Promise<LocalStartResult> {
    const fn = this.options.orchestrators[orchestratorName];
    if (!fn) return Promise.reject(new Error(`Orchestrator "${orchestratorName}" is not registered.`));
    const existing = this.instances.get(instanceId);
    if (existing && isActive(existing.status)) {
      return Promise.resolve({ instanceId, joined: true, runtimeStatus: existing.status });
    }
    const now = this.clock();
    const wireInput = roundTrip(input);
    const instance: Instance = {
      id: instanceId,
      name: orchestratorName,
      fn,
      input: wireInput,
      status: 'Pending',
      customStatus: undefined,
      output: undefined,
      createdTime: now,
      lastUpdatedTime: now,
      history: [
        historyEvents.orchestratorStarted(now),
        historyEvents.executionStarted(now, orchestratorName, wireInput),
      ],
      actions: [],
      clock: now,
      handled: new Set(),
      timers: new Map(),
      waitingForEvents: [],
      nextEvents: [],
      inbox: [],
      forceTimer: false,
      episodeOpen: true,
      work: Promise.resolve(),
      waiters: [],
    };
    this.instances.set(instanceId, instance);
    this.drive(instance);
    return Promise.resolve({ instanceId, joined: false, runtimeStatus: 'Pending' });
  }

  /**
   * Raises an external event. An event raised before the orchestrator waits for it is kept in the
   * history and delivered when the wait starts (the library buffers it). Events for a finished
   * instance are dropped, as the real host does.
   */
  raiseEvent(instanceId: string, name: string, data?: unknown): Promise<void> {
    const instance = this.instances.get(instanceId);
    if (!instance) return Promise.reject(new Error(`No orchestration instance "${instanceId}".`));
    if (!isActive(instance.status)) return Promise.resolve();
    instance.inbox.push({ name, data: roundTrip(data) });
    this.drive(instance);
    return Promise.resolve();
  }

  /**
   * Fires the earliest pending timer now, even while the orchestrator also waits for an event (a
   * timer raced against an approval only fires when a test or a person says time has passed).
   */
  fastForward(instanceId: string): Promise<LocalInstanceStatus> {
    const instance = this.mustGet(instanceId);
    instance.forceTimer = true;
    this.drive(instance);
    return this.waitForIdle(instanceId);
  }

  /** Which instance holds each locked entity now (scheduler id -> instance id). */
  lockHolders(): Record<string, string> {
    return Object.fromEntries([...this.locks.entries()].map(([entity, held]) => [entity, held.instanceId]));
  }

  /** The instance's status, or undefined when no such instance was started. */
  getStatus(instanceId: string): LocalInstanceStatus | undefined {
    const instance = this.instances.get(instanceId);
    return instance ? this.snapshot(instance) : undefined;
  }

  /** Resolves when the host has nothing left to do for now: finished, or blocked on an event. */
  async waitForIdle(instanceId: string): Promise<LocalInstanceStatus> {
    const instance = this.mustGet(instanceId);
    let seen: Promise<void>;
    do {
      seen = instance.work;
      await seen;
    } while (seen !== instance.work);
    return this.snapshot(instance);
  }

  /** Resolves when the instance is Completed or Failed (never, if it waits for an event nobody raises). */
  waitForCompletion(instanceId: string): Promise<LocalInstanceStatus> {
    const instance = this.mustGet(instanceId);
    if (TERMINAL.includes(instance.status)) return Promise.resolve(this.snapshot(instance));
    return new Promise((resolve) => instance.waiters.push(resolve));
  }

  private mustGet(instanceId: string): Instance {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new Error(`No orchestration instance "${instanceId}".`);
    return instance;
  }

  private snapshot(i: Instance): LocalInstanceStatus {
    return {
      instanceId: i.id,
      name: i.name,
      runtimeStatus: i.status,
      input: i.input,
      customStatus: i.customStatus,
      output: i.output,
      ...(i.error !== undefined ? { error: i.error } : {}),
      createdTime: i.createdTime,
      lastUpdatedTime: i.lastUpdatedTime,
      history: [...i.history],
      actions: [...i.actions],
      waitingForEvents: [...i.waitingForEvents],
    };
  }

  /** Queues a run of the loop; runs for one instance never overlap. */
  private drive(instance: Instance): void {
    instance.work = instance.work
      .then(() => this.runUntilBlocked(instance))
      .catch((err: unknown) =>
        this.finish(instance, 'Failed', undefined, `host error: ${ensureError(err).message}`),
      );
  }

  private now(instance: Instance, atLeast?: Date): Date {
    const candidates = [this.clock().getTime(), instance.clock.getTime(), atLeast?.getTime() ?? 0];
    instance.clock = new Date(Math.max(...candidates));
    return instance.clock;
  }

  private finish(instance: Instance, status: LocalRuntimeStatus, output: unknown, error?: string): void {
    // An orchestration that ends inside a critical section gives its locks up, as on the real hub.
    this.releaseLocks(instance, () => true, true);
    instance.status = status;
    instance.output = output;
    if (error !== undefined) instance.error = error;
    instance.lastUpdatedTime = instance.clock;
    instance.waitingForEvents = [];
    instance.timers.clear();
    const snapshot = this.snapshot(instance);
    for (const resolve of instance.waiters.splice(0)) resolve(snapshot);
  }

  /** Frees the entities `instance` holds under the matching requests, drops its queued requests, grants. */
  private releaseLocks(
    instance: Instance,
    matches: (lockRequestId: string) => boolean,
    dropQueued = false,
  ): void {
    for (const [entity, held] of [...this.locks.entries()]) {
      if (held.instanceId === instance.id && matches(held.lockRequestId)) this.locks.delete(entity);
    }
    if (dropQueued) {
      for (let i = this.lockQueue.length - 1; i >= 0; i--) {
        if (this.lockQueue[i]?.instance === instance) this.lockQueue.splice(i, 1);
      }
    }
    this.grantLocks();
  }

  /**
   * Grants queued requests first come, first served: a request gets its entities when all are free
   * and no older waiting request wants one of them (so a big lock set is not starved). The grant is
   * an EventRaised named after the lock request id, delivered in the holder's next episode.
   */
  private grantLocks(): void {
    const wanted = new Set<string>();
    for (let i = 0; i < this.lockQueue.length;) {
      const request = this.lockQueue[i];
      if (!request) break;
      const free = request.entities.every((e) => !this.locks.has(e) && !wanted.has(e));
      if (!free) {
        for (const e of request.entities) wanted.add(e);
        i++;
        continue;
      }
      this.lockQueue.splice(i, 1);
      for (const e of request.entities) {
        this.locks.set(e, { instanceId: request.instance.id, lockRequestId: request.lockRequestId });
      }
      request.instance.inbox.push({ name: request.lockRequestId, data: null });
      this.drive(request.instance);
    }
  }

  /** The earliest timer, when one may fire: nothing else to deliver and no event awaited (unless forced). */
  private takeDueTimer(instance: Instance): { id: number; fireAt: Date } | undefined {
    if (instance.timers.size === 0) return undefined;
    if (instance.waitingForEvents.length > 0 && !instance.forceTimer) return undefined;
    instance.forceTimer = false;
    const [id, fireAt] = [...instance.timers.entries()].reduce((a, b) => (b[1] < a[1] ? b : a));
    instance.timers.delete(id);
    return { id, fireAt };
  }

  private async runUntilBlocked(instance: Instance): Promise<void> {
    for (;;) {
      if (TERMINAL.includes(instance.status)) return;
      if (!instance.episodeOpen) {
        const incoming = instance.nextEvents.splice(0);
        const now = this.now(instance);
        for (const e of instance.inbox.splice(0))
          incoming.push(historyEvents.eventRaised(now, e.name, e.data));
        if (incoming.length === 0) {
          const timer = this.takeDueTimer(instance);
          if (!timer) return;
          const at = this.now(instance, timer.fireAt);
          incoming.push(historyEvents.timerFired(at, timer.id, timer.fireAt));
        }
        for (const e of instance.history) e.IsPlayed = true;
        instance.history.push(historyEvents.orchestratorStarted(instance.clock), ...incoming);
      }
      instance.episodeOpen = false;
      instance.forceTimer = false;

      const outcome = await replayOnce(instance.fn, instance.id, instance.history, instance.input);
      instance.customStatus = outcome.customStatus;
      instance.actions = outcome.actions;
      instance.lastUpdatedTime = instance.clock;
      if (outcome.status === 'failed') {
        instance.history.push(historyEvents.orchestratorCompleted(instance.clock));
        this.finish(instance, 'Failed', undefined, outcome.error);
        return;
      }
      if (outcome.status === 'completed') {
        instance.history.push(historyEvents.orchestratorCompleted(instance.clock));
        this.finish(instance, 'Completed', outcome.output);
        return;
      }
      instance.status = 'Running';
      instance.waitingForEvents = outcome.waitingForEvents;
      const released = new Set(releasedLocks(outcome.actions));
      if (released.size > 0) this.releaseLocks(instance, (id) => released.has(id));
      const openIds = new Set(outcome.work.map((w) => w.id));
      // A timer the orchestrator cancelled (the loser of a race) is no longer open: never fire it.
      for (const id of [...instance.timers.keys()]) if (!openIds.has(id)) instance.timers.delete(id);

      const fresh = outcome.work.filter((w) => !instance.handled.has(w.id));
      for (const w of fresh) {
        instance.handled.add(w.id);
        instance.history.push(this.scheduledEvent(instance, w));
      }
      instance.history.push(historyEvents.orchestratorCompleted(instance.clock));
      for (const w of fresh) {
        if (w.kind === 'lock') {
          this.lockQueue.push({ instance, lockRequestId: w.lockRequestId, entities: w.entities });
        }
      }
      this.grantLocks();

      const completions = await Promise.all(fresh.map((w) => this.execute(instance, w)));
      instance.nextEvents.push(...completions.filter((e): e is HistoryEvent => e !== undefined));
    }
  }

  private scheduledEvent(instance: Instance, w: OpenWork): HistoryEvent {
    const at = instance.clock;
    switch (w.kind) {
      case 'activity':
      case 'sub-orchestration':
        return historyEvents.taskScheduled(at, w.id, w.name, fromAction(w.input));
      case 'timer':
        instance.timers.set(w.id, w.fireAt);
        return historyEvents.timerCreated(at, w.id, w.fireAt);
      case 'retry-timer': {
        const fireAt = new Date(at.getTime() + w.delayMs);
        instance.timers.set(w.id, fireAt);
        return historyEvents.timerCreated(at, w.id, fireAt);
      }
      case 'lock':
        return historyEvents.lockRequested(at, w.id, w.lockRequestId, instance.id, w.entities);
    }
  }

  /** Runs an activity and returns its completion event; timers complete later, by firing. */
  private async execute(instance: Instance, w: OpenWork): Promise<HistoryEvent | undefined> {
    // Timers complete by firing, locks by being granted (grantLocks).
    if (w.kind === 'timer' || w.kind === 'retry-timer' || w.kind === 'lock') return undefined;
    if (w.kind === 'sub-orchestration') {
      return historyEvents.taskFailed(
        instance.clock,
        w.id,
        new Error(`Sub-orchestration "${w.name}" is not supported by the local durable host.`),
      );
    }
    const activity = this.options.activities[w.name];
    try {
      if (!activity) throw new Error(`Activity "${w.name}" is not registered.`);
      const result: unknown = await activity(fromAction(w.input));
      return historyEvents.taskCompleted(instance.clock, w.id, result);
    } catch (err) {
      return historyEvents.taskFailed(instance.clock, w.id, ensureError(err));
    }
  }
}
