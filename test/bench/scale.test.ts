/**
 * The scale benchmark's arithmetic and inputs (never its timings: speed is measured by the benchmark
 * itself): the critical-path bound comes from the sandbox's time model, the cases run in interleaved
 * rounds and each row is made of its own runs, and a bad flag gets one clear error.
 */
import {
  criticalPathBoundMs,
  interleavedRounds,
  olderNodeWarning,
  parseScaleArgs,
  runScaleCases,
} from '../../bench/scale';
import type { ScaleCaseInput, ScaleCaseResult } from '../../bench/scaleCaseRun';
import { resolveTimeModel } from '../../src/sandbox/timeModel';

describe('scale benchmark', () => {
  it('computes the bound from the time model: 4 ARM requests + rule health + Run Command; fix adds the write, the probe, a Run Command and a health re-read', () => {
    // Prepare: issue #14's figures at 1/100 (1.5 ms, 20 ms, 200 ms, 75 ms; probe 5 s x 2).
    const time = resolveTimeModel({ scale: 0.01 });
    const probe = { intervalSeconds: 5, threshold: 2 };
    // Act / Assess
    expect(criticalPathBoundMs(time, 'observe', probe)).toBeCloseTo(4 * 1.5 + 20 + 200, 9);
    expect(criticalPathBoundMs(time, 'fix', probe)).toBeCloseTo(226 + 75 + 100 + 200 + 20, 9);
    expect(criticalPathBoundMs(time, 'fix', probe, { peer: false })).toBeCloseTo(226 + 75 + 100 + 20, 9);
    // No failing backend: the load balancer's GET and the rules' health, nothing read in depth or fixed.
    expect(criticalPathBoundMs(time, 'observe', probe, { failing: 0 })).toBeCloseTo(1.5 + 20, 9);
    expect(criticalPathBoundMs(time, 'fix', probe, { failing: 0 })).toBeCloseTo(1.5 + 20, 9);
    expect(criticalPathBoundMs(resolveTimeModel({ scale: 1 }), 'observe', probe)).toBe(22_600);
  });

  it('takes its flags, and names a bad one', () => {
    expect(parseScaleArgs(['--scale', '0.1', '--sizes', '1,10', '--warmup', '0'])).toMatchObject({
      scale: 0.1,
      sizes: [1, 10],
      warmup: false,
      failing: 5,
      sandbox: 'worker',
    });
    expect(parseScaleArgs(['--sandbox', 'in-process']).sandbox).toBe('in-process');
    expect(parseScaleArgs([]).runs).toBe(5);
    expect(parseScaleArgs(['--runs', '3']).runs).toBe(3);
    expect(() => parseScaleArgs(['--runs', '0'])).toThrow("--runs must be a number from 1 to 51, got '0'");
    expect(() => parseScaleArgs(['--sandbox', 'thread'])).toThrow(
      "--sandbox must be 'worker' or 'in-process', got 'thread'",
    );
    expect(() => parseScaleArgs(['--scale', 'fast'])).toThrow(
      "--scale must be a number from 0 to 100, got 'fast'",
    );
    expect(() => parseScaleArgs(['--sizes', '1,x'])).toThrow(
      "--sizes takes backends counts from 1 to 1000, comma-separated, got '1,x'",
    );
    expect(() => parseScaleArgs(['--sizes', '10,100,10'])).toThrow(
      "--sizes lists 10 more than once, got '10,100,10'",
    );
    expect(() => parseScaleArgs(['--speed', '1'])).toThrow('unknown option --speed');
  });

  it('runs every size and mode once a round, round after round, so a slow minute of the machine is spread over the rows', () => {
    // Prepare / Act
    const rounds = interleavedRounds([1, 1000], 3);
    // Assess: three identical rounds, each the table's order (sizes as given, observe then fix).
    const round = [
      { backends: 1, mode: 'observe' },
      { backends: 1, mode: 'fix' },
      { backends: 1000, mode: 'observe' },
      { backends: 1000, mode: 'fix' },
    ];
    expect(rounds).toEqual([round, round, round]);
    expect(interleavedRounds([10], 1)).toEqual([
      [
        { backends: 10, mode: 'observe' },
        { backends: 10, mode: 'fix' },
      ],
    ]);
  });

  it('warns when the node running it is older than the app needs, and only then', () => {
    expect(olderNodeWarning('v20.20.2', '>=22')).toBe(
      "node v20.20.2 is older than the app's (package.json engines.node >=22): these figures are not the product as deployed; `npm run bench -- scale` runs the node devDependency",
    );
    expect(olderNodeWarning('v22.23.3', '>=22')).toBeUndefined();
    expect(olderNodeWarning('v24.1.0', '>=22')).toBeUndefined();
    // Nothing to compare with: no warning rather than a wrong one.
    expect(olderNodeWarning('v20.20.2', undefined)).toBeUndefined();
    expect(olderNodeWarning('v20.20.2', '^22.1.0')).toBeUndefined();
  });

  it('runs the cases round by round and makes each row from its own runs: the median run, every wall sorted, the table in order', () => {
    // Prepare: a stand-in for the case process whose wall time says which call it was.
    const calls: ScaleCaseInput[] = [];
    const progress: string[] = [];
    const run = (input: ScaleCaseInput): ScaleCaseResult => {
      calls.push(input);
      const call = calls.length;
      return {
        backends: input.backends,
        failing: input.failing,
        mode: input.mode,
        sandbox: 'worker',
        verdict: 'action-required',
        // Rounds 1, 2, 3 take 300, 100, 200 ms: the median is round 3's run.
        wallMs: [300, 100, 200][Math.ceil(call / 4) - 1] as number,
        measuredWallMs: call,
        skippedMs: 0,
        productLoopActiveMs: 0,
        armRequests: call,
        runCommands: 0,
        historyEvents: 0,
        historyBytes: 0,
        auditEvents: 0,
        peakRssMb: 0,
        probeIntervalSeconds: 5,
        probeThreshold: 2,
        alwaysSparkplug: call !== 7,
      };
    };
    const options = {
      sizes: [1000, 1],
      runs: 3,
      failing: 5,
      scale: 0.01,
      warmup: true,
      sandbox: 'worker' as const,
    };
    // Act
    const { rows, alwaysSparkplug } = runScaleCases(options, resolveTimeModel({ scale: 0.01 }), run, (l) =>
      progress.push(l),
    );
    // Assess: the calls go round by round, with the failing count capped at the size.
    expect(calls.map((c) => `${c.backends}/${c.mode}/${c.failing}`)).toEqual(
      Array.from({ length: 3 }, () => ['1000/observe/5', '1000/fix/5', '1/observe/1', '1/fix/1']).flat(),
    );
    expect(progress[0]).toBe('  scale: round 1 of 3: 1000 backends, observe ...\n');
    expect(progress[11]).toBe('  scale: round 3 of 3: 1 backends, fix ...\n');
    // Each row is its case's median run (round 3's, calls 9-12), with every wall sorted.
    expect(rows.map((r) => [r.backends, r.mode, r.wallMs, r.armRequests])).toEqual([
      [1000, 'observe', 200, 9],
      [1000, 'fix', 200, 10],
      [1, 'observe', 200, 11],
      [1, 'fix', 200, 12],
    ]);
    expect(rows[0]?.wallMsRuns).toEqual([100, 200, 300]);
    expect(rows[0]?.ratio).toBe(0.88);
    // One run without Sparkplug (call 7) and the whole table says so.
    expect(alwaysSparkplug).toBe(false);
  });
});
