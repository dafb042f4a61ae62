/**
 * The statuses of a run's stored topology and health are interpreted once (src/workflow/flow.ts
 * probeStatusesOf): discovery's failing set and the diagnosis read the same frozen pair, as the
 * in-memory run store keeps what discovery hands over. Values that can still change are interpreted
 * every time.
 */
import { interpretRuleHealth } from '../../src/diagnose/health';
import type { RuleHealth } from '../../src/model/health';
import { frozenAsJson } from '../../src/runstore/snapshot';
import { probeStatusesOf } from '../../src/workflow/flow';
import { topologyWith } from './fakes';

/** Three backends of one rule: the first one down. */
function world() {
  const topology = topologyWith(3);
  const rule = topology.rules[0]?.id ?? '';
  const health: RuleHealth[] = [
    {
      ruleId: rule,
      up: 2,
      down: 1,
      backends: topology.backends.map((b, i) => ({
        ruleId: rule,
        source: 'rule-health' as const,
        ipConfigurationId: b.key,
        state: i === 0 ? ('Down' as const) : ('Up' as const),
        reason: i === 0 ? 'Down_Probe_HttpEndpointUnreachable' : 'Up_Probe_Success',
      })),
    },
  ];
  return { topology, health };
}

describe('probeStatusesOf', () => {
  it('interprets a stored (frozen) topology and health once, and hands out the same frozen statuses', () => {
    // Prepare: the pair as the in-memory run store keeps it when handed over
    const { topology, health } = world();
    const expected = interpretRuleHealth(topology, health);
    frozenAsJson(topology);
    frozenAsJson(health);

    // Act
    const first = probeStatusesOf(topology, health);
    const second = probeStatusesOf(topology, health);

    // Assess
    expect(first).toEqual(expected);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.every((s) => Object.isFrozen(s))).toBe(true);
    expect(first.map((s) => s.state)).toEqual(['down', 'up', 'up']);
  });

  it('interprets values that can still change every time', () => {
    // Prepare
    const { topology, health } = world();
    const first = probeStatusesOf(topology, health);

    // Act: the health changes after the first reading
    const entry = health[0]?.backends[1];
    if (entry) {
      entry.state = 'Down';
      entry.reason = 'Down_Probe_HttpEndpointUnreachable';
    }
    const second = probeStatusesOf(topology, health);

    // Assess
    expect(second).not.toBe(first);
    expect(second.map((s) => s.state)).toEqual(['down', 'down', 'up']);
  });
});
