const SLASH = 0x2f;

/**
 * ARM resource ids are case-insensitive: the same NIC may be spelled `IpConfigurations` by one API
 * and `ipConfigurations` by another. Maps keyed by id use this key, never the raw string.
 *
 * Called for every id on every comparison and index, so it scans instead of running a regex: trailing
 * slashes are rare, and a key without one is just the lower-cased id.
 */
export function idKey(resourceId: string): string {
  let end = resourceId.length;
  while (end > 0 && resourceId.charCodeAt(end - 1) === SLASH) end -= 1;
  return (end === resourceId.length ? resourceId : resourceId.slice(0, end)).toLowerCase();
}

/** True when two resource ids name the same resource. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && idKey(a) === idKey(b);
}

/**
 * The items by {@link idKey} of `idOf(item)`, the first of each key kept: one pass, so a lookup per
 * item afterwards is O(1) instead of a scan of the list (the list may hold every backend of a pool).
 * Items whose id is undefined are left out.
 */
export function indexById<T>(items: readonly T[], idOf: (item: T) => string | undefined): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) {
    const id = idOf(item);
    if (id === undefined) continue;
    const key = idKey(id);
    if (!index.has(key)) index.set(key, item);
  }
  return index;
}

/**
 * The items grouped by {@link idKey} of `idOf(item)`, each group in the list's order. Items whose id
 * is undefined are left out.
 */
export function groupById<T>(items: readonly T[], idOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const id = idOf(item);
    if (id === undefined) continue;
    const key = idKey(id);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
