/**
 * `npm run bench`: runs every benchmark once, in turn, and prints the machine and one table. Speed is
 * measured here and only here (tests never time anything). Each benchmark is bounded (seconds), and
 * every sandbox is stopped before the next starts, so nothing is left listening.
 *
 * `node dist/bench/run.js [filter]` runs only the benchmarks whose name contains `filter`.
 * `node dist/bench/run.js scale [flags]` runs the scale benchmark alone (bench/scale.ts): it is not
 * part of the default run, being minutes long at 1,000 backends.
 */
import { cpus, platform, release } from 'node:os';
import { benchDiscovery } from './discovery';
import { benchGuestParser } from './guestParser';
import { formatTable, type BenchRow } from './measure';
import { benchNsgEvaluator } from './nsgEvaluator';
import { benchOrchestration } from './orchestration';
import { runScaleBench } from './scale';
import { benchSweep } from './sweep';

interface Benchmark {
  name: string;
  run: () => Promise<BenchRow>;
}

const SIZES = [10, 100, 300] as const;
/** ARM's misbehaviour for benchmark 6; Retry-After 0 keeps the throttled retries from sleeping. */
const FAULTS = { throttleRate: 0.1, serverErrorRate: 0.02, seed: 7, retryAfterSeconds: 0 };

const BENCHMARKS: Benchmark[] = [
  { name: 'nsg', run: () => benchNsgEvaluator(100_000) },
  { name: 'guest', run: () => benchGuestParser(10_000) },
  ...SIZES.map((n) => ({ name: `discovery-${n}`, run: () => benchDiscovery(n) })),
  ...SIZES.map((n) => ({
    name: `observe-${n}`,
    run: () => benchOrchestration({ backends: n, mode: 'observe' }),
  })),
  { name: 'fix-300', run: () => benchOrchestration({ backends: 300, mode: 'fix' }) },
  {
    name: 'faults-300',
    run: () => benchOrchestration({ backends: 300, mode: 'observe', faults: FAULTS }),
  },
  { name: 'sweep-1000', run: () => benchSweep(1000, 4) },
  // Cost that grows with failing backends only: 5 failing, the rest healthy.
  ...[1, 10, 100, 1000].flatMap((n) =>
    (['observe', 'fix'] as const).map((mode) => ({
      name: `failing5-${mode}-${n}`,
      run: () => benchOrchestration({ backends: n, mode, failing: Math.min(5, n) }),
    })),
  ),
];

async function main(filter: string | undefined): Promise<void> {
  console.log(
    `probe-doctor benchmarks: ${cpus().length} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), ` +
      `node ${process.version}, ${platform()} ${release()}`,
  );
  const rows: BenchRow[] = [];
  for (const b of BENCHMARKS.filter((x) => filter === undefined || x.name.includes(filter))) {
    process.stderr.write(`  running ${b.name} ...\n`);
    rows.push(await b.run());
  }
  console.log(formatTable(rows));
}

if (process.argv[2] === 'scale') {
  runScaleBench(process.argv.slice(3)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
} else {
  main(process.argv[2]).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
