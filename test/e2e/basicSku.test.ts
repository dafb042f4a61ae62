/**
 * A Basic load balancer end to end: Basic has neither the per-rule health API nor per-backend metrics
 * (Azure answers 400 for both), so nothing is read from them, and validation after a fix stands on
 * the cause checks re-run (the NSGs read again, the guest, the VM) and the peer TCP test where a peer
 * exists. The one call allowed: the rules' health asked for from the rules' own list before the load
 * balancer's answer says Basic (src/app/health.ts `startRuleHealth`), at most once per rule, its
 * answer left unused. The case is the shared fidelity case, copied unedited into
 * test/fixtures/cases/fidelity/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const FILE = join(__dirname, '../fixtures/cases/fidelity/directed-basic-sku-deny.json');
const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/lb-web';

async function run(mode: 'observe' | 'fix') {
  const scenario = parseScenario(JSON.parse(readFileSync(FILE, 'utf8')), FILE);
  const sandbox = await startSandbox({ scenario });
  const sink = new MemoryAuditSink();
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: LB, mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
      config: loadConfig({}),
      auditSink: sink,
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    return { report, requests: [...sandbox.requestLog], events: sink.events };
  } finally {
    await sandbox.stop();
  }
}

type Logged = { method: string; path: string };
/** Reads of the per-backend metric, which a Basic load balancer does not have. */
const metricReads = (requests: Logged[]) =>
  requests.filter((r) => /\/providers\/microsoft\.insights\/metrics$/i.test(r.path));
/** Asks for a rule's health, which a Basic load balancer does not answer. */
const healthAsks = (requests: Logged[]) =>
  requests.filter((r) => /\/loadBalancingRules\/[^/]+\/health$/i.test(r.path));

describe('a Basic load balancer with a fixable NSG deny', () => {
  it('ends resolved with --fix, judged by the checks re-run, reading neither per-rule health nor metrics', async () => {
    // Act
    const { report, requests, events } = await run('fix');

    // Assess
    expect(report.verdict).toBe('resolved');
    expect(report.fixes.map((f) => [f.kind, f.status])).toEqual([['nsg-allow-probe', 'applied']]);
    expect(report.validation).toEqual([expect.objectContaining({ health: 'Up', decidedBy: 'checks-rerun' })]);
    expect(report.validation?.[0]?.explanation).toMatch(/no cause remains/);
    // No health re-read after the fix: at most the one ask sent before the SKU was known.
    expect(metricReads(requests)).toEqual([]);
    expect(healthAsks(requests).length).toBeLessThanOrEqual(1);
    // The fix is proven from a fresh read of the NSG after the write, not from the plan.
    const put = requests.findIndex((r) => r.method === 'PUT');
    expect(
      requests
        .slice(put + 1)
        .some((r) => r.method === 'GET' && /networkSecurityGroups\/nsg-snet-a$/i.test(r.path)),
    ).toBe(true);
    expect(events.filter((e) => e.name === 'ProbeDoctor.ValidationResult')).toEqual([
      expect.objectContaining({ method: 'checks-rerun', outcome: 'up' }),
    ]);
  });

  it('in observe mode asks the customer for the NSG change, with no ticket and no Standard-only call', async () => {
    // Act
    const { report, requests } = await run('observe');

    // Assess
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.escalation).toBeUndefined();
    // The health answer, if one was asked for early, is not used: the backend's state stays unknown.
    expect(report.backends.map((b) => b.probeState)).toEqual(['unknown']);
    expect(metricReads(requests)).toEqual([]);
    expect(healthAsks(requests).length).toBeLessThanOrEqual(1);
  });
});
