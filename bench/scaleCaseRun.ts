/**
 * One row of the scale benchmark (bench/scale.ts), run in a fresh process (bench/scaleCase.ts, the
 * process's entry) so its peak RSS is its own:
 * `node dist/bench/scaleCase.js '{"backends":100,"failing":5,"mode":"fix","scale":0.01}'` prints one
 * JSON line ({@link ScaleCaseResult}).
 *
 * The whole orchestration (runLocally: the real orchestrator and activities on the local durable
 * host, the real SDK clients over HTTPS) runs against a sandbox whose per-kind Azure latencies and
 * durations are scaled by `scale` (src/sandbox/timeModel.ts), probes included.
 *
 * Where the sandbox runs (`sandbox`): by default in a worker thread (src/sandbox/workerSandbox.ts), as
 * Azure's own CPU (building an 838 KB load balancer answer, the probes' truth, the server side of TLS)
 * runs on Microsoft's servers and not on the product's event loop; `"in-process"` runs it on the
 * product's thread, as before, to compare. The run's virtual time is the same either way: the clock
 * the local host moves is shared with the worker.
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
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { runLocally } from '../src/app/localRun';
import { createRemediation } from '../src/app/remediation';
import { MemoryAuditSink } from '../src/audit/memorySink';
import { loadConfig } from '../src/config';
import { SkippableClock } from '../src/sandbox/clock';
import type { Scenario } from '../src/sandbox/scenario';
import { startSandbox, type RequestLogEntry } from '../src/sandbox/server';
import type { SharedSkippableClock } from '../src/sandbox/sharedClock';
import { SandboxThread } from '../src/sandbox/workerSandbox';
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
  /** Where the sandbox runs: a worker thread (default) or the product's own thread. */
  sandbox?: SandboxPlacement;
}

/** Where the benchmark hosts the sandbox. */
export type SandboxPlacement = 'worker' | 'in-process';

/** What a measured run needs of its sandbox, wherever it runs. */
interface BenchSandbox {
  endpoint: string;
  ca: string;
  clock: SkippableClock | SharedSkippableClock;
  requestLog(): Promise<RequestLogEntry[]>;
  stop(): Promise<void>;
  /** The sandbox thread's event loop utilisation (worker only). */
  loopUtilization?: (previous?: EventLoopUtilization) => EventLoopUtilization;
}

/** One row's figures, before the parent adds the bound. */
export interface ScaleCaseResult {
  backends: number;
  failing: number;
  mode: 'observe' | 'fix';
  sandbox: SandboxPlacement;
  verdict: string;
  wallMs: number;
  measuredWallMs: number;
  skippedMs: number;
  /**
   * Milliseconds the product's event loop was busy during the measured run (perf_hooks
   * `eventLoopUtilization().active`; in-process, the sandbox's work is in it too).
   */
  productLoopActiveMs: number;
  /** Milliseconds the sandbox's worker thread was busy during the measured run (worker only). */
  sandboxLoopActiveMs?: number;
  armRequests: number;
  runCommands: number;
  historyEvents: number;
  historyBytes: number;
  auditEvents: number;
  peakRssMb: number;
  /** The scenario's probe, for the bound: seconds between probes and the threshold. */
  probeIntervalSeconds: number;
  probeThreshold: number;
  /**
   * Whether the case's process compiled with Sparkplug from the first call, as the product's entry
   * points have it (src/util/sparkplugFromFirstCall.ts); set by the process's entry
   * (bench/scaleCase.ts), not by runScaleCase.
   */
  alwaysSparkplug?: boolean;
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

/**
 * Runs one size and mode to its report (after a warm-up run if asked); the sandbox is stopped after.
 * In a worker, the warm-up's sandbox and the measured one share the thread, so the sandbox's code is
 * as warm as the product's.
 */
export async function runScaleCase(c: ScaleCaseInput): Promise<ScaleCaseResult> {
  const placement = c.sandbox ?? 'worker';
  if (placement !== 'worker' && placement !== 'in-process') {
    throw new Error(`sandbox must be 'worker' or 'in-process', got '${String(placement)}'`);
  }
  const thread = placement === 'worker' ? await SandboxThread.start() : undefined;
  try {
    const start = async (scenario: Scenario): Promise<BenchSandbox> => {
      const time = { scale: c.scale };
      if (thread) {
        const sandbox = await thread.startSandbox({ scenario, time });
        return { ...sandbox, loopUtilization: (previous) => thread.eventLoopUtilization(previous) };
      }
      const sandbox = await startSandbox({ scenario, clock: new SkippableClock(), time });
      return {
        ...sandbox,
        clock: sandbox.clock as SkippableClock,
        requestLog: () => Promise.resolve(sandbox.requestLog),
      };
    };
    if (c.warmup) await measure({ ...c, backends: 1, failing: 1 }, placement, start);
    return await measure(c, placement, start);
  } finally {
    await thread?.terminate();
  }
}

async function measure(
  c: ScaleCaseInput,
  placement: SandboxPlacement,
  startBenchSandbox: (scenario: Scenario) => Promise<BenchSandbox>,
): Promise<ScaleCaseResult> {
  const scaled = scaledScenario(c.backends, { failing: c.failing });
  const sandbox = await startBenchSandbox(scaled.scenario);
  const clock = sandbox.clock;
  const auditSink = new MemoryAuditSink();
  try {
    const config = loadConfig({ PROBE_DOCTOR_MODE: c.mode, PROBE_DOCTOR_ALLOWED_SCOPES: scaled.scope });
    const skippedBefore = clock.skippedMs;
    const productLoopBefore = performance.eventLoopUtilization();
    const sandboxLoopBefore = sandbox.loopUtilization?.();
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
    const productLoopActiveMs = performance.eventLoopUtilization(productLoopBefore).active;
    const sandboxLoopActiveMs = sandboxLoopBefore && sandbox.loopUtilization?.(sandboxLoopBefore).active;
    const counts = countRequests(await sandbox.requestLog());
    const probe = probeOf(scaled.scenario);
    return {
      backends: c.backends,
      failing: scaled.blocked,
      mode: c.mode,
      sandbox: placement,
      verdict: result.report.verdict,
      wallMs: ms + skippedMs * c.scale,
      measuredWallMs: ms,
      skippedMs,
      productLoopActiveMs,
      ...(sandboxLoopActiveMs === undefined ? {} : { sandboxLoopActiveMs }),
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
