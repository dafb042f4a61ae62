/**
 * A watchdog for tests whose regression is a blocked event loop (a microtask loop that never yields,
 * as the one-host livelock of issue 12 was). Jest's own timeout is a timer on that same loop, so it
 * never fires and such a test would hang until CI's limit. The watchdog lives on a worker thread: the
 * test's thread bumps a shared counter from a timer, and when the counter has not moved for
 * `limitMs` the worker prints one line naming the test and why, then ends the process with SIGKILL
 * (a thread cannot interrupt another thread's loop), so the test file fails within seconds.
 */
import { Worker } from 'node:worker_threads';

/** A running watchdog: `stop()` before the test ends (always, in a finally). */
export interface EventLoopWatchdog {
  stop(): Promise<void>;
}

const WATCHER = `
const { workerData } = require('node:worker_threads');
const beats = new Int32Array(workerData.buffer);
let last = Atomics.load(beats, 0);
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(beats, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since >= workerData.limitMs) {
    // fd 2 directly: a worker's process.stderr is relayed by the blocked thread and would say nothing.
    require('node:fs').writeSync(2, '\\nFAILED: ' + workerData.what + ': the event loop of the test has been blocked for ' +
      Math.round((Date.now() - since) / 1000) + ' s (a microtask loop that never yields: ' + workerData.why +
      '); ending the test process now instead of hanging.\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

/**
 * Starts watching the current thread's event loop.
 *
 * @param what the test, as the failure line names it
 * @param why what a blocked loop means here (the regression to look for)
 * @param limitMs how long the loop may stay blocked; well above any legitimate synchronous stretch
 */
export function watchEventLoop(what: string, why: string, limitMs = 30_000): EventLoopWatchdog {
  const buffer = new SharedArrayBuffer(4);
  const beats = new Int32Array(buffer);
  const beat = setInterval(() => Atomics.add(beats, 0, 1), 100);
  const worker = new Worker(WATCHER, { eval: true, workerData: { buffer, limitMs, what, why } });
  worker.unref();
  return {
    stop: async () => {
      clearInterval(beat);
      await worker.terminate();
    },
  };
}
