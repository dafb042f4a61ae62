/**
 * The fault matrix: every shipped scenario, in fix mode, on the local durable host against the sandbox,
 * first without faults, then under ARM's faults (429 with Retry-After, 500/503, 409 conflicts on
 * writes, latency). Each faulted run must reach the same verdict, leave no duplicate and no lost rule,
 * have as many audited writes (after-records) as writes that landed, and end with RunFinished. Its
 * duration is measured and printed (FAULT_MATRIX_STATS=1), never asserted.
 *
 * The run shares the in-process sandbox's clock (target `clock`), so every wait it would make (a
 * Retry-After in the SDK pipeline, a durable timer) passes on that clock instead of the wall: a
 * Retry-After of 60 s costs no real time, and the run's deadlines count the time skipped.
 *
 * CI runs one mixed cell per scenario (Retry-After 60 on 429 and 503). `FAULT_MATRIX=full` runs every
 * fault kind separately with two seeds, Retry-After at the schema's maximum (60 s) on throttling and
 * 503s (`FAULT_MATRIX=full FAULT_MATRIX_STATS=1 npx jest test/reliability/faultMatrix`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalHost, runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { parseScenario, type Faults } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const DIR = join(__dirname, '../../scenarios');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const FULL = process.env.FAULT_MATRIX === 'full';

const CELLS: [string, Partial<Faults>][] = FULL
  ? [1, 2].flatMap((seed): [string, Partial<Faults>][] => [
      [`throttle, Retry-After 60 (seed ${seed})`, { seed, throttleRate: 0.2, retryAfterSeconds: 60 }],
      [`5xx, Retry-After 60 on 503 (seed ${seed})`, { seed, serverErrorRate: 0.2, retryAfterSeconds: 60 }],
      [`409 conflicts (seed ${seed})`, { seed, conflictRate: 0.5 }],
      [
        `429 RetryableErrorDueToAnotherOperation (seed ${seed})`,
        { seed, conflictRate: 0.5, conflictAnswer: 'RetryableErrorDueToAnotherOperation' },
      ],
      [`latency (seed ${seed})`, { seed, latencyMs: 50 }],
    ])
  : [
      [
        'mixed: 429, 5xx, 409, latency, Retry-After 60',
        {
          seed: 7,
          throttleRate: 0.15,
          serverErrorRate: 0.05,
          conflictRate: 0.3,
          latencyMs: 5,
          retryAfterSeconds: 60,
        },
      ],
    ];

interface Rule {
  name: string;
  properties: { priority: number; direction: string; [key: string]: unknown };
}
type Nsgs = Map<string, Rule[]>;

const stats: Record<string, unknown>[] = [];
afterAll(() => {
  if (process.env.FAULT_MATRIX_STATS) console.log(JSON.stringify(stats));
});

async function runCell(file: string, faults: Partial<Faults> | undefined) {
  const json = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { expect: { loadBalancerId: string } };
  const sandbox = await startSandbox({ scenario: parseScenario(json) });
  const nsgs = (): Nsgs =>
    new Map(
      [...sandbox.state.resources.values()]
        .filter((r) => String(r.type).toLowerCase() === 'microsoft.network/networksecuritygroups')
        .map((r) => [
          String(r.id),
          structuredClone((r.properties as { securityRules?: Rule[] }).securityRules ?? []),
        ]),
    );
  const before = nsgs();
  const audit = new MemoryAuditSink();
  const options = {
    target: { kind: 'sandbox' as const, endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
    config: loadConfig({}),
    auditSink: audit,
    remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
    evidence: { runCommandAttempts: 6, runCommandRetryDelayMs: 1 },
  };
  const started = Date.now();
  const startedOnClock = sandbox.clock.now();
  try {
    if (faults) sandbox.setFaults(faults);
    const { report } = await runLocally({
      ...options,
      host: createLocalHost(options),
      input: { loadBalancerId: json.expect.loadBalancerId, mode: 'fix' },
    });
    sandbox.setFaults(undefined);
    const writes = sandbox.requestLog.filter(
      (e) =>
        (e.method === 'PUT' || e.method === 'DELETE') && e.status < 300 && /\/securityRules\//i.test(e.path),
    ).length;
    const audited = audit.events.filter(
      (e) =>
        (e.name === 'ProbeDoctor.FixApplied' && e.outcome === 'applied' && e.fixKind === 'nsg-allow-probe') ||
        (e.name === 'ProbeDoctor.FixRolledBack' && e.outcome === 'rolled-back'),
    ).length;
    return {
      verdict: report.verdict,
      before,
      after: nsgs(),
      writes,
      audited,
      finished: audit.events.some((e) => e.name === 'ProbeDoctor.RunFinished'),
      faulted: sandbox.requestLog.filter((e) => e.status === 429 || e.status === 409 || e.status >= 500)
        .length,
      ms: Date.now() - started,
      /** The run's duration on the sandbox's clock: wall time plus every wait it skipped. */
      sandboxSeconds: Math.round((sandbox.clock.now() - startedOnClock) / 1000),
    };
  } finally {
    await sandbox.stop();
  }
}

describe.each(FILES)('fault matrix: %s', (file) => {
  let baseline: Awaited<ReturnType<typeof runCell>>;
  beforeAll(async () => {
    baseline = await runCell(file, undefined);
  });

  it.each(CELLS)(
    '%s: same verdict, no duplicate or lost rule, writes = audited writes, closed',
    async (cell, faults) => {
      // Act
      const run = await runCell(file, faults);
      stats.push({
        file,
        cell,
        verdict: run.verdict,
        writes: run.writes,
        audited: run.audited,
        faulted: run.faulted,
        ms: run.ms,
        sandboxSeconds: run.sandboxSeconds,
        finished: run.finished,
      });

      // Assess
      expect(run.verdict).toBe(baseline.verdict);
      expect(run.finished).toBe(true);
      expect(run.writes).toBe(run.audited);
      for (const [nsgId, rules] of run.after) {
        const names = rules.map((r) => r.name.toLowerCase());
        expect([nsgId, new Set(names).size]).toEqual([nsgId, names.length]);
        const slots = rules.map((r) => `${r.properties.direction}/${r.properties.priority}`);
        expect([nsgId, new Set(slots).size]).toEqual([nsgId, slots.length]);
        // Lost: a rule that was there before and is gone or changed (our own rules are new names).
        for (const old of run.before.get(nsgId) ?? []) {
          expect(rules.find((r) => r.name === old.name)?.properties).toEqual(old.properties);
        }
        // Same rules as the run without faults (no extra, none missing).
        expect(names.sort()).toEqual(
          (baseline.after.get(nsgId) ?? []).map((r) => r.name.toLowerCase()).sort(),
        );
      }
    },
  );
});
