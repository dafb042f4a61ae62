/**
 * `node dist/bench/verdicts.js [out.json]`: the verdict and causes of every shipped scenario
 * (scenarios/*.json) and every copied outside case (test/fixtures/cases/{field,fidelity}), in observe
 * and fix mode, through the sandbox, the real SDK clients and the local durable host. Printed as one
 * JSON document (sorted keys) so two runs, before and after a change, compare with `diff`: the
 * performance work must change no verdict and no cause.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../src/app/localRun';
import { createRemediation } from '../src/app/remediation';
import { MemoryAuditSink } from '../src/audit/memorySink';
import { loadConfig } from '../src/config';
import type { Report } from '../src/model/report';
import { parseScenario } from '../src/sandbox/scenario';
import { startSandbox } from '../src/sandbox/server';

const ROOT = join(__dirname, '..', '..');
const DIRS = ['scenarios', 'test/fixtures/cases/field', 'test/fixtures/cases/fidelity'];

/** What must not change: the verdict, the load balancer's causes, each non-healthy backend's causes. */
function answerOf(report: Report): unknown {
  return {
    verdict: report.verdict,
    causes: report.causes.map((c) => `${c.id}: ${c.summary}`),
    backends: Object.fromEntries(
      report.backends
        .filter((b) => b.probeState !== 'up' || b.causes.length > 0)
        .map((b): [string, unknown] => [
          (b.ipConfigurationId ?? b.ipAddress ?? '?').toLowerCase(),
          { probeState: b.probeState, causes: b.causes.map((c) => `${c.id}: ${c.summary}`) },
        ])
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    fixes: report.fixes.map((f) => `${f.kind} ${f.status} ${f.target.toLowerCase()}`).sort(),
  };
}

async function run(file: string, mode: 'observe' | 'fix'): Promise<unknown> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { expect?: { loadBalancerId?: string } };
  const scenario = parseScenario(json, file);
  const lbId =
    json.expect?.loadBalancerId ??
    scenario.resources.find((r) => /\/loadBalancers\/[^/]+$/i.test(r.id))?.id ??
    '';
  const sandbox = await startSandbox({ scenario });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: lbId, mode, requestedBy: 'cli' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig(
        mode === 'fix' ? { PROBE_DOCTOR_OPT_IN_FIXES: 'start-vm,guest-firewall-allow' } : {},
      ),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
      decideApproval: () => ({ decision: 'approve', by: 'verdicts bench' }),
    });
    return answerOf(report);
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  } finally {
    await sandbox.stop();
  }
}

async function main(out: string | undefined): Promise<void> {
  const answers: Record<string, unknown> = {};
  for (const dir of DIRS) {
    for (const name of readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      for (const mode of ['observe', 'fix'] as const) {
        process.stderr.write(`  ${dir}/${name} ${mode}\n`);
        answers[`${dir}/${name} ${mode}`] = await run(join(ROOT, dir, name), mode);
      }
    }
  }
  const text = `${JSON.stringify(answers, null, 2)}\n`;
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
