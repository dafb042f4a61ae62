/** The in-memory run store: one per local durable host (CLI, demo, tests); gone with the process. */
import { ProbeDoctorError } from '../errors';
import { deepFreeze } from '../util/deepFreeze';
import { serializeForStore, type RunStore } from './runStore';

/**
 * A {@link RunStore} in a Map. Values are kept as JSON, as every store keeps them, so what a reader
 * gets is the JSON round trip of what the writer put, never the writer's own objects.
 *
 * A ref names its content (its hash) and is written once, so the value read back under a ref never
 * changes: it is parsed on its first read and that one parse, frozen all the way down, is what every
 * later read of the ref gets (the topology of a thousand backends is read by every activity after
 * discovery; parsing it once per run, not once per activity, is what this saves). Frozen, no reader can
 * change what the next one is given: a write to it throws.
 */
export class MemoryRunStore implements RunStore {
  private readonly values = new Map<string, string>();
  /** The parsed, frozen value of each ref read so far. */
  private readonly parsed = new Map<string, unknown>();

  put(runId: string, name: string, value: unknown): Promise<string> {
    try {
      const { ref, json } = serializeForStore(runId, name, value);
      // Same ref means same content: nothing to write again.
      if (!this.values.has(ref)) this.values.set(ref, json);
      return Promise.resolve(ref);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The value under `ref`, read-only (frozen): the same object on every read of that ref. */
  get<T>(ref: string): Promise<T> {
    if (this.parsed.has(ref)) return Promise.resolve(this.parsed.get(ref) as T);
    const json = this.values.get(ref);
    if (json === undefined) return Promise.reject(new ProbeDoctorError(`the run store has no value ${ref}`));
    const value = deepFreeze(JSON.parse(json) as unknown);
    this.parsed.set(ref, value);
    return Promise.resolve(value as T);
  }

  /** How many values are stored (for tests and benchmarks). */
  get size(): number {
    return this.values.size;
  }

  /** Total JSON length of the stored values (for benchmarks). */
  get bytes(): number {
    let total = 0;
    for (const json of this.values.values()) total += json.length;
    return total;
  }
}
