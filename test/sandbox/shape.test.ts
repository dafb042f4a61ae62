import { shapeDiff } from './shape';

describe('shapeDiff', () => {
  it.each([
    [
      'same shape, other values',
      { a: 1, b: ['x'], c: { d: true } },
      { a: 2, b: ['y', 'z'], c: { d: false }, extra: 1 },
      [],
    ],
    ['a missing key', { a: 1, b: 2 }, { a: 1 }, ['$.b: missing']],
    ['a type change', { a: 1 }, { a: '1' }, ['$.a: number expected, got string']],
    [
      'a nested array element',
      { v: [{ k: 's' }] },
      { v: [{ k: 1 }] },
      ['$.v[0].k: string expected, got number'],
    ],
    [
      'an empty array where the example has items',
      { v: [1] },
      { v: [] },
      ['$.v: empty array, example has items'],
    ],
    ['null in the example', { a: null }, { a: { any: 1 } }, []],
  ])('%s', (_name, example, actual, expected) => {
    // Act
    const diff = shapeDiff(example, actual);
    // Assess
    expect(diff).toEqual(expected);
  });
});
