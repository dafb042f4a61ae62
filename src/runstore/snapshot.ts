/**
 * A frozen copy of a value as JSON would give it back, made without the JSON text: what the in-memory
 * run store keeps, so that a reader gets what a store that keeps JSON would give it (dates as strings,
 * `undefined` fields gone, `NaN` as null) without a megabyte being printed, hashed and parsed again.
 */
import { setOwnField } from '../util/ownField';

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
        if (item !== undefined) setOwnField(out, field, item);
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
  return refusingCycles(() => copy(value, ''));
}

/**
 * `walk`'s result, where a walk that ran out of stack is the cycle JSON refuses: the TypeError JSON
 * throws on a value that contains itself, not a RangeError.
 */
function refusingCycles(walk: () => unknown): unknown {
  try {
    return walk();
  } catch (err) {
    if (err instanceof RangeError)
      throw new TypeError('a value that contains itself is not JSON', { cause: err });
    throw err;
  }
}

/**
 * Whether a frozen value is already what JSON would give back, frozen all the way down: it can then
 * be kept as it is. Read only; an own `__proto__` field counts like any other.
 */
function isFrozenJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (!Object.isFrozen(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isFrozenJson(value[i])) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const field in value) {
        if (!Object.hasOwn(value, field)) continue;
        if (!isFrozenJson((value as Record<string, unknown>)[field])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * `value` made, in place, what JSON would give back (fields JSON leaves out deleted, numbers as JSON
 * prints them, array holes and what JSON cannot print in an array as null), then frozen. What cannot
 * be changed in place is copied as {@link snapshotOf} copies it: a Date, a class instance, a boxed
 * primitive, a `toJSON`, and a frozen part that is not yet what JSON gives.
 */
function settle(value: unknown, key: string | number): unknown {
  // A primitive's copy is itself, as JSON prints it; the key only matters to a toJSON.
  if (value === null || typeof value !== 'object') return copy(value, '');
  if (
    typeof (value as { toJSON?: unknown }).toJSON === 'function' ||
    !(Array.isArray(value) || isPlainObject(value))
  ) {
    return copy(value, String(key));
  }
  // A part already kept (a value read back from the store and put again inside another): as it is.
  if (Object.isFrozen(value)) return isFrozenJson(value) ? value : copy(value, String(key));
  // The keys are walked without a list of them (Object.keys) and an index is made a string only for
  // a toJSON: at a thousand backends every list made here was young garbage on the run's last steps.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const before: unknown = value[i];
      const item = settle(before, i) ?? null;
      if (!Object.is(item, before) || !(i in value)) value[i] = item;
    }
    return Object.freeze(value);
  }
  const record = value as Record<string, unknown>;
  for (const field in record) {
    if (!Object.hasOwn(record, field)) continue;
    const before = record[field];
    const item = settle(before, field);
    if (item === undefined) delete record[field];
    else if (!Object.is(item, before)) setOwnField(record, field, item);
  }
  return Object.freeze(record);
}

/**
 * `value` itself, changed in place into what `JSON.parse(JSON.stringify(value))` would give and
 * frozen all the way down; `undefined` when JSON has no text for it. No copy is made of what is plain
 * (objects, arrays, primitives), so a value handed over costs no allocation: what the in-memory run
 * store keeps of a value its writer will never change again (a run's topology, health, diagnosis and
 * report: a megabyte of young objects at a thousand backends, copied once more only to be garbage).
 * A writer that writes to it afterwards gets a TypeError in strict mode. Throws what
 * {@link snapshotOf} throws (a BigInt, a value that contains itself); a value that contains itself
 * may be left partly frozen.
 *
 * Where it is not JSON's round trip: only own enumerable string keys are walked, so a symbol-keyed
 * or non-enumerable property, and a property of an array that is not an index, stay as they are
 * (JSON would drop them; readers of JSON never see them), and a part it cannot change (a sealed object
 * with a field JSON leaves out, a getter without a setter) makes it throw. A run's values have none.
 */
export function frozenAsJson(value: unknown): unknown {
  return refusingCycles(() => settle(value, ''));
}
