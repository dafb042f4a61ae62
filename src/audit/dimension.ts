/**
 * One customDimensions value of an audit event. Application Insights keeps at most 8,192 of a custom
 * property's value (the Application Insights telemetry data model: custom properties, "Max value
 * length: 8192"), and the exporter this app ships (@azure/monitor-opentelemetry-exporter,
 * `truncateCustomDimensions`) cuts each value at 8,192 bytes of UTF-8: a JSON list longer than that
 * would arrive cut in the middle and no longer parse. So a list written into one is cut to what fits in
 * bytes, whole items only, and the event says how many were left out.
 */

/** Application Insights keeps at most this many bytes (UTF-8) of one customDimensions value. */
export const DIMENSION_LIMIT = 8192;

/**
 * `items` as a JSON array text within `limit` bytes of UTF-8: in their order, every item that fits
 * beside those before it (an item too long on its own is left out, not the ones after it), and how
 * many did not.
 */
export function jsonListWithin(
  items: readonly unknown[],
  limit = DIMENSION_LIMIT,
): { json: string; omitted: number } {
  const kept: string[] = [];
  let bytes = 2; // the brackets
  for (const item of items) {
    const text = JSON.stringify(item);
    const added = Buffer.byteLength(text, 'utf8') + (kept.length > 0 ? 1 : 0);
    if (bytes + added > limit) continue;
    kept.push(text);
    bytes += added;
  }
  return { json: `[${kept.join(',')}]`, omitted: items.length - kept.length };
}
