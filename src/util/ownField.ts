/**
 * Sets `record[key]` to `value` as JSON means it: an own `__proto__` key is data, defined as an own
 * enumerable property, never assigned (an assignment would set the object's prototype, or drop a
 * string). For objects built from JSON or into its shape (the run store's copies, ARM answers lifted
 * out of their `properties` envelopes).
 */
export function setOwnField(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
