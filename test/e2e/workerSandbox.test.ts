/**
 * A whole fix run (runLocally: the real orchestrator and activities on the local durable host, the
 * real SDK over HTTPS) against the sandbox in a worker thread gives the same answer as against the
 * sandbox in-process. nsg-deny-all-blocks-probe's fix ends `resolved` only if the sandbox saw the
 * host's skipped probe wait (5 s x 2) pass (test/e2e/probeWait.test.ts): here that jump is made on the
 * test's thread and must reach the worker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { SkippableClock } from '../../src/sandbox/clock';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import { startSandboxInWorker } from '../../src/sandbox/workerSandbox';

const FILE = join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json');

async function fixRun(where: 'worker' | 'in-process') {
  const json = JSON.parse(readFileSync(FILE, 'utf8')) as { expect: { loadBalancerId: string } };
  const scenario = parseScenario(json);
  const sandbox =
    where === 'worker'
      ? await startSandboxInWorker({ scenario })
      : await startSandbox({ scenario, clock: new SkippableClock() });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode: 'fix' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const log = Array.isArray(sandbox.requestLog) ? sandbox.requestLog : await sandbox.requestLog();
    return {
      verdict: report.verdict,
      whoMustAct: report.whoMustAct,
      causes: report.causes,
      fixes: report.fixes.map((f) => f.status),
      validation: report.validation?.map((v) => [v.health, v.healthReason]),
      securityRuleWrites: log.filter((e) => e.method === 'PUT' && /\/securityRules\//i.test(e.path)).length,
    };
  } finally {
    await sandbox.stop();
  }
}

describe('a local run against the sandbox in a worker thread', () => {
  it('fixes nsg-deny-all-blocks-probe as against the in-process sandbox: resolved after the probe wait', async () => {
    // Act
    const inWorker = await fixRun('worker');
    const inProcess = await fixRun('in-process');
    // Assess
    expect(inWorker.verdict).toBe('resolved');
    expect(inWorker.fixes).toEqual(['applied']);
    expect(inWorker.validation).toEqual([
      ['Up', 'Up_Probe_Success'],
      ['Up', 'Up_Probe_Success'],
    ]);
    expect(inWorker.securityRuleWrites).toBeGreaterThan(0);
    expect(inWorker).toEqual(inProcess);
  });
});
