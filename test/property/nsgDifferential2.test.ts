/**
 * Differential property tests (fast-check): on random scenarios, the sandbox's reference model of
 * Azure's data plane, the product's NSG evaluator, the effective-rules path as src/azure/reader.ts reads
 * it, and the diagnosis agree for every backend (test/property/differential.ts says what is compared).
 *
 * Bounded: a fixed number of runs; fast-check draws a new seed each run and prints it with the shrunk
 * counterexample on failure, so a disagreement can be replayed (`{ seed, path }`) and kept below as a
 * fixed case. nsgDifferentialCanFail.test.ts shows the check can fail.
 */
import fc from 'fast-check';
import { disagreements, scenarioArb } from './differential';

/**
 * Scenarios in this file; the four shard files (nsgDifferential*.test.ts) together run 5,000 per CI run,
 * so jest's two workers share them. PROBE_DOCTOR_PROPERTY_RUNS overrides it for a longer local hunt.
 */
const RUNS = Number(process.env.PROBE_DOCTOR_PROPERTY_RUNS ?? 1250);

describe('reference model, evaluator, effective rules and diagnosis agree (shard 2)', () => {
  it(`on ${RUNS} random scenarios`, async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (draw) => {
        expect(await disagreements(draw)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    // The figure goes to the log, not into an assertion: speed is measured in benchmarks.
    console.log(`nsg differential: ${RUNS} scenarios in ${Date.now() - started} ms`);
  }, 300_000);
});
