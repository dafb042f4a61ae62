/**
 * The run store port: large per-run values (the topology, the evidence, the diagnosis) are kept
 * outside the durable history, which stores every activity input and result. Activities put a value
 * and hand the orchestrator a short ref; later activities get the value back by that ref.
 */
import { createHash } from 'node:crypto';

/**
 * Write-once storage of one run's values. A ref names the run, the value's name and a hash of its
 * content, so a value is never overwritten: putting identical content again returns the same ref,
 * and different content under the same name gets a different ref (an activity re-run after a lost
 * completion may see newer data; the ref the history recorded decides which copy is used).
 */
export interface RunStore {
  /** Stores `value` (JSON-serializable) and returns its ref. */
  put(runId: string, name: string, value: unknown, options?: PutOptions): Promise<string>;
  /** The value stored under `ref`; rejects when there is none. */
  get<T>(ref: string): Promise<T>;
}

/** How a value is handed to {@link RunStore.put}. */
export interface PutOptions {
  /**
   * The writer hands the value over: neither it nor anything else will change the value, or any
   * object in it, after the put. A store that keeps values in memory may then keep the value itself,
   * frozen (a later write to it throws), instead of a copy; a store that keeps JSON prints it as
   * always. Readers get the same either way: what the JSON round trip of the value gives.
   */
  handOver?: boolean;
}

/** A value serialized the way every store keeps it, with its content ref. */
export interface SerializedValue {
  ref: string;
  json: string;
}

/** Serializes `value` and derives its ref: `${runId}/${name}/${first 16 hex of sha256(json)}`. */
export function serializeForStore(runId: string, name: string, value: unknown): SerializedValue {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`the run store cannot keep ${name}: it is not JSON`);
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
  return { ref: `${runId}/${name}/${hash}`, json };
}
