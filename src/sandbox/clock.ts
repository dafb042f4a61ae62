/**
 * The sandbox's sense of time. Everything in the sandbox that Azure does "after a while" (a probe
 * re-evaluating after `intervalInSeconds x probeThreshold`, a long-running operation finishing, a
 * Run Command holding its VM) reads this clock, never `Date.now()` directly, so that:
 * - the standalone `probe-doctor sandbox` runs on wall time (a live-mode client really waits), and
 * - an in-process sandbox can share the local durable host's clock, which jumps forward when the
 *   host fires a durable timer (the only reason an in-process run may fast-forward).
 */

/** Milliseconds since the epoch, as `Date.now()` gives them. */
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

/** Wall time. */
export const wallClock: SandboxClock = { now: () => Date.now() };

/**
 * A clock that starts at wall time and moves only when told to, plus the wall time elapsed since it
 * was created: advancing it by a timer's duration makes the sandbox see that much time pass at once.
 */
export class SkippableClock implements AdvanceableClock {
  private skipped = 0;
  private readonly listeners = new Set<() => void>();

  now(): number {
    return Date.now() + this.skipped;
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
 */
export async function waitUntil(clock: SandboxClock, epochMs: number): Promise<void> {
  while (clock.now() < epochMs) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe?.();
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.ceil(epochMs - clock.now())));
      const unsubscribe = clock.onJump?.(done);
    });
  }
}

/** Waits `ms` of the clock's time (nothing for 0 or less). */
export function sleepOn(clock: SandboxClock, ms: number): Promise<void> {
  return ms > 0 ? waitUntil(clock, clock.now() + ms) : Promise.resolve();
}
