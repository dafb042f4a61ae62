/**
 * The messages between a thread that owns sandboxes in a worker (workerSandbox.ts) and the worker
 * that hosts them (sandboxWorker.ts). Everything here crosses by structured clone, so it is plain
 * data; the one shared object is each sandbox's clock buffer (sharedClock.ts).
 */
import type { RequestLogEntry } from './requestLog';
import type { SandboxOptions } from './server';
import type { TimeModel } from './timeModel';

/** What a worker sandbox is started with: the options of `startSandbox` that are plain data. */
export type WorkerSandboxSettings = Omit<SandboxOptions, 'clock' | 'views'>;

/** Owner -> worker. `id` pairs a request with its {@link WorkerReply}. */
export type WorkerRequest =
  | { type: 'start'; id: number; sandbox: number; settings: WorkerSandboxSettings; clock: SharedArrayBuffer }
  | { type: 'requestLog'; id: number; sandbox: number }
  | { type: 'stop'; id: number; sandbox: number }
  /** The owner moved `sandbox`'s clock: wake the waits on it (no reply). */
  | { type: 'jump'; sandbox: number };

/** Worker -> owner: the answer to the request with the same `id`, or why it failed. */
export type WorkerReply =
  | { type: 'started'; id: number; endpoint: string; ca: string; time: TimeModel }
  | { type: 'requestLog'; id: number; log: RequestLogEntry[] }
  | { type: 'stopped'; id: number }
  | { type: 'failed'; id: number; message: string };
