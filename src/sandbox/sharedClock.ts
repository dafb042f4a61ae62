/**
 * A {@link SkippableClock} that two threads read: the product's thread (the local durable host and
 * the SDK's Retry-After policy move it) and the worker thread that hosts the sandbox
 * (workerSandbox.ts), so the sandbox runs on its own core while the run's virtual time works as in
 * one process.
 *
 * The clock's lead over wall time (ms skipped so far) lives in a SharedArrayBuffer, read and written
 * with Atomics: a jump made on one thread is visible to the other at once, before any HTTP request
 * the mover sends next, so the sandbox answers that request at the new time. Jump listeners are per
 * thread: a thread that did not move the clock learns of the jump by message
 * ({@link SharedSkippableClock.notifyJump}), which wakes its waits on the clock (clock.ts
 * `waitUntil`).
 */
import { preciseNow, type AdvanceableClock } from './clock';

/** One 64-bit cell: the skipped milliseconds as an IEEE 754 double, stored by its bits. */
const CELL_BYTES = 8;

// Atomics work on integer arrays only: a double crosses as its 64 bits through these two views.
const scratchFloat = new Float64Array(1);
const scratchBits = new BigInt64Array(scratchFloat.buffer);

function toBits(ms: number): bigint {
  scratchFloat[0] = ms;
  return scratchBits[0] as bigint;
}

function fromBits(bits: bigint): number {
  scratchBits[0] = bits;
  return scratchFloat[0] as number;
}

/**
 * Wall time plus a shared skipped offset. Build it with no argument on the thread that owns the run,
 * and from its {@link SharedSkippableClock.buffer} on another thread: both read the same time.
 */
export class SharedSkippableClock implements AdvanceableClock {
  /** The shared memory to hand to another thread (via `workerData` or `postMessage`). */
  readonly buffer: SharedArrayBuffer;
  private readonly cell: BigInt64Array;
  private readonly listeners = new Set<() => void>();

  /**
   * @param buffer another thread's {@link SharedSkippableClock.buffer} (at least 8 bytes); omitted: a
   * new clock that starts at wall time.
   * @throws RangeError when the buffer is shorter than 8 bytes.
   */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(CELL_BYTES)) {
    if (buffer.byteLength < CELL_BYTES) {
      throw new RangeError(`a shared clock needs ${CELL_BYTES} bytes, got ${buffer.byteLength}`);
    }
    this.buffer = buffer;
    this.cell = new BigInt64Array(buffer, 0, 1);
  }

  /** Milliseconds since the epoch: wall time plus what was skipped, on every thread alike. */
  now(): number {
    return preciseNow() + this.skippedMs;
  }

  /** Milliseconds skipped so far (the clock's lead over wall time). */
  get skippedMs(): number {
    return fromBits(Atomics.load(this.cell, 0));
  }

  /**
   * Moves the clock forward by `ms` (>= 0) without waiting, and calls this thread's jump listeners.
   * Other threads see the new time at once; their listeners run only when told ({@link notifyJump}).
   * @throws RangeError for a negative or non-numeric `ms`.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance the sandbox clock by ${ms} ms`);
    // Compare-and-swap, so a move from any thread adds to the offset rather than overwriting it.
    for (;;) {
      const before = Atomics.load(this.cell, 0);
      const after = toBits(fromBits(before) + ms);
      if (Atomics.compareExchange(this.cell, 0, before, after) === before) break;
    }
    if (ms > 0) this.notifyJump();
  }

  /** Moves the clock forward to `epochMs` if that is later than now. */
  advanceTo(epochMs: number): void {
    const gap = epochMs - this.now();
    if (gap > 0) this.advance(gap);
  }

  /** Calls `listener` after each jump this thread makes or is told of; returns the unsubscribe function. */
  onJump(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs this thread's jump listeners: for a thread told (by message) that another one moved the clock. */
  notifyJump(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
