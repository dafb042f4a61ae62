/**
 * Real reports for the renderer tests: a shipped scenario served by the sandbox, read by the real SDK
 * clients, run by the orchestrator on the local durable host, as `diagnose` does. Each (scenario,
 * mode) runs once per test file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import type { AuditEvent } from '../../src/audit/events';
import { loadConfig } from '../../src/config';
import type { Report } from '../../src/model/report';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

export const scenarioFile = (name: string): string => join(__dirname, '../../scenarios', `${name}.json`);

export const loadBalancerOf = (name: string): string =>
  (JSON.parse(readFileSync(scenarioFile(name), 'utf8')) as { expect: { loadBalancerId: string } }).expect
    .loadBalancerId;

export interface ScenarioRun {
  report: Report;
  /** The run's audit trail, as the JSON lines sink would write it. */
  events: AuditEvent[];
}

const cache = new Map<string, Promise<ScenarioRun>>();

/** Runs a shipped scenario in observe or fix mode (fix: every VM fix opted into and approved). */
export function runScenario(name: string, mode: 'observe' | 'fix' = 'observe'): Promise<ScenarioRun> {
  const key = `${name}|${mode}`;
  const known = cache.get(key);
  if (known) return known;
  const run = (async () => {
    const json = JSON.parse(readFileSync(scenarioFile(name), 'utf8')) as unknown;
    const scenario = parseScenario(json, name);
    const sandbox = await startSandbox({ scenario });
    const audit = new MemoryAuditSink();
    try {
      const { report } = await runLocally({
        input: { loadBalancerId: loadBalancerOf(name), mode, requestedBy: 'cli' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
        config: loadConfig(
          mode === 'fix' ? { PROBE_DOCTOR_OPT_IN_FIXES: 'start-vm,guest-firewall-allow' } : {},
        ),
        auditSink: audit,
        remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
        evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
        decideApproval: () => ({ decision: 'approve', by: 'renderer test' }),
      });
      return { report, events: [...audit.events] };
    } finally {
      await sandbox.stop();
    }
  })();
  cache.set(key, run);
  return run;
}
