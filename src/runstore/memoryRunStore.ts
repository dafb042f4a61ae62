/** The in-memory run store: one per local durable host (CLI, demo, tests); gone with the process. */
import { ProbeDoctorError } from '../errors';
import { serializeForStore, type RunStore } from './runStore';

/** A {@link RunStore} in a Map. Values are kept as JSON, so a reader never shares a writer's objects. */
export class MemoryRunStore implements RunStore {
  private readonly values = new Map<string, string>();

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

  get<T>(ref: string): Promise<T> {
    const json = this.values.get(ref);
    if (json === undefined) return Promise.reject(new ProbeDoctorError(`the run store has no value ${ref}`));
    return Promise.resolve(JSON.parse(json) as T);
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
