/**
 * Down by design, Kubernetes' kind (issue 13, "Down by design"): behind a Service with
 * `externalTrafficPolicy: Local` the probe targets kube-proxy's health check node port, which answers
 * 503 with `"localEndpoints": 0` on a node that runs no ready pod of the Service. Such a node is not a
 * fault while another node serves; with no node serving, the Service has no ready endpoints at all and
 * that is said as what it is. Only kube-proxy's answer counts: a bare 503 is an application failing.
 * End to end through the sandbox, the real SDK clients and the local durable host.
 */
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { idKey } from '../../src/model/ids';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import type { ScenarioBuilder } from '../helpers/scenarioBuilder';
import { aksEtpLocal, SHIPPED_SCENARIOS } from '../helpers/shippedScenarios';

async function run(builder: ScenarioBuilder, mode: 'observe' | 'fix') {
  const doc = builder.build();
  const scenario = parseScenario(doc, doc.name);
  const sandbox = await startSandbox({ scenario });
  try {
    const { report, auditEvents } = await (async () => {
      const auditSink = new MemoryAuditSink();
      const { report } = await runLocally({
        input: { loadBalancerId: doc.expect!.loadBalancerId, mode },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
        config: loadConfig({}),
        auditSink,
        remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
        evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
      });
      return { report, auditEvents: auditSink.events };
    })();
    const writes = sandbox.requestLog.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method));
    return { report, writes, auditEvents, builder };
  } finally {
    await sandbox.stop();
  }
}

const nodeKey = (builder: ScenarioBuilder, i: number) =>
  idKey(builder.memberIpConfigId(`aks-nodepool1-31415926-vmss/${i}`));

describe('externalTrafficPolicy: Local', () => {
  it.each(['observe', 'fix'] as const)(
    'a node without a pod of the Service is expected-down, not a fault (%s)',
    async (mode) => {
      // Act
      const { report, writes, builder } = await run(SHIPPED_SCENARIOS['aks-etp-local-no-endpoint']!(), mode);

      // Assess
      expect(report.verdict).toBe('healthy');
      expect(report.whoMustAct).toBe('nobody');
      expect(report.escalation).toBeUndefined();
      expect(writes).toEqual([]);
      expect(report.fixes).toEqual([]);
      const state = Object.fromEntries(report.backends.map((b) => [idKey(b.ipConfigurationId ?? ''), b]));
      expect(state[nodeKey(builder, 0)]?.probeState).toBe('up');
      for (const i of [1, 2]) {
        const node = state[nodeKey(builder, i)];
        expect(node?.probeState).toBe('expected-down');
        expect(node?.causes).toEqual([]);
        expect(node?.notes?.find((n) => n.id === 'expected-down')?.evidence).toMatchObject({
          shape: 'no-local-endpoint',
          service: 'shop/storefront',
          port: 32080,
        });
      }
      expect(report.notes?.find((n) => n.id === 'no-local-endpoint')?.summary).toMatch(
        /Service shop\/storefront \(externalTrafficPolicy: Local\).*2 node\(s\) without a pod are down by design, 1 serve it/,
      );
    },
  );

  it('the audit trail records the two nodes as expected-down', async () => {
    // Act
    const { auditEvents } = await run(SHIPPED_SCENARIOS['aks-etp-local-no-endpoint']!(), 'observe');

    // Assess
    const checked = auditEvents.filter((e) => e.name === 'ProbeDoctor.BackendChecked') as {
      probeState?: string;
      outcome?: string;
    }[];
    expect(checked.filter((e) => e.probeState === 'expected-down').map((e) => e.outcome)).toEqual([
      'expected-down',
      'expected-down',
    ]);
  });

  it('with no pod on any node, the Service has no ready endpoints: a cause, with the step to take', async () => {
    // Act
    const { report, writes, builder } = await run(
      aksEtpLocal('aks-etp-local-no-pods', []).expect({
        verdict: 'action-required',
        causes: [],
        backends: {
          'aks-nodepool1-31415926-vmss/0': ['probe-endpoint-error'],
          'aks-nodepool1-31415926-vmss/1': ['probe-endpoint-error'],
          'aks-nodepool1-31415926-vmss/2': ['probe-endpoint-error'],
        },
      }),
      'observe',
    );

    // Assess
    expect(writes).toEqual([]);
    expect(report.verdict).toBe('action-required');
    expect(report.whoMustAct).toBe('customer');
    for (const i of [0, 1, 2]) {
      const node = report.backends.find((b) => idKey(b.ipConfigurationId ?? '') === nodeKey(builder, i));
      expect(node?.probeState).toBe('down');
      expect(node?.causes.map((c) => c.id)).toEqual(['probe-endpoint-error']);
      expect(node?.causes[0]?.evidence?.kubeProxy).toEqual({
        namespace: 'shop',
        name: 'storefront',
        localEndpoints: 0,
      });
    }
    const steps = (report.nextSteps ?? []).join('\n');
    expect(steps).toMatch(
      /Service shop\/storefront .*no node of the pool has one: the Service has no ready endpoints/,
    );
    expect(steps).toMatch(/kubectl get endpointslices -n shop -l kubernetes\.io\/service-name=storefront/);
    expect(steps).not.toMatch(/health-probe_request-path|requestPath/);
  });

  it('a bare 503 from an application is a fault, whatever the other nodes do', async () => {
    // Prepare: nodes 1 and 2 answer 503 with an error page, not kube-proxy's count.
    const builder = aksEtpLocal('aks-app-503', [0]).expect({
      verdict: 'action-required',
      causes: [],
      backends: {
        'aks-nodepool1-31415926-vmss/0': [],
        'aks-nodepool1-31415926-vmss/1': ['probe-endpoint-error'],
        'aks-nodepool1-31415926-vmss/2': ['probe-endpoint-error'],
      },
    });
    for (const i of [1, 2]) {
      builder.guest(`aks-nodepool1-31415926-vmss/${i}`, {
        http: [
          {
            port: 32080,
            path: '/healthz',
            status: 503,
            body: '<html><body>503 Service Unavailable</body></html>',
          },
        ],
      });
    }

    // Act
    const { report } = await run(builder, 'observe');

    // Assess
    expect(report.verdict).toBe('action-required');
    for (const i of [1, 2]) {
      const node = report.backends.find((b) => idKey(b.ipConfigurationId ?? '') === nodeKey(builder, i));
      expect(node?.probeState).toBe('down');
      expect(node?.causes.map((c) => c.id)).toEqual(['probe-endpoint-error']);
      expect(node?.causes[0]?.evidence?.body).toBe('<html><body>503 Service Unavailable</body></html>');
    }
  });
});
