/**
 * A list in one customDimensions value (src/audit/dimension.ts): cut to what the exporter this app
 * ships keeps (8,192 bytes of UTF-8, its own `truncateCustomDimensions`), whole items only.
 */
import { dirname, join } from 'node:path';
import { DIMENSION_LIMIT, jsonListWithin } from '../../src/audit/dimension';

/** The exporter's own cut of custom dimensions (not exported by the package: loaded by its file path). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file the package's exports map does not list
const { truncateCustomDimensions } = require(
  join(dirname(require.resolve('@azure/monitor-opentelemetry-exporter')), 'utils', 'common.js'),
) as { truncateCustomDimensions: (p: Record<string, string>) => Record<string, string> };

describe('jsonListWithin', () => {
  it('measures bytes: a list of non-ASCII steps reaches Application Insights whole and still parses', () => {
    // Prepare: 40 steps of 300 characters, each "é" two bytes.
    const steps = Array.from({ length: 40 }, (_, i) => `${i} ${'é'.repeat(296)}`);

    // Act
    const { json, omitted } = jsonListWithin(steps);
    const exported = truncateCustomDimensions({ nextSteps: json }).nextSteps ?? '';

    // Assess
    expect(Buffer.byteLength(json, 'utf8')).toBeLessThanOrEqual(DIMENSION_LIMIT);
    expect(exported).toBe(json);
    const kept = JSON.parse(exported) as string[];
    expect(kept).toEqual(steps.slice(0, kept.length));
    expect(kept.length + omitted).toBe(40);
    expect(omitted).toBeGreaterThan(0);
  });

  it('counts the brackets and the commas: a list of exactly the limit is kept, one byte more is cut', () => {
    // Prepare: 8 strings whose JSON is 1,022 bytes each: 2 + 8 x 1,022 + 7 commas = 8,185 bytes.
    const item = (n: number) => 'a'.repeat(n);
    const exact = [...Array.from({ length: 7 }, () => item(1020)), item(1020 + 7)];
    const over = [...Array.from({ length: 7 }, () => item(1020)), item(1020 + 8)];

    // Act
    const fits = jsonListWithin(exact);
    const cut = jsonListWithin(over);

    // Assess
    expect(Buffer.byteLength(fits.json, 'utf8')).toBe(DIMENSION_LIMIT);
    expect(fits.omitted).toBe(0);
    expect(cut.omitted).toBe(1);
    expect(JSON.parse(cut.json)).toEqual(over.slice(0, 7));
  });

  it('leaves out an item too long on its own, not the ones after it', () => {
    // Act
    const { json, omitted } = jsonListWithin(['first', 'x'.repeat(9000), 'last']);

    // Assess
    expect(JSON.parse(json)).toEqual(['first', 'last']);
    expect(omitted).toBe(1);
  });
});
