/**
 * The sandbox on its own thread. In production Azure's work (building an 838 KB load balancer answer,
 * the probes' truth, the server side of TLS) runs on Microsoft's servers, not on the product's CPU; a
 * sandbox in the product's process charges all of it to the product's event loop. A worker thread
 * (node:worker_threads: its own event loop and V8 isolate, another core when there is one) hosts the
 * same sandbox (server.ts, unchanged) so a local run and the scale benchmark see Azure's CPU where it
 * belongs.
 *
 * Time stays one: each sandbox reads a {@link SharedSkippableClock} its owner moves (the local durable
 * host skipping a timer, the SDK's Retry-After policy), whose offset is shared memory, so the next
 * request sees the jump; the jump is also posted to the worker to wake the sandbox's waits on the
 * clock (an ARM round trip, a held poll).
 *
 * Only plain JSON crosses into the worker (the scenario and the other options): injected `views`
 * (functions) cannot, and are refused with one error naming the first value that cannot cross.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { InvalidInputError } from '../errors';
import type { RequestLogEntry } from './requestLog';
import { jsonPath } from './scenario';
import { SharedSkippableClock } from './sharedClock';
import type { TimeModel } from './timeModel';
import type { WorkerReply, WorkerRequest, WorkerSandboxSettings } from './workerProtocol';

export type { WorkerSandboxSettings } from './workerProtocol';

/** A sandbox served from a worker thread: what a run against it needs. */
export interface WorkerSandbox {
  /** `https://127.0.0.1:PORT` */
  endpoint: string;
  /** PEM of the sandbox's self-signed certificate; clients pass it as `tlsOptions: { ca }`. */
  ca: string;
  /** The sandbox's time, shared with the worker: pass it as the sandbox target's `clock`. */
  clock: SharedSkippableClock;
  /** The time model the sandbox resolved (timeModel.ts). */
  time: TimeModel;
  /** A copy of the requests the sandbox answered so far, oldest first (requestLog.ts). */
  requestLog(): Promise<RequestLogEntry[]>;
  /** Stops the sandbox's server (and, for {@link startSandboxInWorker}, its thread). Idempotent. */
  stop(): Promise<void>;
}

/** A value that cannot cross to a worker as plain JSON: where it is (a JSON path) and what it is. */
export interface NotPlainJson {
  where: string;
  what: string;
}

/**
 * The first value in `value` that cannot cross to a worker as plain JSON, or undefined when all can:
 * null, booleans, finite numbers, strings, arrays and plain objects of those, and `undefined` as an
 * absent property. (Structured clone would carry a Map or a Date too, but a scenario is JSON: anything
 * else in it is a mistake worth naming.)
 */
export function notPlainJson(value: unknown, path: readonly PropertyKey[] = []): NotPlainJson | undefined {
  const found = (what: string): NotPlainJson => ({ where: jsonPath(path), what });
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : found(`${value}, not a JSON number`);
    case 'undefined':
      return path.length > 0 ? undefined : found('undefined');
    case 'function':
      return found('a function');
    case 'symbol':
    case 'bigint':
      return found(`a ${typeof value}`);
  }
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = notPlainJson(value[i], [...path, i]);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  // A plain object's prototype is some realm's Object.prototype (whose own prototype is null).
  if (proto !== null && Object.getPrototypeOf(proto) !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return found(`a ${name ?? 'non-plain object'}, not a plain object`);
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const problem = notPlainJson(item, [...path, key]);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * How the worker is started. Compiled, it runs sandboxWorker.js beside this file. From TypeScript
 * sources (ts-jest, which transforms only the test thread) the worker has no transformer, so a small
 * bootstrap transpiles the sandbox's `.ts` files one by one with the `typescript` package (present
 * wherever the sources are, as a devDependency) before loading the entry.
 */
function workerScript(): { script: string; eval: boolean } {
  if (!__filename.endsWith('.ts')) return { script: join(__dirname, 'sandboxWorker.js'), eval: false };
  const entry = join(__dirname, 'sandboxWorker.ts');
  const typescript = require.resolve('typescript');
  const bootstrap = `
    const ts = require(${JSON.stringify(typescript)});
    const { readFileSync } = require('node:fs');
    const compilerOptions = {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      resolveJsonModule: true,
    };
    require.extensions['.ts'] = (module, fileName) => {
      const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), { fileName, compilerOptions });
      module._compile(outputText, fileName);
    };
    require(${JSON.stringify(entry)});
  `;
  readFileSync(entry); // fail here, with the path, if the sources are incomplete
  return { script: bootstrap, eval: true };
}

/** A request to the worker before {@link SandboxThread} gives it its id. */
type Call =
  Exclude<WorkerRequest, { type: 'jump' }> extends infer R
    ? R extends { id: number }
      ? Omit<R, 'id'>
      : never
    : never;

/** Pending requests to the worker, by id. */
type Pending = Map<number, { resolve: (reply: WorkerReply) => void; reject: (err: Error) => void }>;

/**
 * One worker thread hosting sandboxes. Start it with {@link SandboxThread.start}, start sandboxes in
 * it, and {@link SandboxThread.terminate} it when done: a live thread keeps the process running.
 * Several sandboxes may share a thread one after another (a benchmark's warm-up and measured runs),
 * so the sandbox's code is as warm as Azure's.
 */
export class SandboxThread {
  private readonly pending: Pending = new Map();
  private nextId = 1;
  private exited: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiting?.resolve(reply);
    });
    const fail = (err: Error): void => {
      this.exited ??= err;
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(new Error(`the sandbox worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`the sandbox worker has exited (code ${code})`)));
  }

  /** Starts a worker thread and resolves once it runs. */
  static async start(): Promise<SandboxThread> {
    const { script, eval: isEval } = workerScript();
    const worker = new Worker(script, { eval: isEval });
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    return new SandboxThread(worker);
  }

  /**
   * Starts a sandbox in this thread (server.ts `startSandbox`, with `settings` and a clock shared
   * with the caller) and resolves once it listens.
   * @throws InvalidInputError when `settings` hold anything but plain JSON (injected `views`, a
   * class instance, a function anywhere in the scenario), before anything is started.
   */
  async startSandbox(settings: WorkerSandboxSettings): Promise<WorkerSandbox> {
    assertPlainJson(settings);
    const clock = new SharedSkippableClock();
    const sandbox = this.nextId++;
    const started = await this.call({ type: 'start', sandbox, settings, clock: clock.buffer });
    if (started.type !== 'started')
      throw new Error(`unexpected answer from the sandbox worker: ${started.type}`);
    const unsubscribe = clock.onJump(() => this.post({ type: 'jump', sandbox }));
    let stopped: Promise<void> | undefined;
    return {
      endpoint: started.endpoint,
      ca: started.ca,
      clock,
      time: started.time,
      requestLog: async () => {
        const answer = await this.call({ type: 'requestLog', sandbox });
        if (answer.type !== 'requestLog')
          throw new Error(`unexpected answer from the sandbox worker: ${answer.type}`);
        return answer.log;
      },
      stop: () =>
        (stopped ??= (async () => {
          unsubscribe();
          if (!this.exited) await this.call({ type: 'stop', sandbox });
        })()),
    };
  }

  /**
   * How busy the thread's event loop has been (perf_hooks `eventLoopUtilization`), since `previous`
   * if given: what a benchmark reads to see the sandbox's work off the product's thread.
   */
  eventLoopUtilization(previous?: EventLoopUtilization): EventLoopUtilization {
    return this.worker.performance.eventLoopUtilization(previous);
  }

  /** Ends the thread (and every sandbox still in it); resolves once it has exited. */
  async terminate(): Promise<void> {
    if (this.exited) return;
    await this.worker.terminate();
  }

  private post(request: WorkerRequest): void {
    if (!this.exited) this.worker.postMessage(request);
  }

  /** Sends a request with a fresh id; resolves with the reply, rejects with a `failed` reply's message. */
  private async call(request: Call): Promise<WorkerReply> {
    if (this.exited) throw this.exited;
    const id = this.nextId++;
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
    if (reply.type === 'failed') throw new Error(reply.message);
    return reply;
  }
}

function assertPlainJson(settings: WorkerSandboxSettings): void {
  const problem = notPlainJson(settings);
  if (problem) {
    throw new InvalidInputError(
      `a sandbox in a worker thread takes plain JSON options: ${problem.where} is ${problem.what} ` +
        '(only data crosses threads; start this sandbox in-process)',
      problem.where,
    );
  }
}

/**
 * Starts a sandbox in a thread of its own; `stop()` stops it and ends the thread. The caller must
 * stop it (a live thread keeps the process running).
 * @throws InvalidInputError when `settings` hold anything but plain JSON, before a thread is started.
 */
export async function startSandboxInWorker(settings: WorkerSandboxSettings): Promise<WorkerSandbox> {
  assertPlainJson(settings);
  const thread = await SandboxThread.start();
  try {
    const sandbox = await thread.startSandbox(settings);
    return {
      ...sandbox,
      stop: async () => {
        try {
          await sandbox.stop();
        } finally {
          await thread.terminate();
        }
      },
    };
  } catch (err) {
    await thread.terminate();
    throw err;
  }
}
