/**
 * A frozen copy of a value as JSON would give it back, made without the JSON text: what the in-memory
 * run store keeps, so that a reader gets what a store that keeps JSON would give it (dates as strings,
 * `undefined` fields gone, `NaN` as null) without a megabyte being printed, hashed and parsed again.
 */

/** A prototype JSON copies field by field: a plain object or one without a prototype. */
const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/** Freezes a JSON round trip of `value`, for what {@link snapshotOf} does not copy itself. */
function viaJson(value: unknown): unknown {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : freezeAll(JSON.parse(json) as unknown);
}

/** Freezes a freshly parsed JSON value (no sharing, no cycles) all the way down. */
function freezeAll(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) for (const item of value) freezeAll(item);
  else for (const key of Object.keys(value)) freezeAll((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}

/**
 * The copy of one value; `undefined` where JSON leaves the value out (a field, or the whole value).
 * Plain objects, arrays and primitives (the run's values are nothing else) are copied here; anything
 * else (a Date, a class instance, a boxed primitive, a `toJSON`) goes through JSON itself, so the
 * result is always exactly the round trip.
 */
function copy(value: unknown, key: string): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // As JSON prints them: -0 as 0, NaN and the infinities as null.
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'bigint':
      // JSON.stringify's own TypeError ("Do not know how to serialize a BigInt").
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return null;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return copy((value as { toJSON(key: string): unknown }).toJSON(key), key);
      }
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = copy(value[i], String(i)) ?? null;
        return Object.freeze(out);
      }
      if (!isPlainObject(value)) return viaJson(value);
      const out: Record<string, unknown> = {};
      for (const field of Object.keys(value)) {
        const item = copy((value as Record<string, unknown>)[field], field);
        if (item === undefined) continue;
        // An own `__proto__` key is data in JSON: define it, never assign it (that would set the
        // copy's prototype, or drop a string).
        if (field === '__proto__') {
          Object.defineProperty(out, field, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          out[field] = item;
        }
      }
      return Object.freeze(out);
    }
    default:
      // undefined, a function, a symbol: JSON leaves them out.
      return undefined;
  }
}

/**
 * A deeply frozen copy of `value` equal to `JSON.parse(JSON.stringify(value))`, sharing nothing with
 * `value` but its strings; `undefined` when JSON has no text for it (undefined, a function). Throws
 * where JSON.stringify throws (a BigInt), and a TypeError for a value that contains itself (JSON
 * throws on a cycle; here the copy runs out of stack).
 */
export function snapshotOf(value: unknown): unknown {
  try {
    return copy(value, '');
  } catch (err) {
    if (err instanceof RangeError)
      throw new TypeError('a value that contains itself is not JSON', { cause: err });
    throw err;
  }
}
