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
  private skippedMs = 0;

  now(): number {
    return Date.now() + this.skippedMs;
  }

  /** Moves the clock forward by `ms` (>= 0) without waiting. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance the sandbox clock by ${ms} ms`);
    this.skippedMs += ms;
  }

  /** Moves the clock forward to `epochMs` if that is later than now. */
  advanceTo(epochMs: number): void {
    const gap = epochMs - this.now();
    if (gap > 0) this.skippedMs += gap;
  }
}
