/**
 * The sandbox clock's waits (src/sandbox/clock.ts): a wait ends when the clock reads its time, not a
 * timer's whole millisecond later, and never before it.
 */
import { preciseNow, SkippableClock, waitUntil, type SandboxClock } from '../../src/sandbox/clock';

/** A clock that reads the given times, one per call, then the last one for ever. */
function clockReading(...times: number[]): SandboxClock & { reads: number } {
  const clock = {
    reads: 0,
    now: () => times[Math.min(clock.reads++, times.length - 1)] as number,
  };
  return clock;
}

describe('waitUntil', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('waits out a fraction of a millisecond a turn of the event loop at a time, with no timer', async () => {
    // Prepare: 0.4 ms left, then 0.1, then the time is reached.
    const clock = clockReading(100.6, 100.9, 101);
    const timers = jest.spyOn(global, 'setTimeout');
    const turns = jest.spyOn(global, 'setImmediate');
    // Act
    await waitUntil(clock, 101);
    // Assess
    expect(timers).not.toHaveBeenCalled();
    expect(turns).toHaveBeenCalledTimes(2);
  });

  it('sets a timer for the whole milliseconds left only, the fraction after it by turns', async () => {
    // Prepare: 2.5 ms left; after the timer 0.3 ms; then the time is reached.
    const clock = clockReading(10, 12.2, 12.5);
    const timers = jest.spyOn(global, 'setTimeout');
    const turns = jest.spyOn(global, 'setImmediate');
    // Act
    await waitUntil(clock, 12.5);
    // Assess
    expect(timers.mock.calls.map((call) => call[1])).toEqual([2]);
    expect(turns).toHaveBeenCalledTimes(1);
  });

  it('never ends before the clock reads its time', async () => {
    // Prepare
    const clock = new SkippableClock();
    const due = clock.now() + 3.5;
    // Act
    await waitUntil(clock, due);
    // Assess
    expect(clock.now()).toBeGreaterThanOrEqual(due);
  });

  it('ends at once when the clock is moved past its time', async () => {
    // Prepare: an hour away.
    const clock = new SkippableClock();
    const waiting = waitUntil(clock, clock.now() + 3_600_000);
    // Act
    clock.advance(3_600_000);
    // Assess
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe('preciseNow', () => {
  it('reads the epoch as Date.now does, with a fraction', () => {
    // Act
    const before = Date.now();
    const now = preciseNow();
    const after = Date.now();
    // Assess: within Date.now's whole milliseconds, give or take the fixed fraction by which the two
    // sources differ in a process (0.02-0.12 ms measured; a 2 ms margin).
    expect(now).toBeGreaterThanOrEqual(before - 2);
    expect(now).toBeLessThanOrEqual(after + 2);
  });
});
