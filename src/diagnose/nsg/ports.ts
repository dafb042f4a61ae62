/** Port range matching: `*`, `80`, `80-90` (ARM's forms; the effective-rules API writes `0-65535`). */

/** Whether `port` is in `range`; `valid: false` for a malformed range, which never matches. */
export function matchPortRange(range: string, port: number): { matches: boolean; valid: boolean } {
  const value = range.trim();
  if (value === '*' || value.toLowerCase() === 'any') return { matches: true, valid: true };
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(value);
  if (!m) return { matches: false, valid: false };
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  if (low > high || high > 65535) return { matches: false, valid: false };
  return { matches: port >= low && port <= high, valid: true };
}
