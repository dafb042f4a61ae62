import { choosePriority } from '../../src/remediate/priority';
import { securityRule } from '../helpers/topologyBuilder';

const inbound = (...priorities: number[]) =>
  priorities.map((priority) => securityRule({ name: `r${priority}`, priority }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('choosePriority', () => {
  it.each<[string, ReturnType<typeof inbound>, number, number | undefined]>([
    ['free slot right below the blocker', inbound(4000), 4000, 3999],
    ['skips taken numbers to the nearest free one', inbound(200, 199, 198), 200, 197],
    ['blocker at 101 leaves exactly 100', inbound(101), 101, 100],
    ['blocker at 100 cannot be outranked', inbound(100), 100, undefined],
    ['crowded range 100..149 below a blocker at 150', inbound(...range(100, 150)), 150, undefined],
    [
      'crowded range with one hole takes the hole',
      inbound(...range(100, 150).filter((p) => p !== 120)),
      150,
      120,
    ],
    ['a default-rule blocker is capped to the custom range', inbound(), 65500, 4096],
  ])('%s', (_case, rules, blocking, expected) => {
    // Prepare
    const nsg = { securityRules: rules };

    // Act
    const priority = choosePriority(nsg, blocking);

    // Assess
    expect(priority).toBe(expected);
  });

  it('ignores rules of the other direction', () => {
    // Prepare
    const nsg = { securityRules: [securityRule({ name: 'out', priority: 199, direction: 'Outbound' })] };

    // Act / Assess
    expect(choosePriority(nsg, 200)).toBe(199);
  });

  it('does not count the rule being rewritten as taken', () => {
    // Prepare
    const nsg = {
      securityRules: inbound(200, 199).map((r) => (r.priority === 199 ? { ...r, name: 'mine' } : r)),
    };

    // Act / Assess
    expect(choosePriority(nsg, 200, 'Inbound', 'MINE')).toBe(199);
    expect(choosePriority(nsg, 200)).toBe(198);
  });
});
