/**
 * The sandbox's one thread, shared between requests the way ARM's many front ends are not: a large
 * answer is serialized ({@link stringifyInSlices}) and written ({@link writeInSlices}) in slices, with a
 * turn of the event loop between slices, so a request that arrives meanwhile is answered in between.
 *
 * Why: the sandbox stands in for all of Azure on one thread. Serializing a load balancer of 1,000 pool
 * members (838 KB) takes it ~8 ms on a small machine, and encrypting and writing it another 3-5 ms; the
 * rule-health POST sent right behind the load balancer's GET used to wait for both before its
 * operation even started. ARM answers concurrent requests on separate front ends: the POST would not
 * wait. Slicing keeps the sandbox's total work the same (the product's too) and only changes its order.
 *
 * Serializing: the value is walked once, without entering any long array (at least
 * {@link LONG_ARRAY} elements), to find the containers that hold one. A value with none is
 * `JSON.stringify`'d at once. Otherwise the text is written along the path to the long arrays, each
 * element of a long array is `JSON.stringify`'d on its own, and after an element that ends a slice
 * the writer waits one turn of the event loop (`setImmediate`: pending I/O, such as a new request,
 * runs first). The text is exactly `JSON.stringify(value)` for data of own data properties (the
 * sandbox's answers are parsed JSON, frozen copies and plain objects): `undefined`, functions and
 * symbols left out of objects and written `null` in arrays, `toJSON` called with its key, a boxed
 * primitive and anything under a `toJSON` written by `JSON.stringify` itself
 * (test/sandbox/slicing.test.ts checks it over generated values). A cycle throws the same TypeError.
 * A getter is read twice (once to find the long arrays, once to write), so one that changes between
 * reads is not written as JSON.stringify would.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/** Arrays at least this long are written element by element, with a chance to yield between elements. */
export const LONG_ARRAY = 64;

/** How the writer shares the thread. */
export interface SliceOptions {
  /** Milliseconds of work per slice before the writer yields; default 1. */
  sliceMs?: number;
  /** One turn of the event loop; default `setImmediate`. */
  yieldTurn?: () => Promise<void>;
  /** Milliseconds, monotonic; default `performance.now`. */
  now?: () => number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** True for a value JSON.stringify writes through its `toJSON` (a Date, or any object that has one). */
function hasToJSON(value: unknown): value is { toJSON: (key: string) => unknown } {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  );
}

/**
 * An array, or an object JSON.stringify writes from its own enumerable properties: not one with
 * `toJSON` (a Date), not a boxed primitive. Tested by tag rather than prototype, so an object from
 * another realm (structuredClone's, in a test runner's sandbox) counts as what it is.
 */
function isPlainContainer(value: object): boolean {
  if (hasToJSON(value)) return false;
  return Array.isArray(value) || Object.prototype.toString.call(value) === '[object Object]';
}

/**
 * What JSON.stringify writes for `item` held under `key`, or undefined where it writes nothing
 * (undefined, a function, a symbol, or a `toJSON` that gives one of those). `toJSON` is called with
 * the key, as JSON.stringify calls it: the item is written under that key and cut out.
 */
function textOf(item: unknown, key: string): string | undefined {
  if (hasToJSON(item)) {
    const wrapped = JSON.stringify({ [key]: item });
    return wrapped === '{}' ? undefined : wrapped.slice(JSON.stringify(key).length + 2, -1);
  }
  // Typed string, but undefined for what JSON leaves out (undefined, a function, a symbol).
  return JSON.stringify(item);
}

/** The elements or property values of a plain container. */
function childrenOf(container: object): unknown[] {
  return Array.isArray(container) ? container : Object.values(container);
}

/**
 * The plain containers that hold a long array somewhere below them (the long arrays included), or
 * undefined when the walk meets a cycle. Long arrays are not entered: their elements are written whole.
 */
function pathsToLongArrays(root: unknown): Set<object> | undefined {
  const onPath = new Set<object>();
  const ancestors = new Set<object>();
  let cyclic = false;
  const visit = (value: unknown): boolean => {
    if (value === null || typeof value !== 'object' || !isPlainContainer(value)) return false;
    if (ancestors.has(value)) {
      cyclic = true;
      return false;
    }
    if (Array.isArray(value) && value.length >= LONG_ARRAY) {
      onPath.add(value);
      return true;
    }
    ancestors.add(value);
    let holds = false;
    for (const child of childrenOf(value)) {
      if (visit(child)) holds = true;
      if (cyclic) break;
    }
    ancestors.delete(value);
    if (holds) onPath.add(value);
    return holds;
  };
  visit(root);
  return cyclic ? undefined : onPath;
}

/**
 * `JSON.stringify(value)`, written in slices of about `sliceMs` with a turn of the event loop between
 * them. Rejects with what `JSON.stringify` throws (a cycle, a BigInt).
 *
 * @param value - the answer's body.
 * @returns the same text as `JSON.stringify(value)`.
 */
export async function stringifyInSlices(value: unknown, options: SliceOptions = {}): Promise<string> {
  const onPath = pathsToLongArrays(value);
  if (!onPath || onPath.size === 0) return JSON.stringify(value);
  const sliceMs = options.sliceMs ?? 1;
  const yieldTurn = options.yieldTurn ?? nextTurn;
  const now = options.now ?? (() => performance.now());
  let sliceEnds = now() + sliceMs;
  const out: string[] = [];

  const write = async (container: object): Promise<void> => {
    if (Array.isArray(container)) {
      const long = container.length >= LONG_ARRAY;
      out.push('[');
      for (let i = 0; i < container.length; i++) {
        if (i > 0) out.push(',');
        const item: unknown = container[i];
        if (!long && item !== null && typeof item === 'object' && onPath.has(item)) await write(item);
        else out.push(textOf(item, String(i)) ?? 'null');
        if (long && now() >= sliceEnds) {
          await yieldTurn();
          sliceEnds = now() + sliceMs;
        }
      }
      out.push(']');
      return;
    }
    out.push('{');
    let first = true;
    for (const [key, item] of Object.entries(container) as [string, unknown][]) {
      if (item !== null && typeof item === 'object' && onPath.has(item)) {
        out.push(first ? '' : ',', JSON.stringify(key), ':');
        first = false;
        await write(item);
        continue;
      }
      const text = textOf(item, key);
      if (text === undefined) continue;
      out.push(first ? '' : ',', JSON.stringify(key), ':', text);
      first = false;
    }
    out.push('}');
  };

  await write(value as object);
  return out.join('');
}

/** A body at most this long is written at once; a longer one in pieces of this size. */
export const WRITE_PIECE_BYTES = 64 * 1024;

/**
 * Ends `res` with `payload`; one longer than {@link WRITE_PIECE_BYTES} piece by piece, with a turn of
 * the event loop between pieces. Stops early if the response is destroyed meanwhile (the client gone,
 * the sandbox stopping).
 */
export async function writeInSlices(
  res: Pick<ServerResponse, 'write' | 'end' | 'destroyed'>,
  payload: Buffer,
  yieldTurn: () => Promise<void> = nextTurn,
): Promise<void> {
  let at = 0;
  while (payload.length - at > WRITE_PIECE_BYTES) {
    if (res.destroyed) return;
    res.write(payload.subarray(at, at + WRITE_PIECE_BYTES));
    at += WRITE_PIECE_BYTES;
    await yieldTurn();
  }
  res.end(payload.subarray(at));
}
