/** Port range matching: `*`, `80`, `80-90` (ARM's forms; the effective-rules API writes `0-65535`). */

/**
 * The ports a range covers, `[low, high]` (`*` and `Any` are 0-65535); undefined for a malformed range
 * (not a number or two, a port above 65535, a range that runs backwards), which never matches.
 */
export function parsePortRange(range: string): [number, number] | undefined {
  const value = range.trim();
  if (value === '*' || value.toLowerCase() === 'any') return [0, 65535];
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(value);
  if (!m) return undefined;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  return low > high || high > 65535 ? undefined : [low, high];
}

/** Whether `port` is in `range`; `valid: false` for a malformed range, which never matches. */
export function matchPortRange(range: string, port: number): { matches: boolean; valid: boolean } {
  const parsed = parsePortRange(range);
  if (!parsed) return { matches: false, valid: false };
  return { matches: port >= parsed[0] && port <= parsed[1], valid: true };
}

/**
 * A range's ends and the numbers just past them, those within `[min, max]`: where a first-match rule
 * list can change its answer along one axis (ports, or addresses as numbers).
 */
export function rangeEdges(
  [low, high]: readonly [number, number],
  [min, max]: readonly [number, number],
): number[] {
  return [low - 1, low, high, high + 1].filter((n) => n >= min && n <= max);
}
