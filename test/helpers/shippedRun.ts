/**
 * One shipped scenario run end to end against its own sandbox, with default settings (no opt-in
 * fixes, no approval), and what the run sent the sandbox: the writes and the Run Commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

/**
 * Runs `scenarios/<file>` in `mode`; resolves to the report, the writes and the Run Commands, every
 * request the sandbox answered, and the audit events.
 */
export async function runShippedScenario(file: string, mode: 'observe' | 'fix') {
  const json = JSON.parse(readFileSync(join(__dirname, '../../scenarios', file), 'utf8')) as {
    expect: { loadBalancerId: string };
  };
  return runScenarioDocument(json, mode, file);
}

/** Runs a scenario document (a builder's output, or a shipped file's JSON) the same way. */
export async function runScenarioDocument(
  json: { expect?: { loadBalancerId: string } },
  mode: 'observe' | 'fix',
  source = 'scenario',
) {
  if (!json.expect) throw new Error(`${source}: no expect block names the load balancer`);
  const sandbox = await startSandbox({ scenario: parseScenario(json, source) });
  const sink = new MemoryAuditSink();
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      auditSink: sink,
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const log = [...sandbox.requestLog];
    const writes = log.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method));
    const runCommands = log.filter((r) => r.method === 'POST' && /\/runCommand$/i.test(r.path));
    return { report, writes, runCommands, requests: log, events: sink.events };
  } finally {
    await sandbox.stop();
  }
}
