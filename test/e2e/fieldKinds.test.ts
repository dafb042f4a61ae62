/**
 * The shipped scenarios of issue 13's kinds, beyond what every scenario's `expect` block checks
 * (test/e2e/scenarios.test.ts): what each description says must happen, in observe and fix mode. Each
 * description cites the documentation its expectation was written from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

async function run(file: string, mode: 'observe' | 'fix') {
  const json = JSON.parse(readFileSync(join(__dirname, '../../scenarios', file), 'utf8')) as {
    expect: { loadBalancerId: string };
  };
  const sandbox = await startSandbox({ scenario: parseScenario(json, file) });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const log = [...sandbox.requestLog];
    const writes = log.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method));
    const runCommands = log.filter((r) => r.method === 'POST' && /\/runCommand$/i.test(r.path));
    return { report, writes, runCommands };
  } finally {
    await sandbox.stop();
  }
}

describe.each(['observe', 'fix'] as const)('issue 13 kinds (%s)', (mode) => {
  it('AKS ingress probe path: the Service annotation, never the probe, and nothing written', async () => {
    // Act
    const { report, writes } = await run('aks-ingress-probe-path.json', mode);

    // Assess
    expect(writes).toEqual([]);
    expect(report.verdict).toBe('action-required');
    const steps = (report.nextSteps ?? []).join('\n');
    expect(steps).toMatch(/answers 404: HTTP\(S\) probes send the NIC's IP address as Host/);
    expect(steps).toMatch(/service\.beta\.kubernetes\.io\/azure-load-balancer-health-probe-request-path/);
    expect(steps).toMatch(/owned by AKS cluster aks-web/);
  });

  it('AKS-managed NSG: the deny is named for removal, nothing is written to the NSG', async () => {
    // Act
    const { report, writes } = await run('aks-managed-nsg-deny.json', mode);

    // Assess
    expect(writes).toEqual([]);
    expect(report.verdict).toBe('action-required');
    expect(report.whoMustAct).toBe('customer');
    const fix = report.fixes.find((f) => f.kind === 'nsg-allow-probe');
    // Controller-owned: skipped in both modes, never planned as a write.
    expect(fix?.status).toBe('skipped');
    const steps = (report.nextSteps ?? []).join('\n');
    expect(steps).toMatch(/owned by AKS cluster aks-pay/);
    expect(steps).toMatch(
      /rule deny-all-inbound-manual \(priority 4000\) is not the controller's own: remove it/,
    );
  });

  it('multi-probe node: each probe its own evidence, from one Run Command on the failing VM', async () => {
    // Act
    const { report, runCommands } = await run('multi-probe-node.json', mode);

    // Assess
    expect(runCommands.map((r) => r.path.split('/virtualMachines/')[1])).toEqual(['web-1/runCommand']);
    const web1 = report.backends.find((b) => b.ipAddress === '10.70.1.5');
    expect(web1?.causes.map((c) => [c.id, c.evidence?.port, c.evidence?.status])).toEqual([
      ['probe-endpoint-error', 443, 503],
    ]);
    expect(web1?.causes[0]?.evidence?.probeId).toMatch(/\/probes\/probe-https-ready$/);
  });
});
