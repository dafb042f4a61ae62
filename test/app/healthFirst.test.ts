/**
 * Health first: which backends discovery reads in depth, decided from the probe health (pure), and
 * what that costs against the sandbox through the real SDK clients: requests, durable history and
 * audit events grow with the failing backends only. Counts, never times.
 */
import { countRequests } from '../../bench/requestCounts';
import { scaledScenario } from '../../bench/scaledScenario';
import { discoverHealthFirst } from '../../src/app/discovery';
import { focusFromHealth } from '../../src/app/health';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { createClientFactory } from '../../src/azure/clients';
import { createSdkAzureReader } from '../../src/azure/reader';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { loadConfig } from '../../src/config';
import type { RuleHealth } from '../../src/model/health';
import { idKey } from '../../src/model/ids';
import type { Topology } from '../../src/model/topology';
import type { Scenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import { backendKey, topologyWith } from '../workflow/fakes';

const FAILING = 5;
/** The budget: requests independent of the healthy backends. */
const BUDGET = 40 + 8 * FAILING;

/** The rule health of `topologyWith(n)`, with `down` Down and `missing` left out of the answer. */
function healthOf(topology: Topology, down: number[], missing: number[] = []): RuleHealth[] {
  const ruleId = topology.rules[0]?.id ?? '';
  return [
    {
      ruleId,
      up: 0,
      down: down.length,
      backends: topology.backends
        .map((b, i) => ({ b, i }))
        .filter(({ i }) => !missing.includes(i))
        .map(({ b, i }) => ({
          ruleId,
          source: 'rule-health' as const,
          ipConfigurationId: b.key,
          ipAddress: `10.9.0.${i + 4}`,
          state: down.includes(i) ? ('Down' as const) : ('Up' as const),
          reason: down.includes(i) ? 'Down_Probe_TcpProbeTimeout' : 'Up_Probe_Success',
        })),
    },
  ];
}

/** The view discovery hands the focus: the load balancer's GET alone, no NIC read, so no address. */
function lbOnly(count: number, sku: Topology['loadBalancer']['sku'] = 'Standard'): Topology {
  const t = topologyWith(count);
  return {
    ...t,
    loadBalancer: { ...t.loadBalancer, sku },
    backends: t.backends.map(({ ipAddress: _drop, ...b }) => b),
  };
}

describe('focusFromHealth', () => {
  it('reads in depth only the backends the health says fail; the others carry the address it gives', () => {
    // Prepare
    const view = lbOnly(10);

    // Act
    const focus = focusFromHealth(view, healthOf(view, [2, 7]));

    // Assess
    expect([...(focus?.failing ?? [])]).toEqual([idKey(backendKey(2)), idKey(backendKey(7))]);
    expect(focus?.healthy().size).toBe(8);
    expect(focus?.healthy().get(idKey(backendKey(0)))).toEqual({ ipAddress: '10.9.0.4', up: true });
  });

  it('reads a backend the health answer left out (unknown: a stopped VM is not probed) in depth', () => {
    // Prepare
    const view = lbOnly(4);

    // Act
    const focus = focusFromHealth(view, healthOf(view, [], [3]));

    // Assess
    expect([...(focus?.failing ?? [])]).toEqual([idKey(backendKey(3))]);
    expect(focus?.healthy().has(idKey(backendKey(3)))).toBe(false);
  });

  it.each([
    ['a Basic load balancer (no per-rule health, no per-backend metric)', lbOnly(4, 'Basic'), true],
    ['a probed rule whose health could not be read', lbOnly(4), false],
  ])('reads every backend for %s', (_case, view, withHealth) => {
    // Act
    const focus = focusFromHealth(view, withHealth ? healthOf(view, [1]) : []);

    // Assess
    expect(focus).toBeUndefined();
  });

  it('reads every backend when the metric stood in for the rule health (it names addresses only)', () => {
    // Prepare
    const view = lbOnly(4);
    const ruleId = view.rules[0]?.id ?? '';
    const metric: RuleHealth[] = [
      {
        ruleId,
        up: 4,
        down: 0,
        backends: [0, 1, 2, 3].map((i) => ({
          ruleId,
          source: 'metric' as const,
          ipAddress: `10.9.0.${i + 4}`,
          state: 'Up' as const,
        })),
      },
    ];

    // Act / Assess
    expect(focusFromHealth(view, metric)).toBeUndefined();
  });
});

/** A scaled scenario whose load balancer is Basic: no health API, no metric. */
function basic(scenario: Scenario): Scenario {
  return {
    ...scenario,
    resources: scenario.resources.map((r) =>
      /\/loadBalancers\/[^/]+$/i.test(r.id) ? { ...r, sku: { name: 'Basic', tier: 'Regional' } } : r,
    ),
  };
}

async function discoverAgainstSandbox(scenario: Scenario, lbId: string, validationPeers?: boolean) {
  const sandbox = await startSandbox({ scenario });
  try {
    const clientsFor = createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca });
    const run = await discoverHealthFirst(
      createSdkTopologyReader(clientsFor),
      createSdkAzureReader(clientsFor),
      lbId,
      validationPeers === undefined ? {} : { validationPeers },
    );
    const reads = (re: RegExp) => sandbox.requestLog.filter((e) => e.method === 'GET' && re.test(e.path));
    return {
      run,
      nicReads: reads(/\/networkInterfaces\/[^/]+$/i).length,
      vmReads: reads(/\/virtualMachines\/[^/]+$/i).length,
      counts: countRequests(sandbox.requestLog),
    };
  } finally {
    await sandbox.stop();
  }
}

describe('discoverHealthFirst against the sandbox', () => {
  it('reads the failing backends and one healthy peer in depth, each resource once, and lists every backend', async () => {
    // Prepare
    const scaled = scaledScenario(60, { failing: 3 });

    // Act
    const { run, nicReads, vmReads, counts } = await discoverAgainstSandbox(
      scaled.scenario,
      scaled.loadBalancerId,
    );

    // Assess: 3 failing + 1 peer (the failing subnet's VNet holds the healthy ones too).
    expect([nicReads, vmReads]).toEqual([4, 4]);
    expect(counts.duplicateReads).toBe(0);
    expect(run.topology.backends).toHaveLength(60);
    // Healthy backends carry the health answer's address, without a NIC read.
    expect(run.topology.backends.every((b) => b.ipAddress !== undefined)).toBe(true);
    expect(Object.keys(run.topology.nics)).toHaveLength(4);
  });

  it('reads no healthy peer when nothing will be validated (observe mode), the same health and backends', async () => {
    // Prepare
    const scaled = scaledScenario(60, { failing: 3 });

    // Act
    const withPeer = await discoverAgainstSandbox(scaled.scenario, scaled.loadBalancerId, true);
    const without = await discoverAgainstSandbox(scaled.scenario, scaled.loadBalancerId, false);

    // Assess: the peer's NIC, VM and NSG are the only reads left out.
    expect([without.nicReads, without.vmReads]).toEqual([3, 3]);
    expect(without.counts.requests).toBe(withPeer.counts.requests - 3);
    expect(without.run.health).toEqual(withPeer.run.health);
    expect(without.run.topology.backends.map((b) => b.key)).toEqual(
      withPeer.run.topology.backends.map((b) => b.key),
    );
  });

  it('reads every backend of a Basic load balancer, which has no health to focus on', async () => {
    // Prepare
    const scaled = scaledScenario(12, { failing: 3 });

    // Act
    const { run, nicReads, vmReads } = await discoverAgainstSandbox(
      basic(scaled.scenario),
      scaled.loadBalancerId,
    );

    // Assess
    expect(run.health).toEqual([]);
    expect([nicReads, vmReads]).toEqual([12, 12]);
  });
});

async function runAt(backends: number, mode: 'observe' | 'fix') {
  const scaled = scaledScenario(backends, { failing: FAILING });
  const sandbox = await startSandbox({ scenario: scaled.scenario });
  const audit = new MemoryAuditSink();
  try {
    const { report, status } = await runLocally({
      input: { loadBalancerId: scaled.loadBalancerId, mode, requestedBy: 'cli' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({ PROBE_DOCTOR_ALLOWED_SCOPES: scaled.scope }),
      auditSink: audit,
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const nicReads = sandbox.requestLog.filter(
      (e) => e.method === 'GET' && /\/networkInterfaces\/[^/]+$/i.test(e.path),
    ).length;
    return {
      verdict: report.verdict,
      nicReads,
      backends: report.backends.length,
      requests: countRequests(sandbox.requestLog).requests,
      historyBytes: JSON.stringify(status.history).length,
      auditEvents: audit.events.length,
    };
  } finally {
    await sandbox.stop();
  }
}

describe('the discovery activity', () => {
  it('reads a healthy peer in depth for fix-mode validation only', async () => {
    // Act
    const observe = await runAt(10, 'observe');
    const fix = await runAt(10, 'fix');

    // Assess: the 5 failing backends' NICs, and in fix mode one peer's.
    expect([observe.nicReads, fix.nicReads]).toEqual([FAILING, FAILING + 1]);
  }, 60_000);
});

describe.each(['observe', 'fix'] as const)('a run in %s mode with 5 failing backends', (mode) => {
  it('costs the same requests, history and audit events at 10 and at 1,000 backends', async () => {
    // Act
    const small = await runAt(10, mode);
    const large = await runAt(1000, mode);

    // Assess
    expect([small.backends, large.backends]).toEqual([10, 1000]);
    expect(large.verdict).toBe(small.verdict);
    expect(large.requests).toBeLessThanOrEqual(BUDGET);
    expect(large.requests).toBe(small.requests);
    expect(large.auditEvents).toBe(small.auditEvents);
    expect(large.historyBytes).toBeLessThan(100_000);
    expect(Math.abs(large.historyBytes - small.historyBytes)).toBeLessThanOrEqual(small.historyBytes * 0.1);
  }, 60_000);
});
