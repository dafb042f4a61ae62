/**
 * Benchmarks 4-6: the whole orchestration (runLocally: the real orchestrator and activities on the
 * local durable host, the real SDK clients over HTTPS) against the sandbox serving a scaled scenario
 * where a third of the backends are down behind a subnet NSG deny. Observe mode, fix mode (the NSG
 * allow is written, validated, and the verdict is `resolved`), and observe mode under ARM faults.
 */
import { runLocally } from '../src/app/localRun';
import { createRemediation } from '../src/app/remediation';
import { MemoryAuditSink } from '../src/audit/memorySink';
import { loadConfig } from '../src/config';
import { faultsSchema, type Faults } from '../src/sandbox/scenario';
import { startSandbox } from '../src/sandbox/server';
import { timed, type BenchRow } from './measure';
import { countRequests } from './requestCounts';
import { scaledScenario } from './scaledScenario';

/** One orchestration benchmark. */
export interface OrchestrationCase {
  backends: number;
  mode: 'observe' | 'fix';
  /** Backends that fail (the rest healthy); omitted: every third. */
  failing?: number;
  /** Sandbox faults for the whole run; omitted: none. */
  faults?: Partial<Faults>;
}

/** Backoff against the sandbox: short, so a run with faults stays bounded, but still a real wait. */
const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

/** Runs one orchestration to its report; the sandbox is stopped after. */
export async function benchOrchestration(c: OrchestrationCase): Promise<BenchRow> {
  const scaled = scaledScenario(c.backends, c.failing !== undefined ? { failing: c.failing } : {});
  const scenario = c.faults ? { ...scaled.scenario, faults: faultsSchema.parse(c.faults) } : scaled.scenario;
  const sandbox = await startSandbox({ scenario });
  // Fix mode changes NSGs, so it keeps an audit trail (probe-doctor never writes unaudited).
  const auditSink = new MemoryAuditSink();
  try {
    const config = loadConfig({ PROBE_DOCTOR_MODE: c.mode, PROBE_DOCTOR_ALLOWED_SCOPES: scaled.scope });
    const { value: result, ms } = await timed(() =>
      runLocally({
        input: { loadBalancerId: scaled.loadBalancerId, mode: c.mode, requestedBy: 'bench' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
        config,
        auditSink,
        remediation: createRemediation({ pollIntervalMs: 10, sleep: fastSleep }),
        evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 20 },
      }),
    );
    const { report, status } = result;
    const counts = countRequests(sandbox.requestLog);
    // After a fix the report shows the backends as validation left them, so fix runs report 0 here.
    const down = report.backends.filter((b) => b.probeState === 'down').length;
    const base: Record<string, number | string> = {
      verdict: report.verdict,
      down,
      expectedDown: scaled.blocked,
      historyEvents: status.history.length,
      historyBytes: JSON.stringify(status.history).length,
      armRequests: counts.requests,
      runCommands: counts.runCommands,
      duplicateReads: counts.duplicateReads,
      auditEvents: auditSink.events.length,
    };
    const extra: Record<string, number | string> =
      c.mode === 'fix'
        ? {
            writes: counts.writes,
            fixesApplied: report.fixes.filter((f) => f.status === 'applied').length,
            validatedUp: (report.validation ?? []).filter((v) => v.health === 'Up').length,
          }
        : c.faults
          ? {
              retries: counts.throttled + counts.serverErrors,
              throttled: counts.throttled,
              serverErrors: counts.serverErrors,
            }
          : {};
    return {
      name: `run: ${c.mode}, ${c.backends} backends${c.failing !== undefined ? ` (${c.failing} failing)` : ''}${c.faults ? ', faults' : ''}`,
      n: 1,
      totalMs: ms,
      counts: { ...base, ...extra },
    };
  } finally {
    await sandbox.stop();
    await auditSink.close();
  }
}
