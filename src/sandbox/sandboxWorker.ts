/**
 * The entry point of a sandbox worker thread (started by workerSandbox.ts): hosts any number of
 * sandboxes (server.ts, unchanged) on this thread's own event loop, each on a
 * {@link SharedSkippableClock} its owner moves, and answers the owner's requests
 * (workerProtocol.ts).
 */
import { parentPort } from 'node:worker_threads';
import { ensureError } from '../errors';
import { SharedSkippableClock } from './sharedClock';
import { startSandbox, type Sandbox } from './server';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('sandboxWorker runs only as a worker thread (see workerSandbox.ts)');

const sandboxes = new Map<number, { sandbox: Sandbox; clock: SharedSkippableClock }>();

function reply(message: WorkerReply): void {
  port!.postMessage(message);
}

function hosted(id: number): { sandbox: Sandbox; clock: SharedSkippableClock } {
  const found = sandboxes.get(id);
  if (!found) throw new Error(`no sandbox ${id} in this worker (already stopped?)`);
  return found;
}

async function handle(request: Exclude<WorkerRequest, { type: 'jump' }>): Promise<WorkerReply> {
  switch (request.type) {
    case 'start': {
      const clock = new SharedSkippableClock(request.clock);
      const sandbox = await startSandbox({ ...request.settings, clock });
      sandboxes.set(request.sandbox, { sandbox, clock });
      return {
        type: 'started',
        id: request.id,
        endpoint: sandbox.endpoint,
        ca: sandbox.ca,
        time: sandbox.time,
      };
    }
    case 'requestLog':
      return { type: 'requestLog', id: request.id, log: hosted(request.sandbox).sandbox.requestLog };
    case 'stop': {
      const found = sandboxes.get(request.sandbox);
      sandboxes.delete(request.sandbox);
      await found?.sandbox.stop();
      return { type: 'stopped', id: request.id };
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  // The new time is already in shared memory; the message only wakes what waits on the clock.
  if (request.type === 'jump') {
    sandboxes.get(request.sandbox)?.clock.notifyJump();
    return;
  }
  handle(request).then(reply, (err: unknown) =>
    reply({ type: 'failed', id: request.id, message: ensureError(err).message }),
  );
});
