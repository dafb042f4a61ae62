/**
 * One customDimensions value of an audit event. Application Insights keeps at most 8,192 characters of
 * a custom property's value (the Application Insights telemetry data model: custom properties, "Max value
 * length: 8192"), so a list written into one is cut to what fits, whole items only, and the event
 * says how many were left out.
 */

/** Application Insights keeps at most this many characters of one customDimensions value. */
export const DIMENSION_LIMIT = 8192;

/**
 * `items` as a JSON array text within `limit` characters: in their order, as many whole items as fit,
 * and how many did not.
 */
export function jsonListWithin(
  items: readonly unknown[],
  limit = DIMENSION_LIMIT,
): { json: string; omitted: number } {
  const kept: string[] = [];
  let length = 2; // the brackets
  for (const item of items) {
    const text = JSON.stringify(item);
    const added = text.length + (kept.length > 0 ? 1 : 0);
    if (length + added > limit) break;
    kept.push(text);
    length += added;
  }
  return { json: `[${kept.join(',')}]`, omitted: items.length - kept.length };
}
