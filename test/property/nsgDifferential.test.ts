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
import { disagreements, scenarioArb, type RuleDraw, type ScenarioDraw } from './differential';

/**
 * Scenarios in this file; the four shard files (nsgDifferential*.test.ts) together run 5,000 per CI run,
 * so jest's two workers share them. PROBE_DOCTOR_PROPERTY_RUNS overrides it for a longer local hunt.
 */
const RUNS = Number(process.env.PROBE_DOCTOR_PROPERTY_RUNS ?? 1250);

const base: ScenarioDraw = {
  sku: 'Standard',
  probe: { protocol: 'Tcp', port: 80 },
  subnetRules: [],
  nicRules: [[], []],
  admin: [],
  udr: 'none',
  vms: [{ secondSubnet: false, asgs: [], secondNic: false, nicNsg: -1 }],
  priorities: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200],
};
const rule = (over: Partial<RuleDraw>): RuleDraw => ({
  access: 'Deny',
  direction: 'Inbound',
  protocol: '*',
  source: '*',
  destination: '*',
  ports: '*',
  sourcePorts: '*',
  ...over,
});

/**
 * Disagreements found, shrunk, kept as fixed cases: the two mechanisms of issue 11 (found by an
 * independent oracle on 1,781 backends) and the partial source-port range the property tests pointed at.
 */
const FIXED: [string, ScenarioDraw][] = [
  [
    'an allow limited to source ports 0-1023 above a deny (directed-allow-srcports-above-deny)',
    {
      ...base,
      subnetRules: [
        rule({
          access: 'Allow',
          protocol: 'Tcp',
          source: 'AzureLoadBalancer',
          ports: '80',
          sourcePorts: '0-1023',
        }),
        rule({}),
      ],
    },
  ],
  [
    'a deny to the ASG that holds the backend, with a port list (lead-asg-deny)',
    {
      ...base,
      subnetRules: [
        rule({
          source: 'AzureLoadBalancer',
          destination: { asgs: ['asg-a'] },
          ports: ['70-90', '8000-8100'],
        }),
      ],
      vms: [
        { secondSubnet: false, asgs: ['asg-a'], secondNic: false, nicNsg: -1 },
        { secondSubnet: false, asgs: ['asg-a'], secondNic: false, nicNsg: -1 },
      ],
    },
  ],
  [
    'a deny covering part of the ephemeral source port range (50000-60000)',
    { ...base, subnetRules: [rule({ source: 'AzureLoadBalancer', sourcePorts: '50000-60000' })] },
  ],
  [
    'an allow from the empty ASG above a deny',
    {
      ...base,
      nicRules: [
        [rule({ access: 'Allow', destination: { asgs: ['asg-empty'] } }), rule({ ports: '80' })],
        [],
      ],
      vms: [{ secondSubnet: false, asgs: [], secondNic: false, nicNsg: 0 }],
    },
  ],
];

describe('reference model, evaluator, effective rules and diagnosis agree', () => {
  it.each(FIXED)('fixed case: %s', async (_name, draw) => {
    expect(await disagreements(draw)).toEqual([]);
  });

  it('the fixed cases are blocked where the reference says so (they test something)', async () => {
    // Each fixed case blocks the probe: a broken evaluator that ignores source ports disagrees on the first.
    const { evaluateProbeInbound } = await import('../../src/diagnose/nsg/path');
    const ignoringSourcePorts = (
      t: Parameters<typeof evaluateProbeInbound>[0],
      b: Parameters<typeof evaluateProbeInbound>[1],
      p: Parameters<typeof evaluateProbeInbound>[2],
    ) =>
      evaluateProbeInbound(
        {
          ...t,
          nsgs: Object.fromEntries(
            Object.entries(t.nsgs).map(([k, n]) => [
              k,
              { ...n, securityRules: n.securityRules.map((r) => ({ ...r, sourcePortRanges: ['*'] })) },
            ]),
          ),
        },
        b,
        p,
      );
    expect((await disagreements(FIXED[0]![1], ignoringSourcePorts)).length).toBeGreaterThan(0);
  });

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
