const SLASH = 0x2f;

/**
 * Keys already computed, by the id as given. A run asks for the key of the same few thousand ids again
 * and again (the pool's members, their pools, the health entries that name them), once per index and
 * per activity; lower-casing a 170-character id allocates a new string each time, and at a thousand
 * backends that garbage was a large share of the run's GC. A key depends on its id alone, so a key
 * kept can never be stale. Bounded: when full it starts over (a larger pool only recomputes more).
 */
const computed = new Map<string, string>();

/** Most distinct ids a run is expected to key (backends, their IP configurations, NICs, VMs, pools). */
export const ID_KEY_MEMO_LIMIT = 10_000;

/** The key of `resourceId`, computed (see {@link idKey}). */
function computeIdKey(resourceId: string): string {
  let end = resourceId.length;
  while (end > 0 && resourceId.charCodeAt(end - 1) === SLASH) end -= 1;
  return (end === resourceId.length ? resourceId : resourceId.slice(0, end)).toLowerCase();
}

/**
 * ARM resource ids are case-insensitive: the same NIC may be spelled `IpConfigurations` by one API
 * and `ipConfigurations` by another. Maps keyed by id use this key, never the raw string: the id
 * lower-cased, without trailing slashes.
 *
 * Called for every id on every comparison and index, so it scans instead of running a regex, and
 * remembers the keys it computed (up to {@link ID_KEY_MEMO_LIMIT} ids).
 */
export function idKey(resourceId: string): string {
  const known = computed.get(resourceId);
  if (known !== undefined) return known;
  const key = computeIdKey(resourceId);
  if (computed.size >= ID_KEY_MEMO_LIMIT) computed.clear();
  computed.set(resourceId, key);
  return key;
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
  // Indexed, not for-of: run once per run, this code stays unoptimized, where for-of allocates an
  // iterator result per item (a thousand per pool, young garbage on the way to the verdict).
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
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
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const id = idOf(item);
    if (id === undefined) continue;
    const key = idKey(id);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
