/**
 * ARM resource ids are case-insensitive: the same NIC may be spelled `IpConfigurations` by one API
 * and `ipConfigurations` by another. Maps keyed by id use this key, never the raw string.
 */
export function idKey(resourceId: string): string {
  return resourceId.replace(/\/+$/, '').toLowerCase();
}

/** True when two resource ids name the same resource. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && idKey(a) === idKey(b);
}
