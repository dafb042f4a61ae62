import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { startSandbox } from '../../src/sandbox/server';
import { loadRunnableScenario, RUN_KINDS } from './collectOperations';
it.each([
  ['guest-firewall-drop.json', 'optIn'],
  ['empty-backend-pool.json', 'escalation'],
  ['vmss-backend.json', 'optIn'],
] as const)('probe %s', async (file, kind) => {
  const scenario = loadRunnableScenario(file);
  const lb = scenario.resources.find((r) => /loadBalancers$/i.test(r.type))!.id;
  const sandbox = await startSandbox({ scenario, behaviour: { actionPolls: 0, writePolls: 0 } });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: lb, mode: RUN_KINDS[kind].mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
      config: loadConfig({ ...RUN_KINDS[kind].env }),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      auditSink: new MemoryAuditSink(),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    console.log(
      file,
      JSON.stringify(
        {
          fixes: report.fixes,
          causes: report.causes,
          esc: report.escalation && { ...report.escalation, supportTicket: undefined },
          backends: report.backends.map((b) => b.causes.map((c) => c.id)),
        },
        null,
        1,
      ),
    );
  } finally {
    await sandbox.stop();
  }
});
