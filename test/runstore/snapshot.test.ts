import { frozenAsJson, snapshotOf } from '../../src/runstore/snapshot';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** A value with every part JSON changes or leaves out, made fresh for each test. */
const everything = () => ({
  text: 'a',
  flag: false,
  count: 3,
  nothing: null,
  gone: undefined,
  fn: () => 1,
  notNumbers: [Number.NaN, Number.POSITIVE_INFINITY, -0],
  // eslint-disable-next-line no-sparse-arrays
  holes: [undefined, () => 1, Symbol('s'), , 4],
  at: new Date('2026-01-02T03:04:05.000Z'),
  custom: { toJSON: (key: string) => `custom at ${key}` },
  point: new Point(1, 2),
  boxed: Object(5) as unknown,
  map: new Map([['a', 1]]),
  zero: -0,
  nested: [{ deep: [{ deeper: { gone: undefined, kept: 'yes' } }] }],
});

describe('snapshotOf', () => {
  it('is the JSON round trip of the value, whatever JSON does to its parts', () => {
    // Prepare
    const value = everything();

    // Act
    const copy = snapshotOf(value);

    // Assess
    expect(copy).toStrictEqual(JSON.parse(JSON.stringify(value)));
  });

  it('keeps an own __proto__ key as data, as JSON does', () => {
    // Prepare: keys an ARM answer's tags may hold, parsed the way the SDK parses a body.
    const value: unknown = JSON.parse(
      '{"tags":{"__proto__":"x","a":"b"},"m":{"__proto__":{"polluted":true}}}',
    );
    // Act
    const copy = snapshotOf(value) as { m: Record<string, unknown> };
    // Assess
    expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
    expect(copy.m.polluted).toBeUndefined();
  });

  it('shares no object with the value and is frozen all the way down', () => {
    // Prepare
    const value = { backends: [{ key: 'nic0', causes: [] as string[] }] };

    // Act
    const copy = snapshotOf(value) as typeof value;

    // Assess
    expect(copy.backends).not.toBe(value.backends);
    expect(copy.backends[0]).not.toBe(value.backends[0]);
    expect(Object.isFrozen(copy)).toBe(true);
    expect(Object.isFrozen(copy.backends)).toBe(true);
    expect(Object.isFrozen(copy.backends[0])).toBe(true);
    expect(Object.isFrozen(copy.backends[0]?.causes)).toBe(true);
    expect(Object.isFrozen(value.backends[0])).toBe(false);
  });
});

describe('frozenAsJson', () => {
  it('is the JSON round trip of the value, whatever JSON does to its parts', () => {
    // Prepare
    const expected: unknown = JSON.parse(JSON.stringify(everything()));

    // Act
    const kept = frozenAsJson(everything());

    // Assess
    expect(kept).toStrictEqual(expected);
  });

  it('keeps the value itself and every plain object in it, frozen all the way down', () => {
    // Prepare
    const value = { backends: [{ key: 'nic0', causes: [] as string[], gone: undefined }] };
    const backend = value.backends[0];

    // Act
    const kept = frozenAsJson(value) as typeof value;

    // Assess
    expect(kept).toBe(value);
    expect(kept.backends[0]).toBe(backend);
    expect('gone' in (backend ?? {})).toBe(false);
    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(kept.backends)).toBe(true);
    expect(Object.isFrozen(backend)).toBe(true);
    expect(Object.isFrozen(backend?.causes)).toBe(true);
    expect(() => kept.backends.push({ key: 'nic1', causes: [], gone: undefined })).toThrow(TypeError);
  });

  it('keeps a frozen part that already is JSON, and copies one that is not', () => {
    // Prepare: one part kept before (as the store keeps it), one frozen by someone else
    const keptBefore = snapshotOf({ causes: ['nsg-blocks-probe'] });
    const frozenElsewhere = Object.freeze({ gone: undefined, at: -0 });
    const value = { keptBefore, frozenElsewhere };

    // Act
    const kept = frozenAsJson(value) as Record<string, unknown>;

    // Assess
    expect(kept.keptBefore).toBe(keptBefore);
    expect(kept.frozenElsewhere).not.toBe(frozenElsewhere);
    expect(kept).toStrictEqual({ keptBefore: { causes: ['nsg-blocks-probe'] }, frozenElsewhere: { at: 0 } });
  });

  it('keeps an own __proto__ key as data, as JSON does', () => {
    // Prepare: keys an ARM answer's tags may hold, parsed the way the SDK parses a body.
    const text = '{"tags":{"__proto__":"x","a":"b"},"m":{"__proto__":{"polluted":true,"gone":null}}}';
    const value: unknown = JSON.parse(text);
    ((value as { m: Record<string, Record<string, unknown>> }).m['__proto__'] as Record<string, unknown>).fn =
      () => 1;

    // Act
    const kept = frozenAsJson(value) as { m: Record<string, unknown> };

    // Assess
    expect(JSON.stringify(kept)).toBe(text);
    expect(kept.m.polluted).toBeUndefined();
  });
});

describe.each([
  ['snapshotOf', snapshotOf],
  ['frozenAsJson', frozenAsJson],
])('%s, where JSON has nothing to give', (_name, keep) => {
  it('is undefined where JSON has no text for the value', () => {
    // Act, Assess
    expect(keep(undefined)).toBeUndefined();
    expect(keep(() => 1)).toBeUndefined();
  });

  it('refuses what JSON refuses: a BigInt, a value that contains itself', () => {
    // Prepare
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;

    // Act, Assess
    expect(() => keep({ n: BigInt(1) })).toThrow(TypeError);
    expect(() => keep(cyclic)).toThrow(TypeError);
  });
});
