/**
 * The sandbox's sense of time. Everything in the sandbox that Azure does "after a while" (a probe
 * re-evaluating after `intervalInSeconds x probeThreshold`, a long-running operation finishing, a
 * Run Command holding its VM) reads this clock, never `Date.now()` directly, so that:
 * - the standalone `probe-doctor sandbox` runs on wall time (a live-mode client really waits), and
 * - an in-process sandbox can share the local durable host's clock, which jumps forward when the
 *   host fires a durable timer (the only reason an in-process run may fast-forward).
 */

/** Milliseconds since the epoch, as `Date.now()` gives them (with a fraction: {@link preciseNow}). */
export interface SandboxClock {
  now(): number;
  /**
   * Calls `listener` whenever the clock jumps forward (not as wall time passes), so a wait on this
   * clock ends as soon as its time is reached. Returns the unsubscribe function. Absent: never jumps.
   */
  onJump?(listener: () => void): () => void;
}

/** A clock a local durable host may move forward (an in-process sandbox shares it with the host). */
export interface AdvanceableClock extends SandboxClock {
  /** Moves the clock forward to `epochMs` if that is later than now. */
  advanceTo(epochMs: number): void;
}

/**
 * Milliseconds since the epoch to a fraction of one (`performance.timeOrigin + performance.now()`),
 * where `Date.now()` counts whole ones. The time model's figures are that fine at the benchmark's
 * scale (an ARM round trip is 1.5 ms at 0.01): on whole milliseconds a request received late in one
 * was taken to have waited from its start, and its answer went out anywhere from 1 to 2 ms later.
 * Both threads of a worker sandbox read the same epoch this way (each thread's own origin and
 * monotonic time), to within the microseconds a message between them takes.
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Wall time. */
export const wallClock: SandboxClock = { now: preciseNow };

/**
 * A clock that starts at wall time and moves only when told to, plus the wall time elapsed since it
 * was created: advancing it by a timer's duration makes the sandbox see that much time pass at once.
 */
export class SkippableClock implements AdvanceableClock {
  private skipped = 0;
  private readonly listeners = new Set<() => void>();

  now(): number {
    return preciseNow() + this.skipped;
  }

  /** Milliseconds skipped so far (the clock's lead over wall time). */
  get skippedMs(): number {
    return this.skipped;
  }

  /** Moves the clock forward by `ms` (>= 0) without waiting. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance the sandbox clock by ${ms} ms`);
    this.skipped += ms;
    if (ms > 0) this.notify();
  }

  /** Moves the clock forward to `epochMs` if that is later than now. */
  advanceTo(epochMs: number): void {
    const gap = epochMs - this.now();
    if (gap > 0) this.advance(gap);
  }

  onJump(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Resolves once `clock` reads `epochMs` or later: on wall time that is a real wait; on a
 * {@link SkippableClock} it ends early when the clock is moved past it.
 *
 * Timers count whole milliseconds and fire a loop turn after their time, so a timer is only set for
 * the whole milliseconds left, and the fraction after it is waited out a turn of the event loop at a
 * time (other requests are answered meanwhile): an answer due 1.5 ms after its request goes out then,
 * not 2-3 ms after, which at the benchmark's scale is most of an ARM round trip again.
 */
export async function waitUntil(clock: SandboxClock, epochMs: number): Promise<void> {
  for (let left = epochMs - clock.now(); left > 0; left = epochMs - clock.now()) {
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let turn: NodeJS.Immediate | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        if (turn) clearImmediate(turn);
        unsubscribe?.();
        resolve();
      };
      if (left >= 1) timer = setTimeout(done, Math.floor(left));
      else turn = setImmediate(done);
      const unsubscribe = clock.onJump?.(done);
    });
  }
}

/** Waits `ms` of the clock's time (nothing for 0 or less). */
export function sleepOn(clock: SandboxClock, ms: number): Promise<void> {
  return ms > 0 ? waitUntil(clock, clock.now() + ms) : Promise.resolve();
}
