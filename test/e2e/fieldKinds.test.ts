/**
 * The shipped scenarios of issue 13's kinds, beyond what every scenario's `expect` block checks
 * (test/e2e/scenarios.test.ts): what each description says must happen, in observe and fix mode. Each
 * description cites the documentation its expectation was written from.
 */
import { runShippedScenario } from '../helpers/shippedRun';

const run = runShippedScenario;

describe.each(['observe', 'fix'] as const)('issue 13 kinds (%s)', (mode) => {
  it('AKS ingress probe path: the Service annotation, never the probe, and nothing written', async () => {
    // Act
    const { report, writes } = await run('aks-ingress-probe-path.json', mode);

    // Assess
    expect(writes).toEqual([]);
    expect(report.verdict).toBe('action-required');
    const steps = (report.nextSteps ?? []).join('\n');
    expect(steps).toMatch(
      /answers 404 for Host 10\.224\.\d+\.\d+ \(what the probe sends\): nothing answers \/ for Host/,
    );
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
    // The AKS NSG is the node subnet's own NSG: there is no other NSG to move a restriction to.
    expect(steps).toMatch(/aks-agentpool-31415926-nsg is the NSG of subnet aks-subnet itself/);
    expect(steps).not.toMatch(/move the restriction/);
    // One step, the skipped fix's, which covers both nodes; no backend named by its bare instance id.
    expect(report.nextSteps).toHaveLength(1);
    expect(steps).not.toMatch(/^\d+: /m);
    // The cloud provider's floating IP and node-port probe are by its design: no note about either.
    const noteIds = [...(report.notes ?? []), ...report.backends.flatMap((b) => b.notes ?? [])].map(
      (n) => n.id,
    );
    expect(noteIds).toContain('controller-owned');
    expect(noteIds).not.toContain('floating-ip');
    expect(noteIds).not.toContain('probe-port-differs');
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
