import { snapshotOf } from '../../src/runstore/snapshot';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('snapshotOf', () => {
  it('is the JSON round trip of the value, whatever JSON does to its parts', () => {
    // Prepare
    const value = {
      text: 'a',
      flag: false,
      count: 3,
      nothing: null,
      gone: undefined,
      fn: () => 1,
      notNumbers: [Number.NaN, Number.POSITIVE_INFINITY, -0],
      holes: [undefined, () => 1, Symbol('s')],
      at: new Date('2026-01-02T03:04:05.000Z'),
      custom: { toJSON: (key: string) => `custom at ${key}` },
      point: new Point(1, 2),
      boxed: Object(5) as unknown,
      map: new Map([['a', 1]]),
      nested: [{ deep: [{ deeper: { gone: undefined, kept: 'yes' } }] }],
    };

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

  it('is undefined where JSON has no text for the value', () => {
    // Act, Assess
    expect(snapshotOf(undefined)).toBeUndefined();
    expect(snapshotOf(() => 1)).toBeUndefined();
  });

  it('refuses what JSON refuses: a BigInt, a value that contains itself', () => {
    // Prepare
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;

    // Act, Assess
    expect(() => snapshotOf({ n: BigInt(1) })).toThrow(TypeError);
    expect(() => snapshotOf(cyclic)).toThrow(TypeError);
  });
});
