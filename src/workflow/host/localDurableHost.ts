/**
 * A local durable host: runs orchestrator generators under the durable-functions library's own
 * replay code and plays the part of the Functions host and its Durable extension: it keeps each
 * instance's history, executes activities, fires timers, delivers raised events, and replays until
 * the orchestrator is done. Used by the CLI, the demo and the replay tests; production runs on the
 * real Functions host, with the same orchestrator and activities.
 *
 * Time ({@link HostTime}): on `wall` time a durable timer fires when the clock reaches its fire time,
 * as on the Functions host (a live run really waits for the probe to re-test). On `virtual` time an
 * instance with nothing else to do jumps to its next timer at once, and tells the clock it shares
 * (`advanceTo`) so that whatever else reads that clock (the in-process sandbox) sees the time pass.
 *
 * Activities run concurrently with the loop: their completions arrive as events, so a durable timer
 * raced against an activity (a deadline) can win, and every episode starts on a fresh turn of the
 * event loop, so one busy instance never starves another's I/O.
 */
import type { OrchestrationHandler } from 'durable-functions';
import type { RawAction } from 'durable-functions/lib/src/util/testingUtils';
import { ensureError } from '../../errors';
import { historyEvents, type HistoryEvent } from './events';
import { INTERRUPT_EVENT } from '../names';
import { releasedLocks, type OpenWork } from './openWork';
import { replayOnce } from './replay';
import { nextMacrotask } from '../../util/nextMacrotask';

/** An activity as the host calls it: the deserialized input in, a JSON-serializable value out. */
export type LocalActivity = (input: unknown) => unknown;

export type LocalRuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed';

/**
 * How durable timers pass on this host.
 * - `wall`: a timer fires when `clock()` reaches its fire time (a real wait, never skipped).
 * - `virtual`: when an instance has no activity running and waits for no event but optional ones,
 *   its earliest timer fires at once; `advanceTo(fireAt)` moves the shared clock there first. A timer
 *   that is due on the clock fires in either mode.
 */
export type HostTime =
  | { kind: 'wall' }
  | {
      kind: 'virtual';
      advanceTo?: (epochMs: number) => void;
      /**
       * Subscribes to jumps of the shared clock made by someone else (an SDK retry that skipped its
       * Retry-After on an in-process sandbox's clock): timers that became due fire at once, so a
       * deadline passed in the skipped time wins its race as it would have in real time.
       */
      onJump?: (listener: () => void) => () => void;
    };

/** A real wait the host starts for an instance with nothing else to do (wall time, or a due time ahead). */
export interface TimerWait {
  instanceId: string;
  /** When the timer fires. */
  fireAt: Date;
  /** Whole seconds from now to `fireAt` (at least 0). */
  seconds: number;
  /** `retry`: the pause before another attempt of `activity`; `timer`: a durable timer of the orchestrator. */
  kind: 'timer' | 'retry';
  activity?: string;
  nextAttempt?: number;
  /** The orchestrator's custom status when the wait starts (it says what the wait is for). */
  customStatus: unknown;
}

export interface LocalDurableHostOptions {
  activities: Record<string, LocalActivity>;
  orchestrators: Record<string, OrchestrationHandler>;
  /** The clock; episodes are stamped with max(clock, fired timers). Defaults to `new Date()`. */
  clock?: () => Date;
  /** How timers pass (see {@link HostTime}). Default: virtual, with nothing sharing the clock. */
  time?: HostTime;
  /** Told once per timer when the host starts really waiting for it (progress output). */
  onWait?: (wait: TimerWait) => void;
  /**
   * External events that may never come: waiting for one of them does not hold a timer back on
   * virtual time, as waiting for an approval does. Default: the operator's interrupt
   * ({@link INTERRUPT_EVENT}), which every probe-doctor wait races against.
   */
  optionalEvents?: readonly string[];
  /**
   * The version stamped on every instance this host starts, as host.json's
   * `extensions.durableTask.defaultVersion` has the Durable extension do (the orchestrator reads it as
   * `context.df.version`). Default: none, as on an app without orchestration versioning.
   */
  defaultVersion?: string;
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
  /** What the orchestrator waits for after the last replay, by sequence number. */
  openWork: Map<number, OpenWork>;
  waitingForEvents: string[];
  /** Completions and raised events for the next episode. */
  nextEvents: HistoryEvent[];
  /** Activities started and not yet completed. */
  inFlight: number;
  /** The pending wake-up for the earliest timer, on wall time. */
  wake?: { at: number; handle: ReturnType<typeof setTimeout> };
  /** Timer ids already announced through `onWait`. */
  announced: Set<number>;
  /** True when the loop has nothing to do until an event, a completion or a timer arrives. */
  idle: boolean;
  /** Callers of `waitUntil`, resolved when their condition holds after an episode. */
  listeners: { until: (s: LocalInstanceStatus) => boolean; resolve: (s: LocalInstanceStatus) => void }[];
  inbox: { name: string; data: unknown }[];
  /** A request to fire the next timer even though an external event is awaited. */
  forceTimer: boolean;
  /** True when the history ends with an OrchestratorStarted that has not run yet. */
  episodeOpen: boolean;
  work: Promise<void>;
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

  private readonly time: HostTime;

  constructor(private readonly options: LocalDurableHostOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.time = options.time ?? { kind: 'virtual' };
    if (this.time.kind === 'virtual') this.time.onJump?.(() => this.fireDueAfterJump());
  }

  /** After the clock jumped: every active instance whose earliest timer is now due runs again. */
  private fireDueAfterJump(): void {
    const now = this.clock().getTime();
    for (const instance of this.instances.values()) {
      const timer = isActive(instance.status) ? this.earliestTimer(instance) : undefined;
      if (timer && timer.fireAt.getTime() <= now) this.drive(instance);
    }
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
        historyEvents.executionStarted(now, orchestratorName, wireInput, this.options.defaultVersion),
      ],
      actions: [],
      clock: now,
      handled: new Set(),
      timers: new Map(),
      openWork: new Map(),
      waitingForEvents: [],
      nextEvents: [],
      inFlight: 0,
      announced: new Set(),
      idle: false,
      listeners: [],
      inbox: [],
      forceTimer: false,
      episodeOpen: true,
      work: Promise.resolve(),
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

  /**
   * Resolves when the host has nothing left to do for now: finished, or blocked on an event or on a
   * timer it really waits for (no activity running, nothing to deliver).
   */
  waitForIdle(instanceId: string): Promise<LocalInstanceStatus> {
    const instance = this.mustGet(instanceId);
    return this.waitUntil(instanceId, () => instance.idle || TERMINAL.includes(instance.status));
  }

  /** Resolves when the instance is Completed or Failed (never, if it waits for an event nobody raises). */
  waitForCompletion(instanceId: string): Promise<LocalInstanceStatus> {
    return this.waitUntil(instanceId, (s) => TERMINAL.includes(s.runtimeStatus));
  }

  /**
   * Resolves with the instance's status as soon as `until` holds: now, or after a later episode.
   * Waiting costs nothing (no polling): the host checks the conditions when the instance changes.
   */
  waitUntil(
    instanceId: string,
    until: (status: LocalInstanceStatus) => boolean,
  ): Promise<LocalInstanceStatus> {
    const instance = this.mustGet(instanceId);
    const now = this.snapshot(instance);
    if (until(now)) return Promise.resolve(now);
    return new Promise((resolve) => instance.listeners.push({ until, resolve }));
  }

  /** Resolves the listeners whose condition now holds. */
  private notify(instance: Instance): void {
    if (instance.listeners.length === 0) return;
    const snapshot = this.snapshot(instance);
    const keep: Instance['listeners'] = [];
    for (const l of instance.listeners) {
      if (l.until(snapshot)) l.resolve(snapshot);
      else keep.push(l);
    }
    instance.listeners = keep;
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

  /**
   * Queues a run of the loop; runs for one instance never overlap. Each run starts on a fresh turn of
   * the event loop (setImmediate): an instance that only waits (for a lock, a timer) must never keep
   * the others' HTTP calls from completing.
   */
  private drive(instance: Instance): void {
    instance.idle = false;
    instance.work = instance.work
      .then(nextMacrotask)
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
    if (instance.wake) clearTimeout(instance.wake.handle);
    delete instance.wake;
    instance.idle = true;
    this.notify(instance);
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

  /** The earliest pending timer. */
  private earliestTimer(instance: Instance): { id: number; fireAt: Date } | undefined {
    if (instance.timers.size === 0) return undefined;
    const [id, fireAt] = [...instance.timers.entries()].reduce((a, b) => (b[1] < a[1] ? b : a));
    return { id, fireAt };
  }

  /**
   * Whether the instance may jump to its next timer (virtual time): no activity running, and no
   * event awaited but optional ones. A timer raced against an approval fires only when due or forced.
   */
  private maySkipTo(instance: Instance): boolean {
    if (this.time.kind !== 'virtual' || instance.inFlight > 0) return false;
    const optional = this.options.optionalEvents ?? [INTERRUPT_EVENT];
    return instance.waitingForEvents.every((e) => optional.includes(e));
  }

  /** The earliest timer, when it may fire now: due on the clock, skippable, or forced. */
  private takeDueTimer(instance: Instance): { id: number; fireAt: Date } | undefined {
    const timer = this.earliestTimer(instance);
    if (!timer) return undefined;
    const due = timer.fireAt.getTime() <= this.clock().getTime();
    if (!due && !instance.forceTimer && !this.maySkipTo(instance)) return undefined;
    instance.forceTimer = false;
    instance.timers.delete(timer.id);
    if (!due && this.time.kind === 'virtual') this.time.advanceTo?.(timer.fireAt.getTime());
    return timer;
  }

  /**
   * Arranges to run the loop again when the earliest timer is due (a real wait), and announces the
   * wait once when nothing else is going on for the instance.
   */
  private scheduleWake(instance: Instance, kinds: Map<number, OpenWork>): void {
    const timer = this.earliestTimer(instance);
    if (!timer) {
      if (instance.wake) clearTimeout(instance.wake.handle);
      delete instance.wake;
      return;
    }
    const at = timer.fireAt.getTime();
    if (instance.wake?.at !== at) {
      if (instance.wake) clearTimeout(instance.wake.handle);
      const delay = Math.max(0, at - this.clock().getTime());
      // The wake is forgotten when it fires: if the clock is still short of the timer then (a timer
      // fires by the monotonic clock, the host reads the wall clock, and they may disagree by a
      // millisecond or more), the loop schedules a new wake instead of waiting on one already spent.
      const handle = setTimeout(() => {
        if (instance.wake?.handle === handle) delete instance.wake;
        this.drive(instance);
      }, delay);
      // On virtual time a wait that is due on the clock only matters while something else keeps the
      // process alive (an activity racing a deadline); on wall time the wait itself is the work.
      if (this.time.kind === 'virtual') handle.unref();
      instance.wake = { at, handle };
    }
    const optional = this.options.optionalEvents ?? [INTERRUPT_EVENT];
    const onlyWaiting =
      instance.inFlight === 0 && instance.waitingForEvents.every((e) => optional.includes(e));
    if (this.options.onWait && onlyWaiting && !instance.announced.has(timer.id)) {
      instance.announced.add(timer.id);
      const work = kinds.get(timer.id);
      this.options.onWait({
        instanceId: instance.id,
        fireAt: timer.fireAt,
        seconds: Math.max(0, Math.round((at - this.clock().getTime()) / 1000)),
        kind: work?.kind === 'retry-timer' ? 'retry' : 'timer',
        ...(work?.kind === 'retry-timer' ? { activity: work.name, nextAttempt: work.nextAttempt } : {}),
        customStatus: instance.customStatus,
      });
    }
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
          if (!timer) {
            this.scheduleWake(instance, instance.openWork);
            instance.idle = instance.inFlight === 0;
            this.notify(instance);
            return;
          }
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
      instance.openWork = new Map(outcome.work.map((w) => [w.id, w]));
      const released = new Set(releasedLocks(outcome.actions));
      if (released.size > 0) this.releaseLocks(instance, (id) => released.has(id));
      // A timer the orchestrator cancelled (the loser of a race) is no longer open: never fire it.
      for (const id of [...instance.timers.keys()])
        if (!instance.openWork.has(id)) instance.timers.delete(id);

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
      for (const w of fresh) this.startActivity(instance, w);
      this.notify(instance);
    }
  }

  /**
   * Starts an activity without waiting for it: its completion is delivered in a later episode, like
   * the Functions host's work items, so the orchestrator can race it against a timer.
   */
  private startActivity(instance: Instance, w: OpenWork): void {
    if (w.kind === 'timer' || w.kind === 'retry-timer' || w.kind === 'lock') return;
    instance.inFlight += 1;
    void this.execute(instance, w).then((event) => {
      instance.inFlight -= 1;
      if (TERMINAL.includes(instance.status)) return;
      instance.nextEvents.push(event);
      this.drive(instance);
    });
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

  /** Runs an activity and returns its completion event (timers complete by firing, locks by a grant). */
  private async execute(
    instance: Instance,
    w: Extract<OpenWork, { kind: 'activity' | 'sub-orchestration' }>,
  ): Promise<HistoryEvent> {
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
      return historyEvents.taskCompleted(this.now(instance), w.id, result);
    } catch (err) {
      return historyEvents.taskFailed(this.now(instance), w.id, ensureError(err));
    }
  }
}
