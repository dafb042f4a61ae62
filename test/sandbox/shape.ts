/**
 * Recursive key/type comparison for the conformance test: every key of the Microsoft example must
 * appear in the sandbox's answer with the same JSON type (values may differ; the sandbox may add
 * keys). Arrays are compared through their first elements. `null` in the example matches anything
 * (the examples use it for "not set").
 */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The differences, as `$.path: problem` lines; empty when the shapes agree. */
export function shapeDiff(example: unknown, actual: unknown, path = '$'): string[] {
  if (example === null) return [];
  const [e, a] = [jsonType(example), jsonType(actual)];
  if (a === 'undefined') return [`${path}: missing`];
  if (e !== a) return [`${path}: ${e} expected, got ${a}`];
  if (e === 'array') {
    const [first, got] = [(example as unknown[])[0], (actual as unknown[])[0]];
    if (first === undefined) return [];
    if (got === undefined) return [`${path}: empty array, example has items`];
    return shapeDiff(first, got, `${path}[0]`);
  }
  if (e === 'object') {
    return Object.entries(example as Record<string, unknown>).flatMap(([k, v]) =>
      shapeDiff(v, (actual as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return [];
}
