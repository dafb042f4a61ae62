/**
 * The differential check can fail: an evaluator with one rule broken (it ignores source port ranges, a
 * mistake the product once made on the effective-rules path) is caught within the CI budget of
 * scenarios. The counterexample fast-check shrinks to is printed.
 */
import fc from 'fast-check';
import { evaluateProbeInbound } from '../../src/diagnose/nsg/path';
import type { BackendInfo, ProbeInfo, Topology } from '../../src/model/topology';
import { disagreements, scenarioArb } from './differential';

const RUNS = 5000;

describe('the differential property check', () => {
  it('catches a deliberately broken evaluator (source ports ignored) within the budget', async () => {
    const broken = (topology: Topology, backend: BackendInfo, probe: ProbeInfo) => {
      const strip = (t: Topology): Topology => {
        const nsgs = Object.fromEntries(
          Object.entries(t.nsgs).map(([k, nsg]) => [
            k,
            { ...nsg, securityRules: nsg.securityRules.map((r) => ({ ...r, sourcePortRanges: ['*'] })) },
          ]),
        );
        return { ...t, nsgs };
      };
      return evaluateProbeInbound(strip(topology), backend, probe);
    };
    const result = await fc.check(
      fc.asyncProperty(scenarioArb, async (draw) => (await disagreements(draw, broken)).length === 0),
      { numRuns: RUNS },
    );
    expect(result.failed).toBe(true);
    console.log(
      `broken evaluator caught after ${result.numRuns} scenarios: ${JSON.stringify(result.counterexample)}`,
    );
  }, 300_000);
});
