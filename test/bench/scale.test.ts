/**
 * The scale benchmark's arithmetic and inputs (never its timings: speed is measured by the benchmark
 * itself): the critical-path bound comes from the sandbox's time model, the Functions entry points
 * from package.json `main`, and a bad flag gets one clear error.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticalPathBoundMs, functionEntryPoints, parseScaleArgs } from '../../bench/scale';
import { resolveTimeModel } from '../../src/sandbox/timeModel';

describe('scale benchmark', () => {
  it('computes the bound from the time model: 4 ARM requests + rule health + Run Command; fix adds the write, the probe, a Run Command and a health re-read', () => {
    // Prepare: issue #14's figures at 1/100 (1.5 ms, 20 ms, 200 ms, 75 ms; probe 5 s x 2).
    const time = resolveTimeModel({ scale: 0.01 });
    const probe = { intervalSeconds: 5, threshold: 2 };
    // Act / Assess
    expect(criticalPathBoundMs(time, 'observe', probe)).toBeCloseTo(4 * 1.5 + 20 + 200, 9);
    expect(criticalPathBoundMs(time, 'fix', probe)).toBeCloseTo(226 + 75 + 100 + 200 + 20, 9);
    expect(criticalPathBoundMs(resolveTimeModel({ scale: 1 }), 'observe', probe)).toBe(22_600);
  });

  it('finds the entry points of a main glob, or the one file of a bundle', () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'pd-scale-'));
    mkdirSync(join(root, 'dist', 'functions'), { recursive: true });
    for (const f of ['b.js', 'a.js', 'a.js.map']) writeFileSync(join(root, 'dist', 'functions', f), '');
    writeFileSync(join(root, 'package.json'), JSON.stringify({ main: 'dist/functions/*.js' }));
    const glob = functionEntryPoints(root);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ main: 'dist/bundle/main.js' }));
    const bundle = functionEntryPoints(root);
    // Assess
    expect(glob).toEqual([join(root, 'dist/functions/a.js'), join(root, 'dist/functions/b.js')]);
    expect(bundle).toEqual([join(root, 'dist/bundle/main.js')]);
  });

  it('takes its flags, and names a bad one', () => {
    expect(parseScaleArgs(['--scale', '0.1', '--sizes', '1,10', '--warmup', '0'])).toMatchObject({
      scale: 0.1,
      sizes: [1, 10],
      warmup: false,
      failing: 5,
    });
    expect(() => parseScaleArgs(['--scale', 'fast'])).toThrow(
      "--scale must be a number from 0 to 100, got 'fast'",
    );
    expect(() => parseScaleArgs(['--sizes', '1,x'])).toThrow(
      "--sizes takes backends counts from 1 to 1000, comma-separated, got '1,x'",
    );
    expect(() => parseScaleArgs(['--speed', '1'])).toThrow('unknown option --speed');
  });
});
