/**
 * Freezing of values several readers share, so that none of them can change what the next one is
 * given. Reading a frozen value is as fast as reading any other; writing to it throws (modules are
 * strict mode), which turns a reader that would have changed shared data into a failing test.
 */

/**
 * Freezes `value` and every object and array reachable from it, in place, and returns it. Meant for
 * JSON-shaped data (plain objects, arrays, primitives): an already frozen object is taken as frozen
 * all the way down and not walked again, so a shared subtree costs one walk.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  // Walked without building a list of children per object: a parsed topology is tens of thousands.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i] as unknown);
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) deepFreeze(record[key]);
  }
  return value;
}
