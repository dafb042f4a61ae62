/** The in-memory run store: one per local durable host (CLI, demo, tests); gone with the process. */
import { randomBytes } from 'node:crypto';
import { ProbeDoctorError } from '../errors';
import { frozenAsJson, snapshotOf } from './snapshot';
import type { PutOptions, RunStore } from './runStore';

/**
 * A {@link RunStore} in a Map. What a reader gets is what a store that keeps JSON would give back
 * (the JSON round trip of what the writer put), but kept as frozen objects instead of JSON text:
 * {@link snapshotOf} copies the value once, at the put, and every read of the ref gets that one copy.
 * Frozen all the way down, no reader can change what the next one is given (a write to it throws),
 * and a writer that changes its value after the put changes nothing. A writer that hands its value
 * over ({@link PutOptions.handOver}: nothing will change it) has the value itself kept, changed in
 * place into its round trip and frozen: no copy, which at a thousand backends was a megabyte of young
 * objects per value, made only for the writer's own to become garbage.
 *
 * A ref is written once and never reused, so it names one content for the life of the store: each put
 * gets a new ref (`${runId}/${name}/${16 hex}`: this store's random prefix and a sequence number).
 * It carries no hash of the content, as the blob store's does: in one process nothing is put twice by
 * a re-run activity, and hashing the value would mean printing it as JSON, the megabyte of work per
 * value (at a thousand backends, for the topology, the health, the diagnosis, the report) this store
 * exists to save on the run's critical path.
 */
export class MemoryRunStore implements RunStore {
  private readonly values = new Map<string, unknown>();
  /** Tells this store's refs from another's (a ref from an earlier process finds nothing here). */
  private readonly prefix = randomBytes(4).toString('hex');
  private sequence = 0;

  /**
   * Keeps a frozen copy of `value`, or with `handOver` the value itself, changed in place into its
   * JSON round trip and frozen ({@link frozenAsJson}): the writer said nothing will change it.
   */
  put(runId: string, name: string, value: unknown, options: PutOptions = {}): Promise<string> {
    try {
      const kept = options.handOver ? frozenAsJson(value) : snapshotOf(value);
      if (kept === undefined) throw new TypeError(`the run store cannot keep ${name}: it is not JSON`);
      this.sequence += 1;
      const ref = `${runId}/${name}/${this.prefix}${this.sequence.toString(16).padStart(8, '0')}`;
      this.values.set(ref, kept);
      return Promise.resolve(ref);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The value under `ref`, read-only (frozen): the same object on every read of that ref. */
  get<T>(ref: string): Promise<T> {
    if (!this.values.has(ref))
      return Promise.reject(new ProbeDoctorError(`the run store has no value ${ref}`));
    return Promise.resolve(this.values.get(ref) as T);
  }

  /** How many values are stored (for tests and benchmarks). */
  get size(): number {
    return this.values.size;
  }

  /** Total JSON length of the stored values (for benchmarks; printed when asked, not at each put). */
  get bytes(): number {
    let total = 0;
    for (const value of this.values.values()) total += JSON.stringify(value).length;
    return total;
  }
}
