/**
 * One row of the scale benchmark (bench/scale.ts), run in a fresh process so its peak RSS is its own:
 * `node dist/bench/scaleCase.js '{"backends":100,"failing":5,"mode":"fix","scale":0.01}'` prints one
 * JSON line ({@link ScaleCaseResult}).
 *
 * The whole orchestration (runLocally: the real orchestrator and activities on the local durable
 * host, the real SDK clients over HTTPS) runs against an in-process sandbox whose per-kind Azure
 * latencies and durations are scaled by `scale` (src/sandbox/timeModel.ts), probes included.
 *
 * Time to verdict (`wallMs`): the wall time of the run, plus the durable timers the local host skipped
 * (it moves the sandbox's clock instead of sleeping: the wait for the probe to re-test, retry pauses)
 * at the same scale, since the product waits Azure-scale durations on those timers. `measuredWallMs`
 * and `skippedMs` are both reported so the sum can be checked.
 *
 * With `warmup`, one untimed 1-backend run of the same mode against its own sandbox comes first, so
 * the figure is the product's steady state (a Functions host is warm), not the first TLS handshake
 * and the JIT of the SDKs; cold start is measured on its own (bench/scale.ts).
 */
import { runLocally } from '../src/app/localRun';
import { createRemediation } from '../src/app/remediation';
import { MemoryAuditSink } from '../src/audit/memorySink';
import { loadConfig } from '../src/config';
import { SkippableClock } from '../src/sandbox/clock';
import { startSandbox } from '../src/sandbox/server';
import { timed } from './measure';
import { countRequests } from './requestCounts';
import { scaledScenario } from './scaledScenario';

/** What the parent asks for. */
export interface ScaleCaseInput {
  backends: number;
  failing: number;
  mode: 'observe' | 'fix';
  /** Multiplies Azure's figures (timeModel.ts). */
  scale: number;
  /** One untimed 1-backend run of the same mode first. */
  warmup?: boolean;
}

/** One row's figures, before the parent adds the bound. */
export interface ScaleCaseResult {
  backends: number;
  failing: number;
  mode: 'observe' | 'fix';
  verdict: string;
  wallMs: number;
  measuredWallMs: number;
  skippedMs: number;
  armRequests: number;
  runCommands: number;
  historyEvents: number;
  historyBytes: number;
  auditEvents: number;
  peakRssMb: number;
  /** The scenario's probe, for the bound: seconds between probes and the threshold. */
  probeIntervalSeconds: number;
  probeThreshold: number;
}

/** Backoff against the sandbox: short, so a retried call stays bounded, but still a real wait. */
const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

function probeOf(scenario: ReturnType<typeof scaledScenario>['scenario']): {
  interval: number;
  threshold: number;
} {
  const lb = scenario.resources.find((r) => r.type === 'Microsoft.Network/loadBalancers') as
    { properties?: { probes?: { properties?: Record<string, unknown> }[] } } | undefined;
  const probe = lb?.properties?.probes?.[0]?.properties ?? {};
  const interval = typeof probe.intervalInSeconds === 'number' ? probe.intervalInSeconds : 15;
  const threshold =
    typeof probe.probeThreshold === 'number'
      ? probe.probeThreshold
      : typeof probe.numberOfProbes === 'number'
        ? probe.numberOfProbes
        : 1;
  return { interval, threshold };
}

/** Runs one size and mode to its report (after a warm-up run if asked); the sandbox is stopped after. */
export async function runScaleCase(c: ScaleCaseInput): Promise<ScaleCaseResult> {
  if (c.warmup) await measure({ ...c, backends: 1, failing: 1 });
  return measure(c);
}

async function measure(c: ScaleCaseInput): Promise<ScaleCaseResult> {
  const scaled = scaledScenario(c.backends, { failing: c.failing });
  const clock = new SkippableClock();
  const sandbox = await startSandbox({ scenario: scaled.scenario, clock, time: { scale: c.scale } });
  const auditSink = new MemoryAuditSink();
  try {
    const config = loadConfig({ PROBE_DOCTOR_MODE: c.mode, PROBE_DOCTOR_ALLOWED_SCOPES: scaled.scope });
    const skippedBefore = clock.skippedMs;
    const { value: result, ms } = await timed(() =>
      runLocally({
        input: { loadBalancerId: scaled.loadBalancerId, mode: c.mode, requestedBy: 'bench' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock },
        config,
        auditSink,
        remediation: createRemediation({ pollIntervalMs: 10, sleep: fastSleep }),
        evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 20 },
      }),
    );
    const skippedMs = clock.skippedMs - skippedBefore;
    const counts = countRequests(sandbox.requestLog);
    const probe = probeOf(scaled.scenario);
    return {
      backends: c.backends,
      failing: scaled.blocked,
      mode: c.mode,
      verdict: result.report.verdict,
      wallMs: ms + skippedMs * c.scale,
      measuredWallMs: ms,
      skippedMs,
      armRequests: counts.requests,
      runCommands: counts.runCommands,
      historyEvents: result.status.history.length,
      historyBytes: JSON.stringify(result.status.history).length,
      auditEvents: auditSink.events.length,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      probeIntervalSeconds: probe.interval,
      probeThreshold: probe.threshold,
    };
  } finally {
    await sandbox.stop();
    await auditSink.close();
  }
}

if (require.main === module) {
  const input = JSON.parse(process.argv[2] ?? '{}') as ScaleCaseInput;
  runScaleCase(input)
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
