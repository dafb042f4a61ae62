import { matchPortRange } from '../../../src/diagnose/nsg/ports';

describe('matchPortRange', () => {
  it.each<[string, number, { matches: boolean; valid: boolean }]>([
    ['*', 1, { matches: true, valid: true }],
    ['80', 80, { matches: true, valid: true }],
    ['80', 8080, { matches: false, valid: true }],
    ['80-90', 90, { matches: true, valid: true }],
    ['80-90', 91, { matches: false, valid: true }],
    ['0-65535', 49152, { matches: true, valid: true }],
    ['90-80', 85, { matches: false, valid: false }],
    ['70000', 80, { matches: false, valid: false }],
    ['http', 80, { matches: false, valid: false }],
  ])('%s vs %d', (range, port, expected) => {
    expect(matchPortRange(range, port)).toEqual(expected);
  });
});
